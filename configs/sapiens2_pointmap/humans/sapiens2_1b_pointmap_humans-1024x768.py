# Sapiens2-1B pointmap: the release's recipe at this size, 40000 iterations of batch 3 per GPU,
# layer decay 0.9, clip 4.0, lr 5e-4. fp32 (the release shards it with FSDP, still fp32).
_base_ = ['./sapiens2_0.4b_pointmap_humans-1024x768.py']
arch = 'sapiens2_1b'
embed_dims = 1536
num_iters = 40000
model = dict(backbone=dict(arch=arch, init_cfg=dict(checkpoint='sapiens2_1b_pretrain')),
             decode_head=dict(in_channels=embed_dims))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.9),
                     clip_grad=dict(max_norm=4.0, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=500, end=num_iters),
]
train_cfg = dict(max_iters=num_iters)
train_dataloader = dict(batch_size=3)

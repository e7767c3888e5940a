# Sapiens2-0.8B albedo: the release's recipe at this size, 20000 iterations of batch 12 per GPU,
# layer decay 0.85, clip 4.0, lr 5e-4, bf16.
_base_ = ['./sapiens2_0.4b_albedo_humans-1024x768.py']
arch = 'sapiens2_0.8b'
embed_dims = 1280
model = dict(backbone=dict(arch=arch, init_cfg=dict(checkpoint='sapiens2_0.8b_pretrain')),
             decode_head=dict(in_channels=embed_dims))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.85),
                     clip_grad=dict(max_norm=4.0, norm_type=2))
train_dataloader = dict(batch_size=12)

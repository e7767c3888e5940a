# Sapiens2-0.8B, surface normals: the release's recipe at this size, 10000 iterations
# of batch 12 per GPU, layer decay 0.85, clip 4.0, lr 5e-4. bf16.
_base_ = ['./sapiens2_0.4b_normal_humans-1024x768.py']
arch = 'sapiens2_0.8b'
embed_dims = 1280
num_iters = 10000
model = dict(backbone=dict(arch=arch, init_cfg=dict(checkpoint='sapiens2_0.8b_pretrain')),
             decode_head=dict(in_channels=embed_dims))
optim_wrapper = dict(
    _delete_=True,
    type='AmpOptimWrapper', dtype='bfloat16',
    optimizer=dict(type='AdamW', lr=5e-4, betas=(0.9, 0.999), weight_decay=0.1),
    constructor='SapiensLayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.85),
    clip_grad=dict(max_norm=4.0, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=500, end=num_iters),
]
train_cfg = dict(max_iters=num_iters)
train_dataloader = dict(batch_size=12)

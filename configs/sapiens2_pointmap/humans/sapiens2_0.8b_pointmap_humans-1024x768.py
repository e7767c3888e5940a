# Sapiens2-0.8B pointmap: the release's recipe at this size, 20000 iterations of batch 6 per
# GPU, layer decay 0.85, clip 2.0 (pointmap keeps 0.4B's clip at 0.8B), lr 5e-4. fp32.
_base_ = ['./sapiens2_0.4b_pointmap_humans-1024x768.py']
arch = 'sapiens2_0.8b'
embed_dims = 1280
model = dict(backbone=dict(arch=arch, init_cfg=dict(checkpoint='sapiens2_0.8b_pretrain')),
             decode_head=dict(in_channels=embed_dims))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.85))
train_dataloader = dict(batch_size=6)

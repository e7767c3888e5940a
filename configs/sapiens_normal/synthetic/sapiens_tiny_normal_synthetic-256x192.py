# Tiny surface normals on the synthetic humans (CPU, minutes): sapiens_tiny backbone (128 wide,
# 4 layers, random init), 64-channel head, 256x192, batch 4, 1 epoch, SurfaceNormalMetric at
# the end.
_base_ = [
    '../../_base_/models/sapiens_normal.py',
    '../../_base_/datasets/synthetic_humans_normal-256x192.py',
    '../../_base_/schedules/sapiens_dense_200e.py',
    '../../_base_/default_runtime_mmseg.py',
]
image_size = (256, 192)  # (h, w)
model = dict(
    data_preprocessor=dict(size=image_size),
    # random init; the demo passes its MAE backbone: model.backbone.init_cfg.checkpoint=PATH
    backbone=dict(arch='sapiens_tiny', img_size=image_size,
                  init_cfg=dict(type='Pretrained', checkpoint=None)),
    decode_head=dict(in_channels=128, channels=64))
# the demo: batch 4 on its 2000 one-person training images, 500 iterations
train_dataloader = dict(batch_size=4, num_workers=1)
optim_wrapper = dict(optimizer=dict(lr=0.002))
max_epochs = 1
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1),
    visualization=dict(type='NormalVisualizationHook', interval=1, max_images=4))

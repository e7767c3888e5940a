# Tiny surface normals on the synthetic humans (CPU, minutes): sapiens_tiny backbone (128 wide,
# 4 layers, random init), 64-channel head, 256x192, 4 epochs, SurfaceNormalMetric every 2
# epochs.
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
optim_wrapper = dict(optimizer=dict(lr=1e-3))
max_epochs = 4
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=2, max_keep_ckpts=2),
    visualization=dict(type='NormalVisualizationHook', interval=1, max_images=4))

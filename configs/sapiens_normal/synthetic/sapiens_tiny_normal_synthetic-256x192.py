# Tiny surface normals on the synthetic humans (CPU, minutes): sapiens_tiny backbone (128 wide,
# 4 layers; random init unless a checkpoint is given), a slim head (deconvolutions 64-64-32,
# 1x1 convolutions at 32), 256x192, batch 8, 5 epochs, SurfaceNormalMetric at the end.
# Normals stay at 256x192, unlike the tiny segmentation and depth configs (128x96): the limbs'
# edge normals need the finer token grid (the ground truth averaged over 16-pixel cells is
# 26.9 degrees off, over the 32-pixel cells of a 128x96 input 34.3 degrees).
_base_ = [
    '../../_base_/models/sapiens_normal.py',
    '../../_base_/schedules/sapiens_dense_200e.py',
    '../../_base_/default_runtime_mmseg.py',
]
dataset_type = 'HumanNormalDataset'
# {train,val}/{images/{id}.png, normal/{id}.npy, mask/{id}.png}; the generator writes unit
# normals in the OpenCV camera frame (x right, y down, z forward)
data_root = 'data/demo/synthetic'
normal_convention = 'opencv'
image_size = (256, 192)  # (h, w)
model = dict(
    data_preprocessor=dict(size=image_size),
    # random init; the demo passes its MAE backbone: model.backbone.init_cfg.checkpoint=PATH
    backbone=dict(arch='sapiens_tiny', img_size=image_size,
                  init_cfg=dict(type='Pretrained', checkpoint=None)),
    # The heads cost ~90 % of a tiny training step, so it is slim; Kaiming init instead of the
    # release's N(0, 0.001) (see the tiny segmentation config).
    decode_head=dict(
        in_channels=128, channels=32, deconv_out_channels=(64, 64, 32),
        init_cfg=[dict(type='Kaiming', layer=['Conv2d', 'ConvTranspose2d']),
                  dict(type='Normal', std=0.01, bias=0, override=dict(name='conv_seg'))]))
# milder augmentation than the 1024x768 recipe (scale 0.8-1.5, no colour jitter)
scale = (192, 256)  # (w, h)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadHumanNormal'),
    dict(type='RandomResize', scale=scale, ratio_range=(0.8, 1.5), keep_ratio=True),
    dict(type='ForegroundRandomCrop', crop_size=image_size, min_foreground_ratio=0.1),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='DenseRandomFlip', prob=0.5),
    dict(type='PackDenseInputs'),
]
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='LoadHumanNormal'),
    dict(type='PackDenseInputs'),
]
# the demo: batch 8 on its 2000 one-person training images, 1250 iterations
train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root + '/train',
                 normal_convention=normal_convention, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root + '/val', test_mode=True,
                 normal_convention=normal_convention,
                 pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='SurfaceNormalMetric')
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(lr=0.002))
max_epochs = 5
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1),
    visualization=dict(interval=1, max_images=4))

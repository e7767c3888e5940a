# Tiny relative depth on the synthetic humans (CPU, minutes): sapiens_tiny backbone (128 wide,
# 4 layers; random init unless a checkpoint is given), a slim head (deconvolutions 64-64-32-32,
# 1x1 convolutions at 32), input 128x96, batch 16, 8 epochs, HumanDepthMetric at the end.
# Target and loss are the release's (min-max normalised person depth, SiLogLoss); the metric
# compares against the 256x192 depth in metres (the prediction is resized to the image size).
_base_ = [
    '../../_base_/models/sapiens_depth.py',
    '../../_base_/schedules/sapiens_dense_200e.py',
    '../../_base_/default_runtime_mmseg.py',
]
dataset_type = 'HumanDepthDataset'
# {train,val}/{images/{id}.png, depth/{id}.npy, mask/{id}.png} at 256x192
data_root = 'data/demo/synthetic'
image_size = (128, 96)  # (h, w) network input
scale = (96, 128)  # (w, h), mmcv order
model = dict(
    data_preprocessor=dict(size=image_size),
    # random init; the demo passes its MAE backbone: model.backbone.init_cfg.checkpoint=PATH
    backbone=dict(arch='sapiens_tiny', img_size=image_size,
                  init_cfg=dict(type='Pretrained', checkpoint=None)),
    # The full-resolution head costs ~95 % of a tiny training step, so it is slim; Kaiming
    # init instead of the release's N(0, 0.001) (see the tiny segmentation config).
    decode_head=dict(
        in_channels=128, channels=32, deconv_out_channels=(64, 64, 32, 32),
        init_cfg=[dict(type='Kaiming', layer=['Conv2d', 'ConvTranspose2d']),
                  dict(type='Normal', std=0.01, bias=0.5, override=dict(name='conv_seg'))]))
# milder augmentation than the 1024x768 recipe (scale 0.8-1.5, no rotation or colour jitter)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadHumanDepth'),
    dict(type='RandomResize', scale=scale, ratio_range=(0.8, 1.5), keep_ratio=True),
    dict(type='ForegroundRandomCrop', crop_size=image_size, min_foreground_ratio=0.1),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='DenseRandomFlip', prob=0.5),
    dict(type='GenerateHumanDepthTarget'),
    dict(type='PackSegInputs'),
]
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='LoadHumanDepth'),  # after Resize: metres at the image size
    dict(type='PackSegInputs'),
]
# the demo: batch 16 on its 2000 one-person training images, 1000 iterations
train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root + '/train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root + '/val', test_mode=True,
                 pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='HumanDepthMetric', pred_space='relative')
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(lr=0.002))
max_epochs = 8
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

# Tiny Sapiens2 surface normals on the synthetic humans (CPU, minutes): sapiens2_tiny backbone,
# a slim PixelShuffle head, input 128x96, the release's three losses.
# Data: data/demo/synthetic/{train,val} (HumanNormalDataset layout).
_base_ = ['../humans/sapiens2_0.4b_normal_humans-1024x768.py']
dataset_type = 'HumanNormalDataset'
data_root = 'data/demo/synthetic'
image_size = (128, 96)  # (h, w)
scale = (96, 128)  # (w, h)
model = dict(
    data_preprocessor=dict(size=image_size),
    backbone=dict(arch='sapiens2_tiny', img_size=image_size,
                  init_cfg=dict(type='Pretrained', checkpoint=None)),
    decode_head=dict(in_channels=64, upsample_channels=(32, 32, 16, 16),
                     conv_out_channels=(16, 16, 16)))
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
    dict(type='FitAndCentrePad', size=image_size),
    dict(type='LoadHumanNormal'),
    dict(type='PackDenseInputs',
         meta_keys=('img_path', 'seg_map_path', 'ori_shape', 'img_shape', 'pad_shape',
                    'scale_factor', 'flip', 'flip_direction', 'reduce_zero_label',
                    'img_padding_size')),
]
train_dataloader = dict(
    batch_size=8, num_workers=1, persistent_workers=False,
    dataset=dict(type=dataset_type, data_root=data_root + '/train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(type=dataset_type, data_root=data_root + '/val', pipeline=val_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(_delete_=True, type='OptimWrapper',
                     optimizer=dict(type='AdamW', lr=2e-3, betas=(0.9, 0.999), weight_decay=0.05),
                     constructor='SapiensLayerDecayOptimWrapperConstructor',
                     paramwise_cfg=dict(layer_decay_rate=0.9),
                     clip_grad=dict(max_norm=2.0, norm_type=2))
num_iters = 1250
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=30, end=num_iters),
]
train_cfg = dict(max_iters=num_iters, val_interval=num_iters)
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(interval=num_iters, max_keep_ckpts=1, save_best=None),
    visualization=dict(interval=1, max_images=4))

# Tiny Sapiens2 29-class body-part segmentation on the synthetic humans (CPU, minutes):
# sapiens2_tiny backbone (64 wide, 18 blocks with the GQA schedule; random init unless a
# checkpoint is given), a slim full-resolution head, input 128x96. The synthetic labels are v1's
# 28 classes, mapped to the 29 on loading (label_space='goliath28'; no Eyeglass labels).
# Data: data/demo/synthetic/{train,val}; another directory of the same layout via --cfg-options
# {train,val,test}_dataloader.dataset.data_root=DIR/{train,val}.
_base_ = ['../humans/sapiens2_0.4b_seg_humans-1024x768.py']
data_root = 'data/demo/synthetic'
image_size = (128, 96)  # (h, w)
scale = (96, 128)  # (w, h)
flip_swap_pairs = [(5, 14), (6, 15), (7, 16), (8, 17), (9, 18), (10, 19), (11, 20), (12, 21)]
# square roots of the release's weights keep the background in a short run (as the v1 tiny config)
class_weight = [0.316, 3.162, 3.162, 1.732, 1.414, 2.0, 2.0, 1.414, 1.414, 2.449, 3.162, 1.732,
                1.732, 1.0, 2.0, 2.0, 1.414, 1.414, 2.449, 3.162, 1.732, 1.732, 1.0, 1.0, 3.162,
                3.162, 3.162, 3.162, 3.162]
model = dict(
    data_preprocessor=dict(size=image_size),
    backbone=dict(arch='sapiens2_tiny', img_size=image_size,
                  init_cfg=dict(type='Pretrained', checkpoint=None)),
    decode_head=dict(
        in_channels=64, channels=16, deconv_out_channels=(32, 32, 16, 16),
        conv_out_channels=(16, 16),
        loss_decode=[
            dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                 reduction='none', class_weight=class_weight),
            dict(type='ForegroundDiceLoss', loss_weight=1.0),
        ]))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadBodyPartAnnotations'),
    dict(type='RandomResize', scale=scale, ratio_range=(0.8, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=image_size, cat_max_ratio=0.75),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5, swap_seg_labels=flip_swap_pairs),
    dict(type='PackSegInputs'),
]
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='AreaOrCubicResize', scale=scale, keep_ratio=False),
    dict(type='LoadBodyPartAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=16, num_workers=1, persistent_workers=False,
    dataset=dict(data_root=data_root + '/train', label_space='goliath28',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root + '/val', label_space='goliath28', pipeline=val_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(_delete_=True, type='OptimWrapper',
                     optimizer=dict(type='AdamW', lr=2e-3, betas=(0.9, 0.999), weight_decay=0.05),
                     constructor='SapiensLayerDecayOptimWrapperConstructor',
                     paramwise_cfg=dict(layer_decay_rate=0.9),
                     clip_grad=dict(max_norm=2.0, norm_type=2))
num_iters = 1500
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=30, end=num_iters),
]
train_cfg = dict(max_iters=num_iters, val_interval=num_iters)
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(interval=num_iters, max_keep_ckpts=1, save_best=None),
    visualization=dict(interval=1, max_images=4))

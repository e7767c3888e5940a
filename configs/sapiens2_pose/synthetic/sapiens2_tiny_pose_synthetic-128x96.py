# Tiny Sapiens2 308-keypoint pose on the synthetic humans (CPU, minutes): sapiens2_tiny backbone,
# a slim head, 128x96 crops, UDP heatmaps (sigma 2) at 32x24, the release's MSE x10 loss.
# Data: data/demo/synthetic/{train,val}/annotations/goliath_308.json.
_base_ = ['../goliath/sapiens2_0.4b_pose_goliath-1024x768.py']
image_size = (96, 128)  # (w, h)
heatmap_size = (24, 32)
codec = dict(type='BatchUDPHeatmap', input_size=image_size, heatmap_size=heatmap_size, sigma=2)
model = dict(
    backbone=dict(arch='sapiens2_tiny', img_size=(128, 96),
                  init_cfg=dict(_delete_=True, type='Pretrained', checkpoint=None)),
    head=dict(in_channels=64, deconv_out_channels=(64, 64), conv_out_channels=(64, 64, 64),
              decoder=codec))
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform', shift_factor=0.1, scale_factor=(0.8, 1.2),
         rotate_factor=30, rotate_prob=0.5),
    dict(type='TopdownAffine', input_size=image_size, use_udp=True),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='ReleaseInterpolationTopdownAffine', input_size=image_size, use_udp=True),
    dict(type='PackPoseInputs'),
]
train_root = 'data/demo/synthetic/train/'
val_root = 'data/demo/synthetic/val/'
train_dataloader = dict(
    batch_size=16, num_workers=1, persistent_workers=False,
    dataset=dict(data_root=train_root, ann_file='annotations/goliath_308.json',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=val_root, ann_file='annotations/goliath_308.json',
                 pipeline=val_pipeline))
test_dataloader = val_dataloader
# OKS AP barely moves at this scale (238 face points with sigma 0.01); PCK@0.1 of the box size
# shows what a short run learns
val_evaluator = [dict(type='Goliath308Metric', ann_file=val_root + 'annotations/goliath_308.json'),
                 dict(type='PCKAccuracy', thr=0.1, norm_item='bbox')]
test_evaluator = val_evaluator
optim_wrapper = dict(_delete_=True, type='OptimWrapper',
                     optimizer=dict(type='AdamW', lr=2e-3, betas=(0.9, 0.999), weight_decay=0.05),
                     constructor='SapiensLayerDecayOptimWrapperConstructor',
                     paramwise_cfg=dict(layer_decay_rate=0.9),
                     clip_grad=dict(max_norm=2.0, norm_type=2))
num_iters = 1500
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=50, end=num_iters),
]
train_cfg = dict(max_iters=num_iters, val_interval=num_iters)
default_hooks = dict(logger=dict(interval=20),
                     checkpoint=dict(interval=num_iters, max_keep_ckpts=1, save_best=None))

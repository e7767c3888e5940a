# Tiny Sapiens pose model (308 keypoints) on the built-in synthetic humans, 128x96 person crops,
# CPU-sized: sapiens_tiny backbone (128 wide, 4 layers), a 64-channel SapiensHeatmapHead, UDP
# heatmaps at 32x24. Data: `python tools/make_synthetic_humans.py --out data/demo/synthetic/train ...`.
# The demo loads its MAE-pretrained tiny backbone with
#   --cfg-options model.backbone.init_cfg.checkpoint=PATH
_base_ = '../goliath/sapiens_0.3b-210e_goliath-1024x768.py'

image_size = (96, 128)  # (w, h)
heatmap_size = (24, 32)
codec = dict(type='BatchUDPHeatmap', input_size=image_size, heatmap_size=heatmap_size, sigma=2)

model = dict(
    backbone=dict(arch='sapiens_tiny', img_size=(128, 96),
                  init_cfg=dict(_delete_=True, type='Pretrained', checkpoint=None)),
    # the loss is the release's: MSE on the 128 hardest of the 308 heatmaps per person (OHKM),
    # which keeps the 238 face points from drowning the 70 body, foot and hand points
    head=dict(in_channels=128, deconv_out_channels=(64, 64), conv_out_channels=(64, 64),
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
    dict(type='TopdownAffine', input_size=image_size, use_udp=True),
    dict(type='PackPoseInputs'),
]
train_root = 'data/demo/synthetic/train/'
val_root = 'data/demo/synthetic/val/'
train_dataloader = dict(
    batch_size=16, num_workers=1, persistent_workers=False,
    dataset=dict(data_root=train_root, ann_file='annotations/goliath_308.json',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16, num_workers=2, persistent_workers=False,
    dataset=dict(data_root=val_root, ann_file='annotations/goliath_308.json',
                 pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=val_root + 'annotations/goliath_308.json')
test_evaluator = val_evaluator

# 12 epochs of the demo's 2000 one-person training images: 1500 iterations of batch 16
max_epochs = 12
optim_wrapper = dict(optimizer=dict(lr=2e-3, weight_decay=0.05),
                     paramwise_cfg=dict(layer_decay_rate=0.9))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=50, start_factor=0.01, by_epoch=False),
    dict(type='CosineAnnealingLR', T_max=max_epochs, begin=0, end=max_epochs, by_epoch=True),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(logger=dict(interval=20),
                     checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))

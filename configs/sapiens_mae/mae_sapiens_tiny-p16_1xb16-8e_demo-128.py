# Tiny MAE pretraining that runs on a laptop CPU in about two minutes: sapiens_tiny encoder
# (128 wide, 4 layers), 2-layer 64-wide decoder, 128x128 crops from a folder of images,
# batch 16, 8 epochs (the demo: its 2000 synthetic training images, 1000 iterations).
_base_ = [
    '../_base_/models/mae_sapiens.py',
    '../_base_/datasets/image_folder_mae.py',
    '../_base_/schedules/mae_adamw_coslr_1600e.py',
    '../_base_/default_runtime_mmpretrain.py',
]
image_size = 128
data_root = 'data/demo/mae_images'

model = dict(
    backbone=dict(arch='sapiens_tiny', img_size=image_size),
    neck=dict(embed_dim=128, num_patches=(image_size // 16)**2, decoder_embed_dim=64,
              decoder_depth=2, decoder_num_heads=4))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=image_size, crop_ratio_range=(0.2, 1.0),
         backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=16, num_workers=1, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))

optim_wrapper = dict(optimizer=dict(lr=1.5e-3))
max_epochs = 8
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-2, by_epoch=True, begin=0, end=2,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 2, by_epoch=True, begin=2,
         end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
auto_scale_lr = dict(enable=False)
default_hooks = dict(logger=dict(interval=25), checkpoint=dict(interval=4, max_keep_ckpts=2))
env_cfg = dict(cudnn_benchmark=False)

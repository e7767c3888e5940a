# Tiny body-part segmentation on the synthetic humans (CPU, minutes): sapiens_tiny backbone
# (128 wide, 4 layers; random init unless a checkpoint is given), 64-channel head, 256x192, batch 4, 2 epoch(s), mIoU at the end.
# Data: the synthetic generator's data/demo/synthetic/{train,val}; another directory of the
# same layout via --cfg-options {train,val,test}_dataloader.dataset.data_root=DIR/{train,val}.
_base_ = [
    '../../_base_/models/sapiens_seg.py',
    '../../_base_/datasets/synthetic_humans_seg-256x192.py',
    '../../_base_/schedules/sapiens_dense_200e.py',
    '../../_base_/default_runtime_mmseg.py',
]
image_size = (256, 192)  # (h, w)
model = dict(
    data_preprocessor=dict(size=image_size),
    # random init; the demo passes its MAE backbone: model.backbone.init_cfg.checkpoint=PATH
    backbone=dict(arch='sapiens_tiny', img_size=image_size,
                  init_cfg=dict(type='Pretrained', checkpoint=None)),
    # plain cross-entropy: the release's class weights (Background 0.1, small parts up to 10)
    # need far longer training than CPU minutes; in a short run they trade the background away
    decode_head=dict(in_channels=128, channels=64,
                     loss_decode=dict(class_weight=None)))
# milder augmentation than the 1024x768 recipe (scale 0.8-1.5, no rotation or colour jitter):
# the tiny model gets a few thousand samples, not hundreds of thousands
scale = (192, 256)  # (w, h)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadBodyPartAnnotations'),
    dict(type='RandomResize', scale=scale, ratio_range=(0.8, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=image_size, cat_max_ratio=0.75),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5, swap_seg_labels={{_base_.flip_swap_pairs}}),
    dict(type='PackSegInputs'),
]
# the demo: batch 4 on its 2000 one-person training images, 1000 iterations
train_dataloader = dict(batch_size=4, num_workers=1, dataset=dict(pipeline=train_pipeline))
optim_wrapper = dict(optimizer=dict(lr=0.002))
max_epochs = 2
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1),
    visualization=dict(type='BodyPartVisualizationHook', interval=1, max_images=4))

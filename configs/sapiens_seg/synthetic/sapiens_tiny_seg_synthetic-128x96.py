# Tiny body-part segmentation on the synthetic humans (CPU, minutes): sapiens_tiny backbone
# (128 wide, 4 layers; random init unless a checkpoint is given), a slim head (deconvolutions
# 64-64-32, 1x1 convolutions at 32), input 128x96, batch 16, 12 epochs, mIoU at the end.
# Evaluation is against the 256x192 label maps (the prediction is resized to the image size).
# Data: the synthetic generator's data/demo/synthetic/{train,val}; another directory of the
# same layout via --cfg-options {train,val,test}_dataloader.dataset.data_root=DIR/{train,val}.
_base_ = [
    '../../_base_/models/sapiens_seg.py',
    '../../_base_/schedules/sapiens_dense_200e.py',
    '../../_base_/default_runtime_mmseg.py',
]
dataset_type = 'BodyPartSegDataset'
data_root = 'data/demo/synthetic'  # {train,val}/{images,seg}/{id}.png at 256x192
image_size = (128, 96)  # (h, w) network input
scale = (96, 128)  # (w, h), mmcv order
flip_swap_pairs = [(4, 13), (5, 14), (6, 15), (7, 16), (8, 17), (9, 18), (10, 19), (11, 20)]
# The release's class weights (Background 0.1, small parts up to 10) trade the background
# away in a short run; their square roots (Background 0.32, parts 1-3.2) keep it and still
# pull the small parts up (mIoU 6.2 vs 4.3 unweighted after 250 iterations with a 64-channel
# head, one run each).
class_weight = [0.316, 3.162, 1.732, 1.414, 2.0, 2.0, 1.414, 1.414, 2.449, 3.162, 1.732, 1.732,
                1.0, 2.0, 2.0, 1.414, 1.414, 2.449, 3.162, 1.732, 1.732, 1.0, 1.0, 3.162, 3.162,
                3.162, 3.162, 3.162]
model = dict(
    data_preprocessor=dict(size=image_size),
    # random init; the demo passes its MAE backbone: model.backbone.init_cfg.checkpoint=PATH
    backbone=dict(arch='sapiens_tiny', img_size=image_size,
                  init_cfg=dict(type='Pretrained', checkpoint=None)),
    # The heads cost ~90 % of a tiny training step, so they are slim. Kaiming init instead of
    # the release's N(0, 0.001): with AdamW steps of ~lr, 0.001-sized weights are overwritten
    # in the first step (64-channel head: mIoU 5.8 after 500 iterations vs 5.5 after 750).
    decode_head=dict(
        in_channels=128, channels=32, deconv_out_channels=(64, 64, 32),
        loss_decode=dict(class_weight=class_weight),
        init_cfg=[dict(type='Kaiming', layer=['Conv2d', 'ConvTranspose2d']),
                  dict(type='Normal', std=0.01, bias=0, override=dict(name='conv_seg'))]))
# milder augmentation than the 1024x768 recipe (scale 0.8-1.5, no rotation or colour jitter):
# the tiny model sees tens of thousands of samples, not millions
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
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='LoadBodyPartAnnotations'),  # after Resize: labels keep the image size
    dict(type='PackSegInputs'),
]
# the demo: batch 16 on its 2000 one-person training images, 1500 iterations
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
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(lr=0.002))
max_epochs = 12
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

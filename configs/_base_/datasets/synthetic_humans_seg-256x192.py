# Body-part segmentation on the synthetic humans at 256x192 (CPU-sized), layout
# {data_root}/{train,val}/{images,seg}/{id}.png; same augmentations as the 1024x768 data.
dataset_type = 'BodyPartSegDataset'
data_root = 'data/demo/synthetic'
crop_size = (256, 192)  # (h, w)
scale = (192, 256)  # (w, h), mmcv order
flip_swap_pairs = [(4, 13), (5, 14), (6, 15), (7, 16), (8, 17), (9, 18), (10, 19), (11, 20)]

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadBodyPartAnnotations'),
    dict(type='RandomResize', scale=scale, ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='RandomRotate', prob=0.5, degree=45, pad_val=0, seg_pad_val=0),
    dict(type='RandomFlip', prob=0.5, swap_seg_labels=flip_swap_pairs),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='LoadBodyPartAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
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

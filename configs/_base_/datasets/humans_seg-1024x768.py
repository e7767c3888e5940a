# Body-part segmentation data at 1024x768 (Sapiens paper, body parts), layout
# {data_root}/{train,val}/{images,seg}/{id}.png. As the release, people are pasted onto random
# non-human backgrounds (RandomBackground, p=0.8, colour-harmonised; the person is every pixel
# not labelled Background, since this data has no mask file).
dataset_type = 'BodyPartSegDataset'
data_root = 'data/humans'
# Non-human images pasted behind the person (RandomBackground); make them with
# tools/make_background_set.py (COCO images without people, or rendered backgrounds).
background_root = 'data/backgrounds'
crop_size = (1024, 768)  # (h, w)
scale = (768, 1024)  # (w, h), mmcv order
# Left/right class pairs swapped by a horizontal flip (28-class vocabulary).
flip_swap_pairs = [(4, 13), (5, 14), (6, 15), (7, 16), (8, 17), (9, 18), (10, 19), (11, 20)]

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadBodyPartAnnotations'),
    dict(type='RandomBackground', background_root=background_root, prob=0.8,
         harmonize_prob=1.0),  # person on a non-human image, colours harmonised
    dict(type='RandomResize', scale=scale, ratio_range=(0.2, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='RandomRotate', prob=0.5, degree=45, pad_val=0, seg_pad_val=0),
    dict(type='RandomFlip', prob=0.5, swap_seg_labels=flip_swap_pairs),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
# Labels are loaded after Resize: the metric compares at the original image size.
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='LoadBodyPartAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=1,  # per GPU, as the release's configs (its launch scripts used 2)
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root + '/train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root + '/val', test_mode=True,
                 pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])  # aAcc, mIoU, mAcc
test_evaluator = val_evaluator

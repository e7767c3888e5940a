# Relative-depth data at 1024x768 (Sapiens paper, depth), layout
# {data_root}/{train,val}/{images/{id}.png, depth/{id}.npy, mask/{id}.png}. Training targets are
# the person's min-max normalised depth (GenerateHumanDepthTarget, last geometric step); the
# evaluation keeps metres for HumanDepthMetric (aligned and unaligned errors on the person).
dataset_type = 'HumanDepthDataset'
data_root = 'data/humans'
# Non-human images pasted behind the person (RandomBackground); make them with
# tools/make_background_set.py (COCO images without people, or rendered backgrounds).
background_root = 'data/backgrounds'
crop_size = (1024, 768)  # (h, w)
scale = (768, 1024)  # (w, h), mmcv order

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadHumanDepth'),
    dict(type='RandomBackground', background_root=background_root, prob=0.5),
    dict(type='RandomResize', scale=scale, ratio_range=(0.2, 2.0), keep_ratio=True),
    dict(type='ForegroundRandomCrop', crop_size=crop_size, min_foreground_ratio=0.1),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='DenseRandomRotate', prob=0.5, degree=60),
    dict(type='DenseRandomFlip', prob=0.5),
    dict(type='GenerateHumanDepthTarget'),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='LoadHumanDepth'),  # after Resize: metres at the original size
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=1,
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
val_evaluator = dict(type='HumanDepthMetric', pred_space='relative')
test_evaluator = val_evaluator

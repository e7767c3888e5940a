# Relative depth on the synthetic humans at 256x192 (CPU-sized), layout
# {data_root}/{train,val}/{images/{id}.png, depth/{id}.npy, mask/{id}.png}.
dataset_type = 'HumanDepthDataset'
data_root = 'data/demo/synthetic'
crop_size = (256, 192)  # (h, w)
scale = (192, 256)  # (w, h), mmcv order

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadHumanDepth'),
    dict(type='RandomResize', scale=scale, ratio_range=(0.5, 2.0), keep_ratio=True),
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
    dict(type='LoadHumanDepth'),
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
val_evaluator = dict(type='HumanDepthMetric', pred_space='relative')
test_evaluator = val_evaluator

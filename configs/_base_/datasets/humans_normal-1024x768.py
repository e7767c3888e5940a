# Surface-normal data at 1024x768 (Sapiens paper, normals), layout
# {data_root}/{train,val}/{images/{id}.png, normal/{id}.npy, mask/{id}.png}; normals are unit
# vectors in the OpenCV camera frame (x right, y down, z forward), declared by
# normal_convention. No rotation augmentation, as the release.
dataset_type = 'HumanNormalDataset'
data_root = 'data/humans'
# Non-human images pasted behind the person (RandomBackground); make them with
# tools/make_background_set.py (COCO images without people, or rendered backgrounds).
background_root = 'data/backgrounds'
normal_convention = 'opencv'
crop_size = (1024, 768)  # (h, w)
scale = (768, 1024)  # (w, h), mmcv order

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadHumanNormal'),
    dict(type='RandomBackground', background_root=background_root, prob=0.5),
    dict(type='RandomResize', scale=scale, ratio_range=(0.2, 2.0), keep_ratio=True),
    dict(type='ForegroundRandomCrop', crop_size=crop_size, min_foreground_ratio=0.1),
    dict(type='Resize', scale=scale, keep_ratio=False),  # fixed size: normals are not padded
    dict(type='DenseRandomFlip', prob=0.5),  # negates x
    dict(type='PhotoMetricDistortion'),
    dict(type='PackDenseInputs'),
]
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='LoadHumanNormal'),  # after Resize: the original size
    dict(type='PackDenseInputs'),
]
train_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root + '/train',
                 normal_convention=normal_convention, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root + '/val', test_mode=True,
                 normal_convention=normal_convention, pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='SurfaceNormalMetric')
test_evaluator = val_evaluator

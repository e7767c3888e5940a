# Pointmap data in the Sapiens2 release's folder layout (PointmapDataset):
# {data_root}/{train,val}/{rgb/{id}.png, mask/{id}.png, depth/{id}.npy (metres),
# camera_intrinsics/{id}.txt (3x3 K), camera_extrinsics/{id}.txt (4x4)}. The release's
# augmentation (sapiens/dense/configs/pointmap/*): photometric distortion, then scale, crop and
# flip that carry K along, fit-and-pad to 1024x768, canonical target (focal 768).
dataset_type = 'PointmapDataset'
data_root = 'data/pointmap'
crop_size = (1024, 768)  # (h, w) network input; canonical focal length 768 px

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadPointmapAnnotations'),
    dict(type='PhotoMetricDistortion'),
    dict(type='PointmapRandomScale', scale_min=0.5, scale_max=2.0, prob=0.3),
    dict(type='PointmapRandomCropContinuous', ar_range=(0.5, 2.0), area_range=(0.4, 1.0),
         num_attempts=8, prob=0.3),
    dict(type='PointmapRandomFlip', prob=0.3),
    dict(type='PointmapResize', height=crop_size[0], width=crop_size[1]),
    dict(type='GenerateCanonicalPointmap', canonical_focal_length=768.0,
         target_downsample_factor=1),
    dict(type='PackPointmapInputs'),
]
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadPointmapAnnotations'),
    dict(type='PointmapResize', height=crop_size[0], width=crop_size[1]),
    dict(type='GenerateCanonicalPointmap', canonical_focal_length=768.0),
    dict(type='PackPointmapInputs', skip_invalid=False),  # a test-mode dataset cannot drop
]
train_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root + '/train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root + '/val', test_mode=True,
                 pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='PointmapMetric')
test_evaluator = val_evaluator

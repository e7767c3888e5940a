# Albedo data in the Sapiens2 release's folder layout (AlbedoDataset):
# {data_root}/{train,val}/{rgb/{id}.png, albedo/{id}.png, mask/{id}.png}. The release's
# augmentation: scale, crop and flip (albedo resampled bilinearly, mask nearest), fit-and-pad
# to 1024x768. Not here: the release's RandomGaussianNoise (p 0.2), which sapiens_mm does not
# have yet. Validation keeps the albedo at the network input (the release's leaves it at the
# image size while resizing the mask).
albedo_maps = dict(mask='nearest', gt_albedo='linear')
dataset_type = 'AlbedoDataset'
data_root = 'data/albedo'
crop_size = (1024, 768)  # (h, w)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAlbedoAnnotations'),
    dict(type='PointmapRandomScale', scale_min=0.5, scale_max=2.0, prob=0.3, maps=albedo_maps),
    dict(type='PointmapRandomCropContinuous', ar_range=(0.5, 2.0), area_range=(0.4, 1.0),
         num_attempts=8, prob=0.3, maps=albedo_maps),
    dict(type='PointmapRandomFlip', prob=0.3, maps=albedo_maps),
    dict(type='PointmapResize', height=crop_size[0], width=crop_size[1], maps=albedo_maps),
    dict(type='PackAlbedoInputs'),
]
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAlbedoAnnotations'),
    dict(type='PointmapResize', height=crop_size[0], width=crop_size[1], maps=albedo_maps),
    dict(type='PackAlbedoInputs', skip_invalid=False),
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
val_evaluator = dict(type='AlbedoMetric')
test_evaluator = val_evaluator

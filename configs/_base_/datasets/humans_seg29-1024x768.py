# 29-class body-part segmentation data at 1024x768 (Sapiens2), layout
# {data_root}/{train,val}/{images,seg}/{id}.png. label_space='sapiens2_29' for 29-class label
# maps; 'goliath28' maps v1 labels to the 29 classes on loading (no Eyeglass labels then).
# Augmentation after the release's (sapiens/dense/configs/seg/): person on a random non-human
# background, random resize 0.4-2.0, crop, rotation +-60, flip with the left/right class swap,
# photometric distortion, stretch to 1024x768. Evaluation stretches the image to 1024x768 with the
# release's interpolation (area when shrinking, bicubic when enlarging) and compares at the
# label's own size (mmseg resizes the logits bilinearly before the argmax, as the release).
dataset_type = 'BodyPart29SegDataset'
data_root = 'data/humans'
label_space = 'sapiens2_29'
background_root = 'data/backgrounds'  # tools/make_background_set.py
crop_size = (1024, 768)  # (h, w)
scale = (768, 1024)  # (w, h), mmcv order
flip_swap_pairs = [(5, 14), (6, 15), (7, 16), (8, 17), (9, 18), (10, 19), (11, 20), (12, 21)]

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadBodyPartAnnotations'),
    dict(type='RandomBackground', background_root=background_root, prob=0.8,
         harmonize_prob=1.0),
    dict(type='RandomResize', scale=scale, ratio_range=(0.4, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomRotate', prob=0.5, degree=60, pad_val=0, seg_pad_val=0),
    dict(type='RandomFlip', prob=0.5, swap_seg_labels=flip_swap_pairs),
    dict(type='PhotoMetricDistortion'),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='PackSegInputs'),
]
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='AreaOrCubicResize', scale=scale, keep_ratio=False),
    dict(type='LoadBodyPartAnnotations'),  # after the resize: labels keep the image size
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=12,  # per GPU, the release's 0.4B launch script
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root + '/train', label_space=label_space,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root + '/val', label_space=label_space,
                 test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])  # aAcc, mIoU, mAcc
test_evaluator = val_evaluator

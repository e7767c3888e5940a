# Sapiens2-0.4B surface normals, 1024x768 (the release's sapiens/dense/configs/normal/
# metasim_render_people/sapiens2_0.4b_normal_metasim_render_people-1024x768.py): 20k iterations
# of batch 20 per GPU, layer decay 0.8, clip 2.0, bf16 (the release: FSDP in bf16 for every size,
# the _fsdp variants of 1B and 5B). Data: the HumanNormalDataset layout; evaluation reports the
# release's figures too (a5 and its 0.5-degree-bin median).
# The other sizes inherit this file and change the size-dependent values.
_base_ = [
    '../../_base_/models/sapiens2_normal.py',
    '../../_base_/datasets/humans_normal-1024x768.py',
    '../../_base_/schedules/sapiens2_iter.py',
    '../../_base_/default_runtime_mmseg.py',
]
optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16')
# inference as the release's vis_normal.py: fit inside 1024x768 (floor size, bilinear), centre-pad
# with 0; the prediction's padding is cropped before it is resized to the image
image_size = (1024, 768)
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='FitAndCentrePad', size=image_size),
    dict(type='LoadHumanNormal'),  # the original size
    dict(type='PackDenseInputs',
         meta_keys=('img_path', 'seg_map_path', 'ori_shape', 'img_shape', 'pad_shape',
                    'scale_factor', 'flip', 'flip_direction', 'reduce_zero_label',
                    'img_padding_size')),
]
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
train_dataloader = dict(batch_size=20, sampler=dict(type='InfiniteSampler', shuffle=True))
val_evaluator = dict(type='SurfaceNormalMetric', thresholds=(5, 11.25, 22.5, 30))
test_evaluator = val_evaluator
default_hooks = dict(
    logger=dict(log_metric_by_epoch=False),
    checkpoint=dict(by_epoch=False, interval=1000, save_best='normal/mean', rule='less'))
log_processor = dict(by_epoch=False)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

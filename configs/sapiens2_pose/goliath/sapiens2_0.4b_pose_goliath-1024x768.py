# Sapiens2-0.4B, 308 whole-body keypoints, 1024x768 (the release's sapiens/pose/configs/
# keypoints308/shutterstock_goliath_3po/sapiens2_0.4b_keypoints308_shutterstock_goliath_3po-1024x768.py):
# 10k iterations of batch 6 per GPU, layer decay 0.8, clip 2.0, bf16 (the release: FSDP in bf16
# for every size, the _fsdp variants of 1B and 5B). Data: COCO-style 308-keypoint files in v1's
# layout or the release's evaluation json (goliath_wholebody_kpts), see Goliath308Dataset.
# The other sizes inherit this file and change the size-dependent values.
_base_ = [
    '../../_base_/models/sapiens2_pose_topdown.py',
    '../../_base_/schedules/sapiens2_iter.py',
    '../../_base_/default_runtime_mmpose.py',
]
num_iters = 10000
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=500, end=num_iters),
]
optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16')
train_cfg = dict(max_iters=num_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=1000, save_best='goliath/AP', rule='greater'))
log_processor = dict(by_epoch=False)

dataset_type = 'Goliath308Dataset'
data_root = 'data/goliath/'
train_dataloader = dict(
    batch_size=6,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, data_mode='topdown',
                 ann_file='annotations/goliath_train.json', data_prefix=dict(img=''),
                 pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_mode='topdown',
                 ann_file='annotations/goliath_test.json', data_prefix=dict(img=''),
                 test_mode=True, pipeline={{_base_.val_pipeline}}))
test_dataloader = val_dataloader
val_evaluator = dict(type='Goliath308Metric', ann_file=data_root + 'annotations/goliath_test.json')
test_evaluator = val_evaluator

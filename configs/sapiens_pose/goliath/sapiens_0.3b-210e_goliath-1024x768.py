# Sapiens-0.3B, 308 whole-body keypoints (Goliath layout), 1024x768, 210 epochs.
# Data: COCO-style 308-keypoint files (see Goliath308Dataset); the real Goliath set is not public.
_base_ = [
    '../../_base_/models/sapiens_pose_topdown.py',
    '../../_base_/schedules/sapiens_pose_210e.py',
    '../../_base_/default_runtime_mmpose.py',
]
# the release's loss (mmpose KeypointOHKMMSELoss, topk 128), computed without its Python loops
model = dict(head=dict(out_channels=308,
                       loss=dict(type='BatchKeypointOHKMMSELoss', use_target_weight=True,
                                 topk=128)))
optim_wrapper = dict(optimizer=dict(lr=5e-5))
train_cfg = dict(val_interval=1)
default_hooks = dict(checkpoint=dict(save_best='goliath/AP', rule='greater', max_keep_ckpts=1))

dataset_type = 'Goliath308Dataset'
data_root = 'data/goliath/'
train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
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

# Sapiens-0.3B, COCO-17 body keypoints, 1024x768, 210 epochs (release settings).
# Validation uses the person detections of the release (AP-H 70 on COCO val2017).
_base_ = [
    '../../_base_/models/sapiens_pose_topdown.py',
    '../../_base_/schedules/sapiens_pose_210e.py',
    '../../_base_/default_runtime_mmpose.py',
]
import os.path as osp  # noqa: E402

import mmpose  # noqa: E402

model = dict(head=dict(out_channels=17))
optim_wrapper = dict(optimizer=dict(lr=5e-4), paramwise_cfg=dict(layer_decay_rate=0.85))
default_hooks = dict(checkpoint=dict(save_best='coco/AP', rule='greater', max_keep_ckpts=1))

dataset_type = 'CocoDataset'
data_root = 'data/coco/'
# mmpose's own metainfo file, in its installed package (mmpose/.mim/configs/)
metainfo = dict(from_file=osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', '_base_',
                                   'datasets', 'coco.py'))
train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, data_mode='topdown', metainfo=metainfo,
                 ann_file='annotations/person_keypoints_train2017.json', data_prefix=dict(img='train2017/'),
                 pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_mode='topdown', metainfo=metainfo,
                 ann_file='annotations/person_keypoints_val2017.json',
                 bbox_file=data_root + 'person_detection_results/'
                 'COCO_val2017_detections_AP_H_70_person.json',
                 data_prefix=dict(img='val2017/'), test_mode=True,
                 pipeline={{_base_.val_pipeline}}))
test_dataloader = val_dataloader
val_evaluator = dict(type='CocoMetric', ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator

# Sapiens-0.3B, COCO-WholeBody 133 keypoints, 1024x768, 210 epochs (release settings): the COCO
# config with the whole-body dataset, metainfo, evaluator and layer decay 0.75.
_base_ = '../coco/sapiens_0.3b-210e_coco-1024x768.py'
import os.path as osp  # noqa: E402

import mmpose  # noqa: E402

model = dict(head=dict(out_channels=133))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.75))
default_hooks = dict(checkpoint=dict(save_best='coco-wholebody/AP'))

dataset_type = 'CocoWholeBodyDataset'
data_root = 'data/coco/'
# mmpose's own metainfo file, in its installed package (mmpose/.mim/configs/)
metainfo = dict(from_file=osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', '_base_',
                                   'datasets', 'coco_wholebody.py'))
train_dataloader = dict(dataset=dict(
    type=dataset_type, metainfo=metainfo,
    ann_file='annotations/coco_wholebody_train_v1.0.json'))
val_dataloader = dict(dataset=dict(
    type=dataset_type, metainfo=metainfo, ann_file='annotations/coco_wholebody_val_v1.0.json'))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='CocoWholeBodyMetric',
                     ann_file=data_root + 'annotations/coco_wholebody_val_v1.0.json')
test_evaluator = val_evaluator

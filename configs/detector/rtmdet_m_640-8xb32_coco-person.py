# The release's person detector for top-down pose: RTMDet-M at 640x640, one class (person).
# As the release's demo config (sapiens: pose/demo/mmdetection_cfg/
# rtmdet_m_640-8xb32_coco-person.py; sapiens2: sapiens/pose/tools/vis/
# rtmdet_m_640-8xb32_coco-person.py): mmdet's RTMDet-M with a one-class head. Its weights are
# the released `rtmdet_m.pth` (Hugging Face facebook/sapiens-pose-bbox-detector; model zoo name
# `sapiens_person_detector`). sapiens_mm.apis.person_detector keeps boxes of score > 0.3 and
# applies NMS at IoU 0.3 on top, as the demo does, and uses the whole image only when nobody is
# found. (The release's ImageNet `init_cfg` of the backbone is left out: the checkpoint holds
# every weight, and nothing is downloaded at run time.)
_base_ = 'mmdet::rtmdet/rtmdet_m_8xb32-300e_coco.py'

custom_imports = dict(imports=['sapiens_mm', 'mmdet.models'], allow_failed_imports=False)
default_scope = 'mmdet'

model = dict(
    bbox_head=dict(num_classes=1),
    test_cfg=dict(
        nms_pre=1000,
        min_bbox_size=0,
        score_thr=0.05,
        nms=dict(type='nms', iou_threshold=0.6),
        max_per_img=100))

train_dataloader = dict(dataset=dict(metainfo=dict(classes=('person', ))))
val_dataloader = dict(dataset=dict(metainfo=dict(classes=('person', ))))
test_dataloader = val_dataloader

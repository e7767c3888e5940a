# Sapiens-0.3B, 28-class body-part segmentation (Goliath vocabulary), 1024x768, 200 epochs (release
# settings, seg/configs/sapiens_seg/goliath/); evaluated with mmseg's IoUMetric (aAcc, mIoU, mAcc).
_base_ = [
    '../../_base_/models/sapiens_seg.py',
    '../../_base_/datasets/humans_seg-1024x768.py',
    '../../_base_/schedules/sapiens_dense_200e.py',
    '../../_base_/default_runtime_mmseg.py',
]
default_hooks = dict(
    checkpoint=dict(save_best='mIoU', rule='greater'))

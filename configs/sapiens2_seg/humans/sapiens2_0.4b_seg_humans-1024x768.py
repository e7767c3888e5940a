# Sapiens2-0.4B, 29-class body-part segmentation, 1024x768 (the release's
# sapiens/dense/configs/seg/shutterstock_goliath/sapiens2_0.4b_seg_shutterstock_goliath-1024x768.py):
# 20k iterations of batch 12 per GPU, bf16 autocast with DDP, layer decay 0.8, clip 2.0.
# The other sizes inherit this file and change the size-dependent values.
_base_ = [
    '../../_base_/models/sapiens2_seg.py',
    '../../_base_/datasets/humans_seg29-1024x768.py',
    '../../_base_/schedules/sapiens2_iter.py',
    '../../_base_/default_runtime_mmseg.py',
]
optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16')
default_hooks = dict(
    logger=dict(log_metric_by_epoch=False),
    checkpoint=dict(by_epoch=False, interval=1000, save_best='mIoU', rule='greater'))
log_processor = dict(by_epoch=False)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

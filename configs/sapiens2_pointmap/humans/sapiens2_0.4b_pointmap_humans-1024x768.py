# Sapiens2-0.4B pointmap, 1024x768 (the release's sapiens/dense/configs/pointmap/render_people/
# sapiens2_0.4b_pointmap_render_people-1024x768.py): 20k iterations of batch 8 per GPU, layer
# decay 0.8, clip 2.0, lr 5e-4, fp32 (the release trains pointmaps without mixed precision).
# Data: the release's folder layout (PointmapDataset). The other sizes inherit this file and
# change the size-dependent values.
_base_ = [
    '../../_base_/models/sapiens2_pointmap.py',
    '../../_base_/datasets/pointmap_folders-1024x768.py',
    '../../_base_/schedules/sapiens2_iter.py',
    '../../_base_/default_runtime_mmseg.py',
]
optim_wrapper = dict(type='OptimWrapper')  # fp32
train_dataloader = dict(batch_size=8)
default_hooks = dict(
    logger=dict(log_metric_by_epoch=False),
    checkpoint=dict(by_epoch=False, interval=1000, save_best='pointmap/l2_mean', rule='less'))
log_processor = dict(by_epoch=False)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

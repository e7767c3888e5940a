# Sapiens2-0.4B albedo, 1024x768 (the release's sapiens/dense/configs/albedo/render_people/
# sapiens2_0.4b_albedo_render_people-1024x768.py; no released checkpoint): 20k iterations of
# batch 20 per GPU, layer decay 0.8, clip 2.0, lr 5e-4, bf16. The other sizes inherit this file.
_base_ = [
    '../../_base_/models/sapiens2_albedo.py',
    '../../_base_/datasets/albedo_folders-1024x768.py',
    '../../_base_/schedules/sapiens2_iter.py',
    '../../_base_/default_runtime_mmseg.py',
]
optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16')
train_dataloader = dict(batch_size=20)
default_hooks = dict(
    logger=dict(log_metric_by_epoch=False),
    checkpoint=dict(by_epoch=False, interval=1000, save_best='albedo/mae', rule='less'))
log_processor = dict(by_epoch=False)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

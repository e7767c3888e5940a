# Runtime shared by the pose configs (stock mmpose runner). Pictures: mmpose's
# PoseVisualizationHook (enable=True, or tools/test.py --show-dir DIR) drawing with
# SapiensPoseVisualizer; for TensorBoard too, a config adds the two lines
#   vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
#   visualizer = dict(vis_backends=vis_backends)
default_scope = 'mmpose'
custom_imports = dict(imports=['sapiens_mm'], allow_failed_imports=False)

# AtomicCheckpointHook: CheckpointHook with crash-safe saves; NonFiniteLossHook: stop at the
# first NaN/inf loss term before the backward pass (README, 'Training at scale').
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='AtomicCheckpointHook', interval=10, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='PoseVisualizationHook', enable=False),
    badcase=dict(type='BadCaseAnalysisHook', enable=False, out_dir='badcase',
                 metric_type='loss', badcase_thr=5))
custom_hooks = [dict(type='SyncBuffersHook'), dict(type='NonFiniteLossHook')]
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))  # tools/train.py switches to gloo without GPUs
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='SapiensPoseVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True, num_digits=6)
log_level = 'INFO'
load_from = None
resume = False
backend_args = dict(backend='local')
val_cfg = dict()
test_cfg = dict()

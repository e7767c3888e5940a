# Runtime shared by the dense-task configs (body-part segmentation, depth, normals) on the stock
# mmseg runner. Task configs add their PNG-writing visualisation hook as
# default_hooks.visualization (BodyPartVisualizationHook / DepthVisualizationHook /
# NormalVisualizationHook).
default_scope = 'mmseg'
custom_imports = dict(imports=['sapiens_mm'], allow_failed_imports=False)

# AtomicCheckpointHook: CheckpointHook with crash-safe saves; NonFiniteLossHook: stop at the
# first NaN/inf loss term before the backward pass (README, 'Training at scale').
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='AtomicCheckpointHook', by_epoch=True, interval=10, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'))
custom_hooks = [dict(type='NonFiniteLossHook')]
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))  # tools/train.py switches to gloo without GPUs
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)

# Runtime shared by the dense-task configs (body-part segmentation, depth, normals) on the stock
# mmseg runner. Validation pictures ([image | ground truth | prediction], README 'Pictures') go
# through the visualizer to every vis backend; for TensorBoard too, a config adds the two lines
#   vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
#   visualizer = dict(vis_backends=vis_backends)
default_scope = 'mmseg'
custom_imports = dict(imports=['sapiens_mm'], allow_failed_imports=False)

# AtomicCheckpointHook: CheckpointHook with crash-safe saves; NonFiniteLossHook: stop at the
# first NaN/inf loss term before the backward pass (README, 'Training at scale').
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='AtomicCheckpointHook', by_epoch=True, interval=10, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='DenseVisualizationHook', draw=True, interval=50, max_images=16))
custom_hooks = [dict(type='NonFiniteLossHook')]
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))  # tools/train.py switches to gloo without GPUs
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='SapiensDenseVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)

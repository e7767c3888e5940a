# Sapiens-0.3B, relative depth of the person, 1024x768, 200 epochs (release settings,
# seg/configs/sapiens_depth/); evaluated with HumanDepthMetric (scale-and-shift aligned and
# unaligned RMSE, AbsRel, delta thresholds on the person).
_base_ = [
    '../../_base_/models/sapiens_depth.py',
    '../../_base_/datasets/humans_depth-1024x768.py',
    '../../_base_/schedules/sapiens_dense_200e.py',
    '../../_base_/default_runtime_mmseg.py',
]
default_hooks = dict(
    checkpoint=dict(save_best='depth/aligned_abs_rel', rule='less'))

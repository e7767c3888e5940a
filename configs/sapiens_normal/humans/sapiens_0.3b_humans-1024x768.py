# Sapiens-0.3B, surface normals of the person, 1024x768, 200 epochs (release settings,
# seg/configs/sapiens_normal/); evaluated with SurfaceNormalMetric (angular error on the person).
_base_ = [
    '../../_base_/models/sapiens_normal.py',
    '../../_base_/datasets/humans_normal-1024x768.py',
    '../../_base_/schedules/sapiens_dense_200e.py',
    '../../_base_/default_runtime_mmseg.py',
]
default_hooks = dict(
    checkpoint=dict(save_best='normal/mean', rule='less'))

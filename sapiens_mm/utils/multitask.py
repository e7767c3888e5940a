"""Names shared by the multi-task dataset, model, evaluator and tools (no OpenMMLab imports).

A multi-task data sample is an mmengine ``BaseDataElement`` with one field per labelled task,
each holding that task's usual data sample (mmpose ``PoseDataSample`` for ``pose``, mmseg
``SegDataSample`` for ``seg``, ``depth``, ``normal``).
"""
from typing import Any

__all__ = ['MULTITASK_TASKS', 'TASK_SCOPES', 'TASK_GT_FIELDS', 'TASK_PRED_FIELDS',
           'has_task_label', 'task_sample']

#: The four Sapiens tasks (Khirodkar et al., ECCV 2024, Sec. 4), in a fixed order.
MULTITASK_TASKS = ('pose', 'seg', 'depth', 'normal')
#: The OpenMMLab scope each task's classes (losses, codecs, metrics) are registered in.
TASK_SCOPES = dict(pose='mmpose', seg='mmseg', depth='mmseg', normal='mmseg')
#: The ground-truth field of each task's sub-sample.
TASK_GT_FIELDS = dict(pose='gt_fields', seg='gt_sem_seg', depth='gt_depth_map',
                      normal='gt_normal_map')
#: The prediction field each task's sub-sample gets from ``SapiensMultiTask.predict``.
TASK_PRED_FIELDS = dict(pose='pred_instances', seg='pred_sem_seg', depth='pred_depth_map',
                        normal='pred_normal_map')


def task_sample(sample: Any, task: str) -> Any:
    """The ``task`` sub-sample of a multi-task sample (data element or dict), or None."""
    if sample is None:
        return None
    if isinstance(sample, dict):
        return sample.get(task)
    return getattr(sample, task, None) if task in sample else None


def has_task_label(sample: Any, task: str) -> bool:
    """Whether a multi-task sample carries a training label for ``task``."""
    sub = task_sample(sample, task)
    if sub is None:
        return False
    field = TASK_GT_FIELDS[task]
    return field in sub

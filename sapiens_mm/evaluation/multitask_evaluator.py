"""Evaluate a multi-task model with each task's own metrics in one ``tools/test.py`` run.

Config::

    val_evaluator = dict(
        type='MultiTaskEvaluator',
        metrics=dict(pose=dict(type='Goliath308Metric', ann_file=...),
                     seg=dict(type='IoUMetric', iou_metrics=['mIoU']),
                     depth=dict(type='HumanDepthMetric'),
                     normal=dict(type='SurfaceNormalMetric')))

Each metric is built in its task's scope (mmpose for pose, mmseg for the dense tasks) and
sees only its task's sub-samples (``PoseDataSample`` / ``SegDataSample`` as the single-task
models make them), with the dataset's per-task metainfo (``task_metainfo``). Result keys get
the task as prefix: ``pose/goliath/AP``, ``seg/mIoU``, ``depth/aligned_rmse``,
``normal/mean`` (a metric prefix equal to the task, as ``depth/``, is not doubled).

Distributed evaluation (``tools/dist_test.sh``, torchrun): mmengine's ``BaseMetric.evaluate``
gathers the ranks' results with ``collect_results``, which interleaves them with ``zip`` and
cuts the list at the dataset size. That is right when every rank holds one result per sample,
wrong here: a task's metric only gets the samples with that task's label, so the ranks hold
different numbers of results; ``zip`` then silently drops the longer ranks' extra results, and a
rank with no result for a task would skip the collective and hang the others. This evaluator
gathers every rank's results whole, tagged with the sample's dataset index (``sample_idx``),
drops the samples the sampler padded in twice, and takes the skip decision on the gathered
results, the same on every rank.
"""
from typing import Any, Dict, List, Optional, Sequence, Union

from mmengine.dist import all_gather_object, broadcast_object_list, get_world_size, \
    is_main_process
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.logging import print_log
from mmengine.registry import DefaultScope
from mmengine.structures import BaseDataElement

from sapiens_mm.registry import EVALUATOR
from sapiens_mm.utils.multitask import MULTITASK_TASKS, TASK_GT_FIELDS, TASK_SCOPES

__all__ = ['MultiTaskEvaluator']

#: What a sub-sample must hold to be evaluated: the ground truth the metric compares with
#: (pose: the COCO ids the metric matches its annotation file with).
_EVAL_KEYS = dict(TASK_GT_FIELDS, pose='img_id')


def _task_key(task: str, key: str) -> str:
    return key if key.startswith(task + '/') else f'{task}/{key}'


def _gather(groups: list) -> list:
    """Every rank's ``(sample_idx, results of that sample)`` groups, rank after rank."""
    if get_world_size() == 1:
        return groups
    return [g for part in all_gather_object(groups) for g in part]


def _unique_in_order(groups: list) -> list:
    """The results of each sample once, in dataset order: a distributed sampler pads the last
    round with samples already given to another rank. Groups without an index (a pipeline
    that does not pack ``sample_idx``) are all kept, in the order given."""
    indexed = {}
    for idx, results in groups:
        if idx is not None:
            indexed.setdefault(idx, results)
    unindexed = [r for idx, rs in groups if idx is None for r in rs]
    return [r for idx in sorted(indexed) for r in indexed[idx]] + unindexed


@EVALUATOR.register_module()
class MultiTaskEvaluator(Evaluator):
    """Route each task's predictions to that task's metrics.

    Args:
        metrics (dict): task -> metric config (or list of configs, or built metrics).
            Tasks: ``pose``, ``seg``, ``depth``, ``normal``.

    Metrics appended to :attr:`metrics` after construction (e.g. ``tools/test.py --out``'s
    ``DumpResults``) get the whole multi-task samples.
    """

    def __init__(self, metrics: Dict[str, Union[dict, BaseMetric, Sequence]]):
        if not isinstance(metrics, dict) or not metrics:
            raise TypeError('MultiTaskEvaluator: metrics must be a non-empty dict task -> '
                            f'metric config, got {type(metrics).__name__}')
        unknown = [t for t in metrics if t not in MULTITASK_TASKS]
        if unknown:
            raise ValueError(f'MultiTaskEvaluator: unknown task(s) {unknown}; tasks are '
                             f'{MULTITASK_TASKS}')
        self.task_metrics: Dict[str, List[BaseMetric]] = {}
        for task, cfgs in metrics.items():
            with DefaultScope.overwrite_default_scope(TASK_SCOPES[task]):
                self.task_metrics[task] = Evaluator(cfgs).metrics
        super().__init__([m for ms in self.task_metrics.values() for m in ms])
        #: id(metric) -> [(sample_idx, start, end)]: which of its results each sample gave
        self._spans: Dict[int, list] = {}

    @property
    def dataset_meta(self) -> Optional[dict]:
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict) -> None:
        self._dataset_meta = dataset_meta
        task_meta = (dataset_meta or {}).get('task_metainfo', {})
        routed = {id(m) for ms in self.task_metrics.values() for m in ms}
        for task, metrics in self.task_metrics.items():
            for metric in metrics:
                metric.dataset_meta = task_meta.get(task, dataset_meta)
        for metric in self.metrics:
            if id(metric) not in routed:
                metric.dataset_meta = dataset_meta

    def process(self, data_samples: Sequence[Any], data_batch: Optional[Any] = None) -> None:
        """Give each task's metrics the sub-samples (as dicts) that can be evaluated."""
        samples = [s.to_dict() if isinstance(s, BaseDataElement) else s for s in data_samples]
        for task, metrics in self.task_metrics.items():
            for s in samples:
                sub = s.get(task)
                if sub is None or _EVAL_KEYS[task] not in sub:
                    continue
                for metric in metrics:  # one sample at a time: its results are tagged
                    start = len(metric.results)
                    metric.process(data_batch, [sub])
                    self._spans.setdefault(id(metric), []).append(
                        (s.get('sample_idx'), start, len(metric.results)))
        routed = {id(m) for ms in self.task_metrics.values() for m in ms}
        for metric in self.metrics:
            if id(metric) not in routed:
                metric.process(data_batch, samples)

    def _evaluate_metric(self, metric: BaseMetric) -> Optional[dict]:
        """``BaseMetric.evaluate`` with the gathering described in the module docstring;
        None (on every rank) when no rank has a result."""
        spans = self._spans.pop(id(metric), [])
        groups = [(idx, metric.results[a:b]) for idx, a, b in spans]
        results = _unique_in_order(_gather(groups))
        metric.results.clear()
        if not results:
            return None
        out = [None]
        if is_main_process():
            values = metric.compute_metrics(results)
            if metric.prefix:
                values = {f'{metric.prefix}/{k}': v for k, v in values.items()}
            out = [values]
        broadcast_object_list(out)
        return out[0]

    def evaluate(self, size: int) -> dict:
        """Every task's metrics; keys prefixed with the task. A task with no evaluable
        sample (on any rank) is skipped with a warning (its metric would fail on an empty
        result list)."""
        results: Dict[str, Any] = {}
        routed = {id(m) for ms in self.task_metrics.values() for m in ms}
        for task, metrics in self.task_metrics.items():
            for metric in metrics:
                values = self._evaluate_metric(metric)
                if values is None:
                    print_log(f'MultiTaskEvaluator: no {task} sample had a label to evaluate '
                              f'{type(metric).__name__} on; skipped', logger='current',
                              level=30)
                    continue
                for key, value in values.items():
                    key = _task_key(task, key)
                    if key in results:
                        raise ValueError(f'MultiTaskEvaluator: two metrics report {key}')
                    results[key] = value
        for metric in self.metrics:
            if id(metric) not in routed:
                results.update(metric.evaluate(size))
        return results

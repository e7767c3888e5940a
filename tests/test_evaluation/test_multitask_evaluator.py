"""MultiTaskEvaluator: each task's sub-samples reach that task's metric only; keys keep the task
prefix; a task no sample can be evaluated on is skipped, the others still reported."""
import numpy as np
import pytest
import torch
from mmengine.registry import EVALUATOR
from mmengine.structures import BaseDataElement, PixelData
from mmseg.structures import SegDataSample

from sapiens_mm.datasets.body_part_classes import BODY_PART_CLASSES
from sapiens_mm.evaluation import MultiTaskEvaluator


def sample(seg_pred, seg_gt, depth_pred=None, depth_gt=None):
    s = BaseDataElement(metainfo=dict(img_path='x.png'))
    seg = SegDataSample(metainfo=dict(img_path='x.png'))
    seg.pred_sem_seg = PixelData(data=torch.as_tensor(seg_pred)[None])
    seg.gt_sem_seg = PixelData(data=torch.as_tensor(seg_gt)[None])
    s.seg = seg
    if depth_pred is not None:
        d = SegDataSample(metainfo=dict(img_path='x.png'))
        d.pred_depth_map = PixelData(data=torch.as_tensor(depth_pred)[None])
        if depth_gt is not None:
            d.gt_depth_map = PixelData(data=torch.as_tensor(depth_gt)[None])
        s.depth = d
    return s


def make():
    ev = EVALUATOR.build(dict(
        type='MultiTaskEvaluator',
        metrics=dict(seg=dict(type='IoUMetric', iou_metrics=['mIoU']),
                     depth=dict(type='HumanDepthMetric'))))
    ev.dataset_meta = dict(classes=('a', 'b'),
                           task_metainfo=dict(seg=dict(classes=BODY_PART_CLASSES)))
    return ev


def test_routes_tasks_and_prefixes_keys():
    ev = make()
    assert isinstance(ev, MultiTaskEvaluator)
    # the seg metric got the per-task metainfo, not the top-level one
    assert len(ev.task_metrics['seg'][0].dataset_meta['classes']) == 28
    gt = np.zeros((8, 6), np.int64)
    gt[2:6, 2:4] = 5
    z = np.where(gt > 0, 2.0 + np.arange(6)[None] * 0.1, 0).astype(np.float32)
    ev.process([sample(gt, gt, depth_pred=(z - 2) * 10, depth_gt=z),
                sample(gt, gt, depth_pred=np.zeros_like(z))])  # no depth label: not routed
    assert len(ev.task_metrics['depth'][0].results) == 1
    assert len(ev.task_metrics['seg'][0].results) == 2
    res = ev.evaluate(2)
    assert res['seg/mIoU'] == pytest.approx(100.0)  # perfect on the two classes present
    assert res['depth/aligned_rmse'] == pytest.approx(0.0, abs=1e-6)  # affine of the truth
    assert 'depth/depth/aligned_rmse' not in res and 'mIoU' not in res


def test_task_without_evaluable_sample_is_skipped():
    ev = make()
    gt = np.ones((4, 4), np.int64)
    ev.process([sample(gt, np.zeros_like(gt))])
    res = ev.evaluate(1)
    assert set(k.split('/')[0] for k in res) == {'seg'}
    assert res['seg/mIoU'] == pytest.approx(0.0)


@pytest.mark.parametrize('metrics, error', [({}, TypeError),
                                             (dict(flow=dict(type='IoUMetric')), ValueError)])
def test_bad_metrics(metrics, error):
    with pytest.raises(error):
        MultiTaskEvaluator(metrics)

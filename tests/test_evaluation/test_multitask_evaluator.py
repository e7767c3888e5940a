"""MultiTaskEvaluator: each task's sub-samples reach that task's metric only; keys keep the task
prefix; a task no sample can be evaluated on is skipped, the others still reported; two
processes give the single-process figures when the ranks hold different numbers of a task's
labels, one holds none, and the sampler padded a sample in twice."""
import json
import os

import numpy as np
import pytest
import torch
from mmengine.registry import EVALUATOR
from mmengine.structures import BaseDataElement, PixelData
from mmseg.structures import SegDataSample

from sapiens_mm.datasets.body_part_classes import BODY_PART_CLASSES
from sapiens_mm.evaluation import MultiTaskEvaluator


def sample(seg_pred, seg_gt, depth_pred=None, depth_gt=None, sample_idx=None):
    meta = dict(img_path='x.png') if sample_idx is None else dict(img_path=f'{sample_idx}.png',
                                                                  sample_idx=sample_idx)
    s = BaseDataElement(metainfo=meta)
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


def dataset_sample(i: int):
    """Sample ``i`` of a 5-sample dataset: seg labels on all but sample 1, depth labels on
    samples 2 and 4 only; predictions differ per sample so that a lost or doubled sample
    changes the figures."""
    rng = np.random.default_rng(i)
    gt = rng.integers(0, 3, (8, 6))
    pred = np.where(rng.random((8, 6)) < 0.3, rng.integers(0, 3, (8, 6)), gt)
    if i == 1:
        gt = np.full_like(gt, 255)  # no seg label: mmseg ignores 255 everywhere
    z = (2.0 + rng.random((8, 6))).astype(np.float32)
    depth_gt = z if i in (2, 4) else None
    s = sample(pred, gt, depth_pred=z * 3 + rng.normal(0, 0.1, z.shape).astype(np.float32),
               depth_gt=depth_gt, sample_idx=i)
    if i == 1:
        del s.seg
    return s


def _rank_main(rank, port, out_dir):
    import torch.distributed as dist
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=2)
    try:
        ev = make()
        # mmengine's DefaultSampler over 5 samples on 2 ranks (round_up): rank 0 gets 0, 2, 4
        # and rank 1 gets 1, 3 and sample 0 again; rank 1 has no depth label at all
        for i in ((0, 2, 4), (1, 3, 0))[rank]:
            ev.process([dataset_sample(i)])
        res = ev.evaluate(5)
        with open(os.path.join(out_dir, f'rank{rank}.json'), 'w') as f:
            json.dump({k: float(v) for k, v in res.items()}, f)
    finally:
        dist.destroy_process_group()


def test_distributed_equals_single_process(tmp_path):
    from tests.test_tools.test_dist_train_cpu import free_port
    ev = make()
    for i in range(5):
        ev.process([dataset_sample(i)])
    single = ev.evaluate(5)
    assert {'seg/mIoU', 'depth/aligned_rmse'} <= set(single)
    torch.multiprocessing.spawn(_rank_main, args=(free_port(), str(tmp_path)), nprocs=2,
                                join=True)
    for rank in range(2):
        with open(tmp_path / f'rank{rank}.json') as f:
            got = json.load(f)
        assert got.keys() == single.keys()
        for key, value in single.items():
            assert got[key] == pytest.approx(float(value)), (rank, key)
    # the figures do change when a sample is counted twice (the test can fail)
    ev = make()
    for i in (0, 1, 2, 3, 4, 0):
        s = dataset_sample(i)
        s.set_metainfo(dict(sample_idx=None))
        ev.process([s])
    assert ev.evaluate(6)['seg/mIoU'] != pytest.approx(single['seg/mIoU'])

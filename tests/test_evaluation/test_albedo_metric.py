"""AlbedoMetric: the release's numbers on a shared case, and hand-made cases."""
import json
import os

import pytest
import torch
from mmengine.structures import PixelData

from sapiens_mm.evaluation.metrics import AlbedoMetric
from tests.helpers.pointmap_cases import loss_case

DATA = os.path.join(os.path.dirname(__file__), '..', 'data', 'pointmap')


def _samples(pred, gt, mask):
    return [dict(pred_albedo_map=PixelData(data=p), gt_albedo_map=PixelData(data=g),
                 gt_albedo_mask=PixelData(data=m)) for p, g, m in zip(pred, gt, mask)]


def test_release_values():
    with open(os.path.join(DATA, 'release_albedo_metric_values.json')) as f:
        expected = json.load(f)['metrics']
    c = loss_case(2, 24, 20)
    gt = c['target'].abs() / c['target'].abs().amax(dim=(1, 2, 3), keepdim=True)
    pred = c['pred'].abs() / c['pred'].abs().amax(dim=(1, 2, 3), keepdim=True) * 0.9 + 0.03
    metric = AlbedoMetric()
    metric.process(None, _samples(pred, gt, c['mask']))
    got = metric.evaluate(2)
    for key, value in expected.items():
        assert got[f'albedo/{key}'] == pytest.approx(value, rel=1e-5), key


def test_constant_offset():
    gt = torch.rand(1, 3, 20, 16, generator=torch.Generator().manual_seed(0)) * 0.8
    mask = torch.zeros(1, 1, 20, 16, dtype=torch.bool)
    mask[..., 2:18, 3:13] = True
    metric = AlbedoMetric()
    metric.process(None, _samples(gt + 0.1, gt, mask))
    got = metric.evaluate(1)
    assert got['albedo/mae'] == pytest.approx(0.1, rel=1e-5)
    assert got['albedo/rmse'] == pytest.approx(0.1, rel=1e-5)
    assert got['albedo/psnr'] == pytest.approx(20.0, rel=1e-4)  # 10 log10(1 / 0.01)
    assert got['albedo/grad_l1'] == pytest.approx(0.0, abs=1e-6)  # an offset has no gradient
    metric = AlbedoMetric()
    metric.process(None, _samples(gt, gt, mask))
    assert metric.evaluate(1)['albedo/ssim'] == pytest.approx(1.0, abs=1e-5)

"""PointmapMetric: the release's numbers on a shared case, and a numpy oracle (its own 5x5
Sobel, reflect-101 border) on random maps."""
import json
import os

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from sapiens_mm.evaluation.metrics import PointmapMetric
from sapiens_mm.evaluation.metrics.pointmap_metric import (align_to_mean_depth, place_on_true_rays,
                                                           sobel_normals)
from tests.helpers.pointmap_cases import loss_case

DATA = os.path.join(os.path.dirname(__file__), '..', 'data', 'pointmap')


def _samples(pred, target, mask):
    return [dict(pred_canonical_pointmap=PixelData(data=p), gt_pointmap=PixelData(data=t),
                 gt_pointmap_mask=PixelData(data=m)) for p, t, m in zip(pred, target, mask)]


def test_release_values():
    with open(os.path.join(DATA, 'release_metric_values.json')) as f:
        expected = json.load(f)['metrics']
    c = loss_case()
    metric = PointmapMetric()
    metric.process(None, _samples(c['pred'], c['target'], c['mask']))
    metric.process(None, _samples(c['target'][:1] * 1.01, c['target'][:1], c['mask'][:1]))
    shifted = c['target'] + torch.tensor([0.03, -0.06, 0.1]).view(1, 3, 1, 1)
    metric.process(None, _samples(shifted, c['target'], c['mask']))
    got = metric.evaluate(5)  # the number of samples
    assert sorted(got) == sorted(f'pointmap/{k}' for k in expected)
    for key, value in expected.items():
        assert got[f'pointmap/{key}'] == pytest.approx(value, rel=1e-4, abs=1e-6), key


def _oracle_normals(points):
    """5x5 Sobel written out: smoothing [1 4 6 4 1] across, derivative [-1 -2 0 2 1] along."""
    smooth = np.array([1, 4, 6, 4, 1], np.float64)
    deriv = np.array([-1, -2, 0, 2, 1], np.float64)
    padded = np.pad(points.astype(np.float64), ((2, 2), (2, 2), (0, 0)), mode='reflect')
    h, w = points.shape[:2]

    def corr(ky, kx):
        out = np.zeros(points.shape)
        for i in range(5):
            for j in range(5):
                out += ky[i] * kx[j] * padded[i:i + h, j:j + w]
        return out

    n = np.cross(corr(smooth, deriv), corr(deriv, smooth))
    return n / (np.linalg.norm(n, axis=2, keepdims=True) + 1e-6)


def test_numpy_oracle():
    rng = np.random.default_rng(0)
    h, w = 20, 14
    v, u = np.mgrid[0:h, 0:w].astype(np.float64)
    gts, preds, masks = [], [], []
    for b in range(3):
        z = 2 + 0.1 * b + 0.05 * np.sin(u / 2) + 0.03 * v / h
        gt = np.stack([(u - w / 2) * z / 15, (v - h / 2) * z / 15, z], axis=-1)
        pred = gt + rng.normal(0, (0.002, 0.02, 0.08)[b], gt.shape)
        mask = ((u - w / 2) / 5) ** 2 + ((v - h / 2) / 8) ** 2 < 1 - 0.2 * rng.random((h, w))
        gts.append(gt * mask[..., None])
        preds.append(pred)
        masks.append(mask)
    metric = PointmapMetric()
    t = lambda a: torch.from_numpy(np.stack(a).transpose(0, 3, 1, 2).astype(np.float32))  # noqa
    metric.process(None, _samples(t(preds), t(gts), torch.from_numpy(np.stack(masks))[:, None]))
    got = metric.evaluate(3)

    gt_f32 = [g.astype(np.float32).astype(np.float64) for g in gts]
    pred_f32 = [p.astype(np.float32).astype(np.float64) for p in preds]
    diff = np.concatenate([(p - g)[m] for p, g, m in zip(pred_f32, gt_f32, masks)])
    dist = np.linalg.norm(diff, axis=1)
    angle = np.concatenate([
        np.degrees(np.arccos(np.clip((_oracle_normals(g) * _oracle_normals(p)).sum(-1)[m],
                                     -1, 1))) for p, g, m in zip(pred_f32, gt_f32, masks)])
    expected = {'l2_mean': dist.mean(), 'x_mae': np.abs(diff[:, 0]).mean(),
                'y_mae': np.abs(diff[:, 1]).mean(), 'z_mae': np.abs(diff[:, 2]).mean(),
                'rmse': np.sqrt((dist ** 2).mean()), 'normal_mae': angle.mean(),
                'normal_rmse': np.sqrt((angle ** 2).mean()),
                'within_05_cm': (dist < 0.05).mean(), 'within_10_cm': (dist < 0.10).mean(),
                'within_20_cm': (dist < 0.20).mean(), 'within_5_0_deg': (angle < 5).mean(),
                'within_11_25_deg': (angle < 11.25).mean(),
                'within_22_5_deg': (angle < 22.5).mean(), 'within_30_0_deg': (angle < 30).mean()}
    assert 0 < expected['within_05_cm'] < expected['within_20_cm'] < 1
    assert 0 < expected['within_5_0_deg'] < expected['within_30_0_deg'] < 1
    for key, value in expected.items():
        assert got[f'pointmap/{key}'] == pytest.approx(value, rel=1e-3, abs=2e-3), key


def test_sobel_normals_of_a_plane_face_the_camera():
    v, u = np.mgrid[0:9, 0:7].astype(np.float64)
    plane = np.stack([u * 0.1, v * 0.1, np.full_like(u, 3.0)], axis=-1)
    n = sobel_normals(plane)
    np.testing.assert_allclose(n[1:-1, 1:-1, 2], 1.0, atol=1e-5)  # cross(x, y) = +z
    # reflect-101 borders: the derivative across the image edge is 0, so is the normal there
    assert np.abs(n[0]).max() == 0 and np.abs(n[:, -1]).max() == 0


def test_missing_fields_and_empty_masks():
    metric = PointmapMetric()
    with pytest.raises(KeyError, match='pred_canonical_pointmap'):
        metric.process(None, [dict(gt_pointmap=PixelData(data=torch.zeros(3, 4, 4)))])
    c = loss_case(batch=1)
    metric.process(None, _samples(c['pred'], c['target'], torch.zeros_like(c['mask'])))
    assert metric.evaluate(1) == {}


def test_mean_depth_alignment_scales_the_prediction_along_its_rays():
    v, u = np.mgrid[0:12, 0:10].astype(np.float64)
    z = 2.0 + 0.05 * v  # a tilted person
    gt = np.stack([(u - 5) * z / 20, (v - 6) * z / 20, z], axis=-1)
    mask = (u > 1) & (u < 8) & (v > 1) & (v < 10)
    gt = gt * mask[..., None]
    t = lambda a: torch.from_numpy(a.transpose(2, 0, 1).astype(np.float32))[None]  # noqa
    m = torch.from_numpy(mask)[None, None]
    # the right shape 1.25 times too far: off by 0.25 |gt| unaligned, exact once aligned
    plain, aligned = PointmapMetric(), PointmapMetric(align_mean_depth=True, prefix='aligned')
    for metric in (plain, aligned):
        metric.process(None, _samples(t(gt * 1.25), t(gt), m))
    got = {**plain.evaluate(1), **aligned.evaluate(1)}
    assert got['pointmap/l2_mean'] == pytest.approx(
        0.25 * np.linalg.norm(gt[mask], axis=1).mean(), rel=1e-5)
    assert got['aligned/l2_mean'] < 1e-5 and got['aligned/within_05_cm'] == 1.0
    assert max(got['aligned/normal_mae'], got['pointmap/normal_mae']) < 0.05  # scale-free
    # the scale is mean(gt z) / mean(pred z) on the person, whatever the shape
    pred = gt.copy()
    pred[..., 2] = np.where(mask, 3.0, 0)
    got = align_to_mean_depth(pred, gt, mask)
    np.testing.assert_allclose(got, pred * gt[mask, 2].mean() / 3.0, rtol=1e-6)
    # no scale puts a map behind the camera in front of it: left as it is
    np.testing.assert_array_equal(align_to_mean_depth(-pred, gt, mask), -pred)


def test_true_rays_keep_only_the_predicted_depth():
    v, u = np.mgrid[0:12, 0:10].astype(np.float64)
    z = 2.0 + 0.05 * v  # a tilted person seen by a camera of focal 20 px
    mask = (u > 1) & (u < 8) & (v > 1) & (v < 10)
    gt = np.stack([(u - 5) * z / 20, (v - 6) * z / 20, z], axis=-1) * mask[..., None]
    t = lambda a: torch.from_numpy(a.transpose(2, 0, 1).astype(np.float32))[None]  # noqa
    m = torch.from_numpy(mask)[None, None]
    # the right depths, 1.2 times too far, seen through a wrong focal length (x and y 1.5 times
    # too wide): mean-depth alignment fixes the distance but not x, y; the true rays fix both
    wrong = gt * 1.2
    wrong[..., :2] *= 1.5
    aligned = PointmapMetric(align_mean_depth=True, prefix='aligned')
    rays = PointmapMetric(on_true_rays=True, prefix='rays')
    for metric in (aligned, rays):
        metric.process(None, _samples(t(wrong), t(gt), m))
    got = {**aligned.evaluate(1), **rays.evaluate(1)}
    assert got['aligned/z_mae'] < 1e-5 and got['aligned/x_mae'] > 0.05
    assert got['rays/l2_mean'] < 1e-5
    # a flat prediction on the true rays: the error is the depth's alone, in z and through the
    # rays in x and y
    flat = gt.copy()
    flat[..., 2] = np.where(mask, 7.0, 0)
    got = place_on_true_rays(align_to_mean_depth(flat, gt, mask), gt, mask)
    zbar = gt[mask, 2].mean()
    np.testing.assert_allclose(got[mask, 2], zbar, rtol=1e-6)
    np.testing.assert_allclose(got[mask, :2], gt[mask, :2] / gt[mask, 2:] * zbar, rtol=1e-6)
    np.testing.assert_array_equal(got[~mask], flat[~mask] * zbar / 7.0)  # off the person: as is

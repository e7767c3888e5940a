"""The seven pointmap losses: the release's values on a shared case, and hand-made cases
(a plane seen at the wrong depth, a shifted cloud, a wrong scale) checked against formulas."""
import json
import math
import os

import pytest
import torch

from sapiens_mm.models.heads.sapiens2_pointmap_head import POINTMAP_LOSSES
from sapiens_mm.registry import MODELS
from tests.helpers.pointmap_cases import loss_case

DATA = os.path.join(os.path.dirname(__file__), '..', '..', 'data', 'pointmap')


def _call(loss, pred, c, **over):
    kwargs = dict(mean_depth=c['mean_depth'], pred_scale=c['pred_scale'],
                  target_scale=c['target_scale'], intrinsics=c['intrinsics'])
    kwargs.update(over)
    return loss(pred, c['target'], c['mask'], **kwargs)


def _build(name):
    cfg = next(c for c in POINTMAP_LOSSES if c['type'] == name)
    return MODELS.build(cfg)


def test_release_values_on_shared_case():
    """Golden numbers from the release's PointmapHead.loss (tests/data/pointmap)."""
    with open(os.path.join(DATA, 'release_loss_values.json')) as f:
        expected = json.load(f)['loss_case']
    c = loss_case()
    got = {}
    for cfg in POINTMAP_LOSSES:
        loss = MODELS.build(cfg)
        got[loss.loss_name] = float(_call(loss, c['pred'], c))
    assert sorted(got) == sorted(expected)
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, rel=1e-5, abs=1e-7), name


def _plane(depth=2.0, height=16, width=12, f=20.0, masked=True):
    """Fronto-parallel plane at ``depth`` metres (canonical, focal 768), K (f, f, centre)."""
    cx, cy = (width - 1) / 2, (height - 1) / 2
    v, u = torch.meshgrid(torch.arange(height, dtype=torch.float32),
                          torch.arange(width, dtype=torch.float32), indexing='ij')
    s = 768.0 / f
    z = torch.full_like(u, depth)
    target = (s * torch.stack([(u - cx) * z / f, (v - cy) * z / f, z]))[None]
    mask = torch.zeros(1, 1, height, width, dtype=torch.bool)
    mask[..., 3:13, 2:10] = True
    target = target * mask if masked else target
    m = mask.float()
    K = torch.tensor([[[f, 0, cx], [0, f, cy], [0, 0, 1]]])
    return dict(target=target, mask=mask, intrinsics=K,
                mean_depth=(target[:, 2:3] * m).sum() / m.sum() * torch.ones(1, 1, 1, 1),
                target_scale=torch.tensor([[s]]), pred_scale=torch.tensor([[s]]))


def test_plane_at_the_wrong_depth():
    """The plane 1.5x too far along its own rays."""
    c = _plane()
    pred = c['target'] * 1.5
    m, d = c['mask'].float(), c['mean_depth']
    n = m.sum()
    # L1 x2 of the depth-normalised maps: 2 * sum 0.5 |G| / d / n
    l1 = 2 * (0.5 * c['target'].abs() / d * m).sum() / n
    assert float(_call(_build('PointmapDepthNormalizedL1Loss'), pred, c)) == \
        pytest.approx(float(l1), rel=1e-5)
    # SiLog: constant log ratio d0 = log 1.5: sqrt(d0^2 - d0^2 / 2)
    assert float(_call(_build('PointmapDepthSiLogLoss'), pred, c)) == \
        pytest.approx(math.log(1.5) / math.sqrt(2), rel=1e-5)
    # the points stay on their rays: no intrinsics inconsistency
    assert float(_call(_build('PointmapIntrinsicsConsistencyLoss'), pred, c)) < 1e-5
    # a farther plane has the same normals
    assert float(_call(_build('PointmapNormalLoss'), pred, c)) < 1e-6
    # centred: each centred point is 1.5x farther from its centroid
    centre = (c['target'] * m).sum(dim=(2, 3), keepdim=True) / n
    centred = (0.5 * (c['target'] - centre).abs() / d * m).sum() / n
    assert float(_call(_build('PointmapCentredL1Loss'), pred, c)) == \
        pytest.approx(float(centred), rel=1e-5)
    # and the right plane costs nothing
    for cfg in POINTMAP_LOSSES:
        assert float(_call(MODELS.build(cfg), c['target'].clone(), c)) < 1e-5, cfg['type']


def test_shifted_cloud():
    """A rigid shift: invisible to the centred L1 and to the normals, L1 = |shift| / d."""
    c = _plane()
    shift = torch.tensor([0.3, -0.2, 0.5]).view(1, 3, 1, 1) * c['mean_depth']
    pred = c['target'] + shift
    assert float(_call(_build('PointmapCentredL1Loss'), pred, c)) < 1e-5
    assert float(_call(_build('PointmapNormalLoss'), pred, c)) < 1e-6
    assert float(_call(_build('PointmapDepthNormalizedL1Loss'), pred, c)) == \
        pytest.approx(2 * (0.3 + 0.2 + 0.5), rel=1e-5)
    assert float(_call(_build('PointmapUpsampledL1Loss'), pred, c)) == \
        pytest.approx(0.3 + 0.2 + 0.5, rel=1e-5)


def test_wrong_scale_and_clamp():
    c = _plane()
    s = c['target_scale']
    loss = _build('PointmapScaleL1Loss')
    assert float(_call(loss, c['target'], c, pred_scale=2 * s)) == pytest.approx(4 * float(s))
    # the depth-normalised losses are clamped to 4 after their weight
    far = c['target'] * 100
    assert float(_call(_build('PointmapDepthNormalizedL1Loss'), far, c)) == 4.0
    assert float(_call(_build('PointmapCentredL1Loss'), far, c)) == 4.0


def test_tilted_plane_normal_loss():
    """Normals of a plane tilted by 90 degrees about y: 1 - cos = 1 and the L1 term
    mean_c |n_p - n_g| = (1 + 0 + 1) / 3 on every valid pixel, times the weight 2."""
    c = _plane()
    # the target kept off the mask too, so the mask's edge pixels see plane neighbours
    c['target'] = _plane(masked=False)['target']
    v, u = torch.meshgrid(torch.arange(16.), torch.arange(12.), indexing='ij')
    # a plane x = const: normal (+-1, 0, 0); built on a grid that keeps it non-degenerate
    pred = torch.stack([torch.ones_like(u), v, u])[None] * 10
    value = float(_call(_build('PointmapNormalLoss'), pred, c))
    assert value == pytest.approx(2 * (1 + 2 / 3), rel=1e-5)


def test_empty_mask_and_missing_arguments():
    c = _plane()
    c['mask'] = torch.zeros_like(c['mask'])
    pred = c['target'].clone().requires_grad_()
    for cfg in POINTMAP_LOSSES[:-1]:
        if cfg['type'] == 'PointmapDepthSiLogLoss':
            continue  # per-sample mean over no pixel: 0 by the release's clamp
        value = _call(MODELS.build(cfg), pred, c)
        assert float(value) == 0.0 and value.requires_grad, cfg['type']
    with pytest.raises(ValueError, match='intrinsics='):
        _build('PointmapIntrinsicsConsistencyLoss')(pred, c['target'], c['mask'])
    with pytest.raises(ValueError, match='same'):
        _build('PointmapDepthNormalizedL1Loss')(pred[:, :, :4], c['target'], c['mask'],
                                               mean_depth=c['mean_depth'])

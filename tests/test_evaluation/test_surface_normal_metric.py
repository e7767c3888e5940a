"""SurfaceNormalMetric against direct numpy computations."""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmseg.registry import METRICS


def build(**kw):
    init_default_scope('mmseg')
    return METRICS.build(dict(type='SurfaceNormalMetric', **kw))


def unit(rng, shape):
    v = rng.normal(size=(3, ) + shape)
    return v / np.linalg.norm(v, axis=0, keepdims=True)


def run(metric, preds, gts):
    metric.process({}, [dict(pred_normal_map=dict(data=torch.tensor(p, dtype=torch.float32)),
                             gt_normal_map=dict(data=torch.tensor(g, dtype=torch.float32)))
                        for p, g in zip(preds, gts)])
    return metric.evaluate(len(preds))


def test_values_match_numpy_pooled_over_person_pixels():
    rng = np.random.default_rng(0)
    gts, preds, angles = [], [], []
    for shape in ((60, 50), (40, 30)):  # dense enough for the middle pixels to be close
        g = unit(rng, shape)
        g[:, :2] = 0  # background
        p = g + 0.4 * rng.normal(size=g.shape)
        p *= rng.uniform(0.5, 3, shape)  # scale does not matter
        gts.append(g)
        preds.append(p)
        fg = np.linalg.norm(g, axis=0) > 0.5
        pn = p[:, fg] / np.linalg.norm(p[:, fg], axis=0)
        angles.append(np.degrees(np.arccos(np.clip((pn * g[:, fg]).sum(0), -1, 1))))
    a = np.concatenate(angles)
    res = run(build(), preds, gts)
    assert res['normal/mean'] == pytest.approx(a.mean(), rel=1e-5)
    assert res['normal/rmse'] == pytest.approx(np.sqrt((a**2).mean()), rel=1e-5)
    assert abs(res['normal/median'] - np.median(a)) < 0.05  # histogram bin width
    for t in (11.25, 22.5, 30):
        assert res[f'normal/a{t:g}'] == pytest.approx(100 * (a < t).mean())


def test_perfect_and_opposite_predictions():
    rng = np.random.default_rng(1)
    g = unit(rng, (5, 5))
    res = run(build(), [2 * g], [g])
    assert res['normal/mean'] < 1e-2 and res['normal/a11.25'] == 100
    res = run(build(), [-g], [g])
    assert res['normal/mean'] == pytest.approx(180, abs=1e-2)
    assert res['normal/median'] == pytest.approx(180, abs=0.05)


def test_known_angles():
    g = np.zeros((3, 1, 4))
    g[2] = 1  # all facing +z
    p = np.zeros((3, 1, 4))
    for i, deg in enumerate((0, 10, 20, 40)):
        p[0, 0, i], p[2, 0, i] = np.sin(np.radians(deg)), np.cos(np.radians(deg))
    res = run(build(), [p], [g])
    assert res['normal/mean'] == pytest.approx(17.5, abs=1e-3)
    assert res['normal/median'] == pytest.approx(15, abs=0.05)
    assert res['normal/a11.25'] == 50 and res['normal/a22.5'] == 75 and res['normal/a30'] == 75


def test_shape_mismatch_and_empty_are_errors():
    g = unit(np.random.default_rng(2), (4, 4))
    with pytest.raises(ValueError, match='load the normals after Resize'):
        run(build(), [np.ones((3, 2, 2))], [g])
    with pytest.raises(ValueError, match='no person pixel'):
        run(build(), [g], [np.zeros_like(g)])


def test_release_median_and_5_degree_threshold():
    """The Sapiens2 release's figures: a5, and the median as the centre of the 0.5 degree bin
    holding the count/2-th pixel (``searchsorted`` of the cumulative histogram)."""
    g = np.zeros((3, 1, 5))
    g[2] = 1
    p = np.zeros((3, 1, 5))
    for i, deg in enumerate((1.2, 3.3, 7.7, 8.1, 40.0)):
        p[0, 0, i], p[2, 0, i] = np.sin(np.radians(deg)), np.cos(np.radians(deg))
    res = run(build(thresholds=(5, 11.25, 22.5, 30)), [p], [g])
    assert res['normal/a5'] == pytest.approx(40.0)
    # cumulative counts reach 2.5 in the bin [7.5, 8.0) -> its centre
    assert res['normal/median_bin_centre'] == pytest.approx(7.75)
    assert res['normal/median'] == pytest.approx(7.7, abs=0.05)

"""HumanDepthMetric against direct numpy computations."""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmseg.registry import METRICS


def build(**kw):
    init_default_scope('mmseg')
    return METRICS.build(dict(type='HumanDepthMetric', **kw))


def person_depth(seed=0, shape=(12, 10)):
    rng = np.random.default_rng(seed)
    gt = rng.uniform(2.0, 3.0, shape)
    gt[:3] = 0  # background rows
    return gt


def run(metric, preds, gts):
    samples = [dict(pred_depth_map=dict(data=torch.tensor(p, dtype=torch.float32)[None]),
                    gt_depth_map=dict(data=torch.tensor(g, dtype=torch.float32)[None]),
                    img_path=f'{i}.png') for i, (p, g) in enumerate(zip(preds, gts))]
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def numpy_errors(x, z):
    ratio = np.maximum(x / z, z / x)
    return dict(rmse=np.sqrt(np.mean((x - z)**2)), abs_rel=np.mean(np.abs(x - z) / z),
                delta1=np.mean(ratio < 1.25), delta2=np.mean(ratio < 1.25**2),
                delta3=np.mean(ratio < 1.25**3))


def test_affine_prediction_gives_perfect_aligned_scores():
    gts = [person_depth(0), person_depth(1)]
    preds = [-0.7 * g + 5.0 for g in gts]  # any scale (even negative) and shift
    res = run(build(), preds, gts)
    assert res['depth/aligned_rmse'] < 1e-5 and res['depth/aligned_abs_rel'] < 1e-6
    for k in (1, 2, 3):
        assert res[f'depth/aligned_delta{k}'] == 1.0


def test_values_match_numpy_on_the_person_only():
    gts = [person_depth(2), person_depth(3)]
    rng = np.random.default_rng(4)
    preds = [rng.uniform(0, 1, g.shape) for g in gts]
    for p in preds:
        p[:3] = 1e6  # background predictions must not matter
    res = run(build(pred_space='relative'), preds, gts)
    aligned, unaligned = [], []
    for p, g in zip(preds, gts):
        fg = g > 0
        A = np.stack([p[fg], np.ones(fg.sum())], 1)
        s, t = np.linalg.lstsq(A, g[fg], rcond=None)[0]
        aligned.append(numpy_errors(s * p[fg] + t, g[fg]))
        z = g[fg]
        unaligned.append(numpy_errors(z.min() + p[fg] * (z.max() - z.min()), z))
    for key in ('rmse', 'abs_rel', 'delta1', 'delta2', 'delta3'):
        assert res[f'depth/aligned_{key}'] == pytest.approx(
            np.mean([a[key] for a in aligned]), rel=1e-6)
        assert res[f'depth/unaligned_{key}'] == pytest.approx(
            np.mean([u[key] for u in unaligned]), rel=1e-6)


def test_relative_prediction_of_the_target_is_perfect_unaligned():
    g = person_depth(5)
    fg = g > 0
    target = np.where(fg, (g - g[fg].min()) / (g[fg].max() - g[fg].min()), 0)
    res = run(build(), [target], [g])
    assert res['depth/unaligned_rmse'] < 1e-5 and res['depth/unaligned_delta1'] == 1.0


def test_metric_space_compares_raw_and_counts_non_positive_as_failures():
    g = person_depth(6)
    pred = g.copy()
    pred[5, :] = -1.0  # 10 of the 90 person pixels
    res = run(build(pred_space='metric'), [pred], [g])
    assert res['depth/unaligned_delta3'] == pytest.approx(80 / 90)
    with pytest.raises(ValueError, match='pred_space'):
        build(pred_space='log')


def test_images_without_person_are_skipped_and_shapes_checked():
    g = person_depth(7)
    res = run(build(), [g, np.ones((12, 10))], [g, np.zeros((12, 10))])
    assert res['depth/aligned_rmse'] < 1e-6  # only the first image counts
    metric = build()
    with pytest.raises(ValueError, match='load the depth after Resize'):
        run(metric, [np.ones((6, 5))], [g])

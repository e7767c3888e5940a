"""The intrinsics-carrying pointmap transforms: the release's outputs for the same seeds, and
the geometry they must keep (points of a cropped / flipped / rescaled image are the source's)."""
import json
import os
import random

import numpy as np
import pytest

from sapiens_mm.datasets.transforms import (GenerateCanonicalPointmap, PackPointmapInputs,
                                            PointmapRandomCropContinuous, PointmapRandomFlip,
                                            PointmapRandomScale, PointmapResize)
from sapiens_mm.datasets.transforms.pointmap_target import canonical_pointmap
from tests.helpers.pointmap_cases import transform_case

DATA = os.path.join(os.path.dirname(__file__), '..', '..', 'data', 'pointmap')


def _chain():
    return [PointmapRandomScale(0.5, 2.0, prob=0.7),
            PointmapRandomCropContinuous((0.5, 2.0), (0.4, 1.0), 8, prob=0.7),
            PointmapRandomFlip(prob=0.5), PointmapResize(64, 48),
            GenerateCanonicalPointmap(768.0, 1)]


def test_same_draws_and_numbers_as_the_release():
    with open(os.path.join(DATA, 'release_transform_values.json')) as f:
        runs = json.load(f)['runs']
    for run in runs:
        r = transform_case()
        np.random.seed(run['seed'])
        random.seed(run['seed'])
        for t in _chain():
            r = t(r)
        np.testing.assert_allclose(r['K'], run['K'], rtol=1e-12)
        np.testing.assert_allclose(r['original_K'], run['original_K'], rtol=1e-12)
        np.testing.assert_allclose(r['M'], run['M'], rtol=1e-12)
        assert r['scale'] == pytest.approx(run['scale'], rel=1e-12)
        assert int(r['mask'].sum()) == run['mask_sum']
        assert int(r['img'].astype(np.int64).sum()) == run['img_sum']
        np.testing.assert_allclose(r['gt_pointmap'].reshape(-1, 3).sum(0), run['pointmap_sum'],
                                   rtol=1e-6)
        assert float(r['gt_depth'].sum()) == pytest.approx(run['depth_sum'], rel=1e-6)


def _points(r):
    xyz, _ = canonical_pointmap(r['gt_depth'].astype(np.float64), r['K'], None)
    return xyz


def test_crop_keeps_every_point():
    src = transform_case()
    random.seed(3)
    out = PointmapRandomCropContinuous((0.5, 2.0), (0.3, 0.6), 8, prob=1.0)(transform_case())
    h, w = out['img'].shape[:2]
    assert (h, w) != src['img'].shape[:2]
    y1 = int(round(src['K'][1, 2] - out['K'][1, 2]))
    x1 = int(round(src['K'][0, 2] - out['K'][0, 2]))
    np.testing.assert_allclose(_points(out), _points(src)[y1:y1 + h, x1:x1 + w], atol=1e-12)


def test_flip_is_the_mirror_camera():
    src = transform_case()
    np.random.seed(0)
    out = PointmapRandomFlip(prob=1.0)(transform_case())
    assert out['K'][0, 2] == pytest.approx(30 - src['K'][0, 2] - 1)
    np.testing.assert_array_equal(out['M'][0], -src['M'][0])
    np.testing.assert_array_equal(out['M'][1:], src['M'][1:])
    mirrored = _points(src)[:, ::-1] * np.array([-1, 1, 1])
    np.testing.assert_allclose(_points(out), mirrored, atol=1e-12)
    np.testing.assert_array_equal(out['mask'], src['mask'][:, ::-1])


@pytest.mark.parametrize('make', [
    lambda: PointmapRandomScale(1.7, 1.7, prob=1.0),
    lambda: PointmapRandomScale(0.6, 0.6, prob=1.0),
    lambda: PointmapResize(64, 64),
    lambda: PointmapResize(50, 20, rounding='floor'),
])
def test_resampling_keeps_points_within_a_source_pixel(make):
    """Nearest-neighbour resampling moves each pixel by less than one source pixel, so its
    point (rebuilt with the new K) is within one source pixel's footprint of the source one."""
    src = transform_case()
    np.random.seed(0)
    out = make()(transform_case())
    mask = out['mask'] > 0
    # the source pixel each output pixel came from (cv2 nearest: floor(dst * src / dst size))
    rows, cols = np.nonzero(mask)
    left, right, top, bottom = out.get('img_padding_size') or [0, 0, 0, 0]
    new_h, new_w = out['img'].shape[0] - top - bottom, out['img'].shape[1] - left - right
    sr = np.minimum(np.floor((rows - top) * 40 / new_h).astype(int), 39)
    sc = np.minimum(np.floor((cols - left) * 30 / new_w).astype(int), 29)
    got, want = _points(out)[rows, cols], _points(src)[sr, sc]
    footprint = src['gt_depth'][sr, sc] / src['K'][0, 0]  # metres per source pixel
    assert (np.abs(got - want)[:, :2].max(axis=1) <= 1.01 * footprint).all()
    np.testing.assert_array_equal(got[:, 2], want[:, 2])


def test_fit_and_pad_offsets_and_rounding():
    out = PointmapResize(64, 64)(transform_case())  # 40x30 -> 64x48 centred in 64 wide
    assert out['img_padding_size'] == [8, 8, 0, 0]
    assert out['K'][0, 2] == pytest.approx(14.2 * 1.6 + 8)
    assert (out['img'][:, :8] == 0).all() and (out['mask'][:, -8:] == 0).all()
    out = PointmapResize(50, 20, rounding='floor')(transform_case())
    # r = min(20/30, 50/40) = 2/3: floor(40 * 2/3) = 26 rows, top = (50 - 26) // 2 = 12
    assert out['img_padding_size'] == [0, 0, 12, 12]


def test_canonical_target_and_rejections():
    r = PointmapResize(64, 48)(transform_case())
    r = GenerateCanonicalPointmap(768.0)(r)
    s = 768.0 / r['original_K'][0, 0]
    assert r['scale'] == pytest.approx(s)
    assert r['K'][0, 0] == pytest.approx(768.0)
    mask = r['mask'] > 0
    assert (r['gt_pointmap'][~mask] == 0).all()
    metric, _ = canonical_pointmap(r['gt_depth'] / s, r['original_K'], None)
    np.testing.assert_allclose(r['gt_pointmap'][mask] / s, metric[mask], rtol=1e-6)
    packed = PackPointmapInputs()(dict(r, img_path='x.png', ori_shape=(40, 30)))
    sample = packed['data_samples']
    assert sample.pointmap_scale == pytest.approx(s)
    np.testing.assert_allclose(sample.pointmap_K, r['original_K'], rtol=1e-6)
    # the release's reasons to drop a sample
    too_close = dict(r, gt_pointmap=r['gt_pointmap'] * 0.001)
    assert PackPointmapInputs()(dict(too_close, img_path='x.png', ori_shape=(40, 30))) is None
    full = dict(r, mask=np.full_like(r['mask'], 255))
    assert PackPointmapInputs()(dict(full, img_path='x.png', ori_shape=(40, 30))) is None
    assert PackPointmapInputs(skip_invalid=False)(
        dict(full, img_path='x.png', ori_shape=(40, 30))) is not None

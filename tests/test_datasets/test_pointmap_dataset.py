"""PointmapDataset (the release's folder layout), its loading checks and skipped samples."""
import logging
import os

import numpy as np
import pytest
from mmengine.logging import MMLogger

from sapiens_mm.datasets import PointmapDataset
from tests.helpers.pointmap_data import write_pointmap_humans

PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadPointmapAnnotations'),
            dict(type='PointmapResize', height=64, width=48),
            dict(type='GenerateCanonicalPointmap', canonical_focal_length=768.0),
            dict(type='PackPointmapInputs', skip_invalid=False)]


def _dataset(root, **kwargs):
    return PointmapDataset(data_root=str(root), pipeline=PIPELINE, **kwargs)


def test_reads_the_release_layout(tmp_path):
    write_pointmap_humans(tmp_path, 3, size=(40, 30))
    ds = _dataset(tmp_path)
    assert len(ds) == 3
    sample = ds[1]['data_samples']
    K = np.loadtxt(tmp_path / 'camera_intrinsics' / '000001.txt')
    r = min(48 / 30, 64 / 40)
    assert sample.pointmap_scale == pytest.approx(768.0 / (K[0, 0] * r))
    assert sample.gt_pointmap.data.shape == (3, 64, 48)
    mask = sample.gt_pointmap_mask.data[0]
    assert mask.any() and (sample.gt_pointmap.data[:, ~mask] == 0).all()
    assert (sample.gt_pointmap.data[2, mask] > 0).all()


@pytest.mark.parametrize('broken, message', [
    ('missing', 'missing'),
    ('nan_K', 'non-finite'),
    ('K_shape', '3x3 matrix'),
    ('depth_size', 'is 10x10'),
    ('M_text', 'not a text matrix'),
])
def test_bad_files_are_named(tmp_path, broken, message):
    write_pointmap_humans(tmp_path, 2, size=(40, 30))
    bad = {
        'missing': tmp_path / 'camera_extrinsics' / '000001.txt',
        'nan_K': tmp_path / 'camera_intrinsics' / '000001.txt',
        'K_shape': tmp_path / 'camera_intrinsics' / '000001.txt',
        'depth_size': tmp_path / 'depth' / '000001.npy',
        'M_text': tmp_path / 'camera_extrinsics' / '000001.txt',
    }[broken]
    if broken == 'missing':
        os.remove(bad)
    elif broken == 'nan_K':
        np.savetxt(bad, np.array([[np.nan, 0, 1], [0, 1, 1], [0, 0, 1]]))
    elif broken == 'K_shape':
        np.savetxt(bad, np.eye(4))
    elif broken == 'depth_size':
        np.save(bad, np.ones((10, 10), np.float32))
    else:
        bad.write_text('1 2 three 4\n')
    with pytest.raises((FileNotFoundError, ValueError), match=message) as err:
        ds = _dataset(tmp_path)
        ds[1]
    assert str(bad) in str(err.value)


def test_empty_masks_are_skipped_and_counted(tmp_path):
    write_pointmap_humans(tmp_path, 4, size=(40, 30))
    import cv2
    cv2.imwrite(str(tmp_path / 'mask' / '000002.png'), np.zeros((40, 30), np.uint8))
    logger = MMLogger.get_current_instance()
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    handler = Keep()
    logger.addHandler(handler)
    try:
        ds = _dataset(tmp_path)
    finally:
        logger.removeHandler(handler)
    assert len(ds) == 3
    assert [os.path.basename(ds.get_data_info(i)['img_path']) for i in range(3)] == \
        ['000000.png', '000001.png', '000003.png']
    assert any('skipped 1 of the 4 samples' in m for m in records)


def test_nan_depth_leaves_the_mask(tmp_path):
    write_pointmap_humans(tmp_path, 1, size=(40, 30))
    depth_path = tmp_path / 'depth' / '000000.npy'
    depth = np.load(depth_path)
    rows, cols = np.nonzero(depth > 0)
    depth[rows[:5], cols[:5]] = np.nan
    np.save(depth_path, depth)
    ds = PointmapDataset(data_root=str(tmp_path), pipeline=[
        dict(type='LoadImageFromFile'), dict(type='LoadPointmapAnnotations')])
    out = ds[0]
    assert (out['mask'][rows[:5], cols[:5]] == 0).all()
    assert out['mask'].sum() == 255 * (len(rows) - 5)
    # infinite depth on the person is an error
    depth[rows[:5], cols[:5]] = np.inf
    np.save(depth_path, depth)
    with pytest.raises(ValueError, match='infinite'):
        ds[0]

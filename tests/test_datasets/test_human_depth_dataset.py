"""HumanDepthDataset and LoadHumanDepth on small fixtures, including bad input."""
import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from tests.helpers.dense_data import write_dense_humans

PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadHumanDepth')]


def build(root, **kw):
    init_default_scope('mmseg')
    return DATASETS.build(dict(type='HumanDepthDataset', data_root=str(root),
                               pipeline=kw.pop('pipeline', PIPELINE), **kw))


def test_loads_metres_masked_to_the_person(tmp_path):
    write_dense_humans(tmp_path, 2, size=(30, 20))
    mask = cv2.imread(str(tmp_path / 'mask' / '000000.png'), cv2.IMREAD_UNCHANGED) > 127
    depth = np.load(tmp_path / 'depth' / '000000.npy')
    depth[~mask] = 7.0  # off the person: must be dropped by the mask
    np.save(tmp_path / 'depth' / '000000.npy', depth)
    ds = build(tmp_path)
    assert len(ds) == 2 and ds.metainfo['task'] == 'depth'
    item = ds[0]
    gt = item['gt_depth_map']
    assert gt.dtype == np.float32 and gt.shape == (30, 20)
    assert np.array_equal(gt > 0, mask)
    np.testing.assert_array_equal(gt[mask], depth[mask])
    assert 'gt_depth_map' in item['seg_fields']


def test_missing_mask_is_named_at_build(tmp_path):
    write_dense_humans(tmp_path, 2, size=(20, 20))
    (tmp_path / 'mask' / '000001.png').unlink()
    with pytest.raises(FileNotFoundError, match='mask/000001.png'):
        build(tmp_path)


@pytest.mark.parametrize('defect, message', [
    ('nan', r'depth file .*000000.npy has 1 non-finite'),
    ('shape', r'depth file .*000000.npy is 10x20 \(HxW\) but its image'),
    ('ndim', r'depth file .*000000.npy must be an \(H, W\) array'),
    ('garbage', r'depth file .*000000.npy is not a readable .npy array'),
    ('mask', r'mask file .*mask/000000.png is 20x10'),
])
def test_bad_depth_raises_naming_the_file(tmp_path, defect, message):
    write_dense_humans(tmp_path, 1, size=(20, 20))
    path = tmp_path / 'depth' / '000000.npy'
    depth = np.load(path)
    if defect == 'nan':
        y, x = np.argwhere(depth > 0)[0]
        depth[y, x] = np.nan
        np.save(path, depth)
    elif defect == 'shape':
        np.save(path, depth[:10])
    elif defect == 'ndim':
        np.save(path, np.stack([depth, depth], -1))
    elif defect == 'garbage':
        path.write_bytes(b'\x93NUMPY garbage')
    else:
        cv2.imwrite(str(tmp_path / 'mask' / '000000.png'), np.zeros((20, 10), np.uint8))
    with pytest.raises(ValueError, match=message):
        build(tmp_path)[0]


def test_non_finite_background_is_zeroed(tmp_path):
    write_dense_humans(tmp_path, 1, size=(20, 20))
    path = tmp_path / 'depth' / '000000.npy'
    depth = np.load(path)
    depth[depth == 0] = np.inf  # renderers often write inf off the person
    np.save(path, depth)
    gt = build(tmp_path)[0]['gt_depth_map']
    assert np.isfinite(gt).all() and (gt[np.isinf(depth)] == 0).all()

"""HumanNormalDataset and LoadHumanNormal: conventions, unit check, bad input."""
import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from tests.helpers.dense_data import write_dense_humans

PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadHumanNormal')]


def build(root, convention='opencv', **kw):
    init_default_scope('mmseg')
    return DATASETS.build(dict(type='HumanNormalDataset', data_root=str(root),
                               normal_convention=convention,
                               pipeline=kw.pop('pipeline', PIPELINE), **kw))


def test_loads_unit_normals_on_the_person(tmp_path):
    write_dense_humans(tmp_path, 2, size=(30, 20))
    ds = build(tmp_path)
    assert ds.metainfo['normal_convention'] == 'opencv'
    item = ds[0]
    gt = item['gt_normal_map']
    stored = np.load(tmp_path / 'normal' / '000000.npy')
    mask = cv2.imread(str(tmp_path / 'mask' / '000000.png'), cv2.IMREAD_UNCHANGED) > 127
    assert gt.shape == (30, 20, 3) and gt.dtype == np.float32
    np.testing.assert_allclose(gt[mask], stored[mask], atol=1e-6)
    assert (gt[~mask] == 0).all()


def test_opengl_convention_is_converted(tmp_path):
    write_dense_humans(tmp_path, 1, size=(20, 20))
    stored = np.load(tmp_path / 'normal' / '000000.npy')
    gt = build(tmp_path, 'opengl')[0]['gt_normal_map']
    np.testing.assert_allclose(gt, stored * np.array([1, -1, -1], np.float32), atol=1e-6)


def test_the_convention_must_be_stated(tmp_path):
    write_dense_humans(tmp_path, 1, size=(20, 20))
    init_default_scope('mmseg')
    with pytest.raises(TypeError, match='normal_convention'):
        DATASETS.build(dict(type='HumanNormalDataset', data_root=str(tmp_path)))
    with pytest.raises(ValueError, match='normal_convention must be one of'):
        build(tmp_path, 'blender')


def test_small_deviation_is_renormalised_large_one_rejected(tmp_path):
    write_dense_humans(tmp_path, 1, size=(20, 20))
    path = tmp_path / 'normal' / '000000.npy'
    stored = np.load(path)
    np.save(path, stored * 1.005)  # within the default tolerance 0.01
    gt = build(tmp_path)[0]['gt_normal_map']
    fg = np.linalg.norm(stored, axis=-1) > 0.5
    np.testing.assert_allclose(np.linalg.norm(gt[fg], axis=-1), 1, atol=1e-6)
    np.save(path, (stored + 1) / 2)  # a [0, 1]-encoded map
    with pytest.raises(ValueError, match=r'normal file .*000000.npy: \d+ of \d+ person pixels '
                       'are not unit vectors'):
        build(tmp_path)[0]


@pytest.mark.parametrize('defect, message', [
    ('channels', r'normal file .*000000.npy must be an \(H, W, 3\) array'),
    ('shape', r'normal file .*000000.npy is 20x10 \(HxW\) but its image'),
    ('nan', r'normal file .*000000.npy has non-finite'),
    ('missing', r'normal file .*000000.npy does not exist'),
])
def test_bad_normals_raise_naming_the_file(tmp_path, defect, message):
    write_dense_humans(tmp_path, 1, size=(20, 20))
    ds = build(tmp_path)  # built before the file breaks: the loader must still name it
    path = tmp_path / 'normal' / '000000.npy'
    normal = np.load(path)
    if defect == 'channels':
        np.save(path, normal[..., :2])
    elif defect == 'shape':
        np.save(path, normal[:, :10])
    elif defect == 'nan':
        normal[10, 10] = np.nan
        np.save(path, normal)
    else:
        path.unlink()
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        ds[0]

"""Dense data sets (images, label PNGs, depth/normal arrays): errors name the file."""
import io
import zipfile

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from tests.helpers.dense_data import write_dense_humans
from tests.helpers.logs import log_records, messages


def build(kind, root, pipeline, **kw):
    init_default_scope('mmseg')
    extra = dict(normal_convention='opencv') if kind == 'HumanNormalDataset' else {}
    return DATASETS.build(dict(type=kind, data_root=str(root), pipeline=pipeline, **extra, **kw))


DEPTH = [dict(type='LoadImageFromFile'), dict(type='LoadHumanDepth')]
SEG = [dict(type='LoadImageFromFile'), dict(type='LoadBodyPartAnnotations')]


@pytest.mark.parametrize('kind,file', [('HumanDepthDataset', 'images/000001.png'),
                                       ('BodyPartSegDataset', 'seg/000001.png'),
                                       ('HumanDepthDataset', 'depth/000001.npy')])
def test_zero_byte_files_are_named_at_build(tmp_path, kind, file):
    write_dense_humans(tmp_path, 2, size=(20, 16))
    (tmp_path / file).write_bytes(b'')
    with pytest.raises(ValueError, match=rf'1 file\(s\) .* are empty \(0 bytes\):\n  .*{file}'):
        build(kind, tmp_path, [])


def test_zero_byte_label_read_by_the_transform_is_named(tmp_path):
    from sapiens_mm.datasets.transforms.loading import read_png
    (tmp_path / 'x.png').write_bytes(b'')
    with pytest.raises(ValueError, match=r'label map file .*x\.png is empty'):
        read_png(str(tmp_path / 'x.png'), 'label map')
    (tmp_path / 'y.png').write_bytes(b'not a png at all')
    with pytest.raises(ValueError, match=r'label map file .*y\.png is not a readable image'):
        read_png(str(tmp_path / 'y.png'), 'label map')


def test_npz_renamed_npy(tmp_path):
    write_dense_humans(tmp_path, 1, size=(20, 16))
    depth = np.load(tmp_path / 'depth' / '000000.npy')
    buf = io.BytesIO()
    np.savez(buf, depth=depth)
    (tmp_path / 'depth' / '000000.npy').write_bytes(buf.getvalue())
    assert zipfile.is_zipfile(tmp_path / 'depth' / '000000.npy')
    with pytest.raises(ValueError, match=r'depth file .*000000\.npy is a \.npz archive'):
        build('HumanDepthDataset', tmp_path, DEPTH)


def test_complex_depth(tmp_path):
    write_dense_humans(tmp_path, 2, size=(20, 16))
    depth = np.load(tmp_path / 'depth' / '000001.npy')
    np.save(tmp_path / 'depth' / '000001.npy', depth.astype(np.complex64))
    ds = build('HumanDepthDataset', tmp_path, DEPTH)  # sample 0 has a target
    with pytest.raises(ValueError, match=r'depth file .*000001\.npy must hold a real-valued .*'
                                         'complex64'):
        ds[1]


def test_images_of_another_suffix_are_counted(tmp_path):
    write_dense_humans(tmp_path, 3, size=(20, 16))
    img = cv2.imread(str(tmp_path / 'images' / '000002.png'))
    (tmp_path / 'images' / '000002.png').unlink()
    cv2.imwrite(str(tmp_path / 'images' / '000002.jpg'), img)
    with log_records() as records:
        ds = build('BodyPartSegDataset', tmp_path, [])
    assert len(ds) == 2
    assert '1 of the 3 files in' in messages(records) and '000002.jpg' in messages(records)


@pytest.mark.parametrize('kind', ['HumanDepthDataset', 'HumanNormalDataset'])
def test_every_target_empty_is_an_error_at_build(tmp_path, kind):
    write_dense_humans(tmp_path, 3, size=(20, 16))
    for i in range(3):
        cv2.imwrite(str(tmp_path / 'mask' / f'{i:06d}.png'), np.zeros((20, 16), np.uint8))
    with pytest.raises(ValueError, match=r'none of the 3 samples under .* has a target'):
        build(kind, tmp_path, [])


def test_depth_all_zero_on_the_person_is_an_error(tmp_path):
    write_dense_humans(tmp_path, 2, size=(20, 16))
    for i in range(2):
        np.save(tmp_path / 'depth' / f'{i:06d}.npy', np.zeros((20, 16), np.float32))
    with pytest.raises(ValueError, match='has a target'):
        build('HumanDepthDataset', tmp_path, [])

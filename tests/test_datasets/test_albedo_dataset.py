"""AlbedoDataset (the release's rgb/ albedo/ mask/ layout) and its loading checks."""
import os

import cv2
import numpy as np
import pytest

from sapiens_mm.datasets import AlbedoDataset
from tests.helpers.albedo_data import write_albedo_humans

PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAlbedoAnnotations')]


def test_reads_rgb_albedo(tmp_path):
    write_albedo_humans(tmp_path, 2, size=(40, 30))
    out = AlbedoDataset(data_root=str(tmp_path), pipeline=PIPELINE)[1]
    bgr = cv2.imread(str(tmp_path / 'albedo' / '000001.png'))
    np.testing.assert_allclose(out['gt_albedo'], bgr[..., ::-1] / 255.0)


def test_flat_albedo_is_dropped_and_bad_files_named(tmp_path):
    write_albedo_humans(tmp_path, 2, size=(40, 30))
    ds = AlbedoDataset(data_root=str(tmp_path), pipeline=PIPELINE)
    cv2.imwrite(str(tmp_path / 'albedo' / '000000.png'), np.full((40, 30, 3), 90, np.uint8))
    assert ds.pipeline(ds.get_data_info(0)) is None  # the release's flat-albedo rule
    bad = tmp_path / 'albedo' / '000001.png'
    cv2.imwrite(str(bad), np.zeros((10, 10, 3), np.uint8))
    with pytest.raises(ValueError, match='10x10') as err:
        ds[1]
    assert str(bad) in str(err.value)
    os.remove(bad)
    with pytest.raises(FileNotFoundError, match='missing'):
        AlbedoDataset(data_root=str(tmp_path), pipeline=PIPELINE)

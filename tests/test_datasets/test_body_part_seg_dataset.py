"""BodyPartSegDataset and LoadBodyPartAnnotations on small fixtures, including bad input."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from sapiens_mm.datasets.body_part_classes import (BODY_PART_CLASS_WEIGHT, BODY_PART_CLASSES,
                                                   BODY_PART_FLIP_PAIRS, BODY_PART_PALETTE,
                                                   SOURCE34_CLASSES, SOURCE34_REMOVED,
                                                   SOURCE34_TO_TARGET28)
from tests.helpers.dense_data import write_dense_humans

# The release's 28-class list, kept with the tests (tests/data/reference/).
REFERENCE = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data', 'reference',
                     'goliath_28_seg_classes.json')
PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadBodyPartAnnotations')]


def build(root, **kw):
    init_default_scope('mmseg')
    return DATASETS.build(dict(type='BodyPartSegDataset', data_root=str(root),
                               pipeline=kw.pop('pipeline', PIPELINE), **kw))


def test_vocabulary_matches_the_reference():
    ref = json.load(open(REFERENCE))
    assert list(BODY_PART_CLASSES) == ref['classes']
    assert [list(c) for c in BODY_PART_PALETTE] == ref['palette']
    assert list(BODY_PART_CLASS_WEIGHT) == ref['class_weight']
    assert [list(p) for p in BODY_PART_FLIP_PAIRS] == ref['flip_swap_pairs']
    assert list(SOURCE34_CLASSES) == ref['source_34_classes']
    assert {str(k): v for k, v in SOURCE34_TO_TARGET28.items()} == ref['source_to_target_index']


def test_constants_are_consistent():
    assert len(BODY_PART_CLASSES) == len(BODY_PART_PALETTE) == len(BODY_PART_CLASS_WEIGHT) == 28
    assert sorted(SOURCE34_REMOVED) == ['Chair', 'Eyeglass_Frame', 'Eyeglass_Lenses', 'Headset',
                                        'Lower_Spandex', 'Visible_Badge']
    for left, right in BODY_PART_FLIP_PAIRS:
        assert BODY_PART_CLASSES[left].replace('Left', 'Right') == BODY_PART_CLASSES[right]


def test_configs_carry_the_same_weights_and_pairs(repo_root):
    from mmengine.config import Config
    model = Config.fromfile(osp.join(repo_root, 'configs/_base_/models/sapiens_seg.py'))
    assert model.class_weight == list(BODY_PART_CLASS_WEIGHT)
    data = Config.fromfile(osp.join(repo_root,
                                    'configs/_base_/datasets/humans_seg-1024x768.py'))
    assert [tuple(p) for p in data.flip_swap_pairs] == list(BODY_PART_FLIP_PAIRS)


def test_loads_images_and_labels(tmp_path):
    write_dense_humans(tmp_path, 3, size=(40, 30))
    ds = build(tmp_path)
    assert len(ds) == 3
    assert ds.metainfo['classes'] == BODY_PART_CLASSES
    assert [tuple(c) for c in ds.metainfo['palette']] == list(BODY_PART_PALETTE)
    item = ds[1]
    assert item['img_path'].endswith('images/000001.png')
    assert item['img'].shape == (40, 30, 3) and item['gt_seg_map'].shape == (40, 30)
    expected = cv2.imread(str(tmp_path / 'seg' / '000001.png'), cv2.IMREAD_UNCHANGED)
    assert np.array_equal(item['gt_seg_map'], expected)
    assert item['seg_fields'] == ['gt_seg_map']


def test_34_class_source_labels_are_mapped(tmp_path):
    write_dense_humans(tmp_path, 1, size=(20, 20))
    source = np.arange(34, dtype=np.uint8).repeat(12)[:400].reshape(20, 20)
    source[0, 0] = 255
    cv2.imwrite(str(tmp_path / 'seg' / '000000.png'), source)
    ds = build(tmp_path, label_space='goliath34')
    assert ds.metainfo['source_classes'] == SOURCE34_CLASSES
    got = ds[0]['gt_seg_map']
    lut = np.array([SOURCE34_TO_TARGET28[i] for i in range(34)])
    expected = np.where(source == 255, 255, lut[np.minimum(source, 33)])
    assert np.array_equal(got, expected)
    # the removed classes (e.g. Chair = 2, Visible_Badge = 28) are ignored
    assert (got[source == 2] == 255).all() and (got[source == 28] == 255).all()
    assert (got[source == 33] == BODY_PART_CLASSES.index('Tongue')).all()
    with pytest.raises(ValueError, match='label_space'):
        build(tmp_path, label_space='lip20')


def test_missing_label_file_is_named_at_build(tmp_path):
    write_dense_humans(tmp_path, 2, size=(20, 20))
    (tmp_path / 'seg' / '000001.png').unlink()
    with pytest.raises(FileNotFoundError, match='seg/000001.png'):
        build(tmp_path)
    with pytest.raises(FileNotFoundError, match='image folder'):
        build(tmp_path / 'nowhere')


@pytest.mark.parametrize('defect, message', [
    ('shape', r'label map file .*000000.png is 10x20 \(HxW\) but its image'),
    ('values', r'label map .*000000.png has values \[40\]'),
    ('garbage', r'label map file .*000000.png is not a readable image'),
    ('colour', r'label map file .*000000.png must have one channel'),
])
def test_bad_label_files_raise_naming_the_file(tmp_path, defect, message):
    write_dense_humans(tmp_path, 1, size=(20, 20))
    path = tmp_path / 'seg' / '000000.png'
    if defect == 'shape':
        cv2.imwrite(str(path), np.zeros((10, 20), np.uint8))
    elif defect == 'values':
        cv2.imwrite(str(path), np.full((20, 20), 40, np.uint8))
    elif defect == 'garbage':
        path.write_bytes(b'not a png')
    else:
        cv2.imwrite(str(path), np.zeros((20, 20, 3), np.uint8))
    ds = build(tmp_path)
    with pytest.raises(ValueError, match=message):
        ds[0]

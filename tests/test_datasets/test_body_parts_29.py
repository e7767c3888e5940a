"""The 29-class vocabulary: the release's names and colours, and the v1 <-> v2 mappings."""
import numpy as np
import pytest

from sapiens_mm.datasets.body_part_classes import (BODY_PART_CLASSES, BODY_PART_CLASS_WEIGHT,
                                                   BODY_PART_FLIP_PAIRS, BODY_PART_PALETTE)
from sapiens_mm.datasets.body_parts_29 import (load_body_parts_29, v1_to_v2_labels,
                                               v2_to_v1_labels)


def test_vocabulary_is_v1_with_eyeglass_at_2():
    meta = load_body_parts_29()
    assert len(meta['classes']) == 29 and meta['classes'][2] == 'Eyeglass'
    assert meta['classes'][:2] + meta['classes'][3:] == BODY_PART_CLASSES
    assert meta['palette'][2] == (14, 204, 182)
    # every shared class keeps its v1 colour and weight; Eyeglass weighs 10 as small parts do
    for i, name in enumerate(BODY_PART_CLASSES):
        j = meta['classes'].index(name)
        assert meta['palette'][j] == tuple(BODY_PART_PALETTE[i])
        assert meta['class_weight'][j] == BODY_PART_CLASS_WEIGHT[i]
    assert meta['class_weight'][2] == 10
    # the flip pairs are v1's, shifted by one
    assert meta['flip_pairs'] == tuple((a + 1, b + 1) for a, b in BODY_PART_FLIP_PAIRS)
    for a, b in meta['flip_pairs']:
        assert meta['classes'][a].replace('Left', 'Right') == meta['classes'][b]


def test_v1_to_v2_and_back():
    v1 = np.array([[0, 1, 2, 27], [255, 3, 13, 0]], np.uint8)
    v2 = v1_to_v2_labels(v1)
    assert v2.dtype == np.uint8
    assert v2.tolist() == [[0, 1, 3, 28], [255, 4, 14, 0]]
    assert np.array_equal(v2_to_v1_labels(v2), v1)
    names29 = load_body_parts_29()['classes']
    all_v1 = np.arange(28, dtype=np.int64)
    assert [names29[j] for j in v1_to_v2_labels(all_v1)] == list(BODY_PART_CLASSES)


def test_eyeglass_becomes_ignore_in_v1():
    assert v2_to_v1_labels(np.array([2, 3], np.int64)).tolist() == [255, 2]


@pytest.mark.parametrize('bad', [np.array([28], np.int64), np.array([-1], np.int64)])
def test_out_of_range_labels_refused(bad):
    with pytest.raises(ValueError, match='v1_to_v2_labels'):
        v1_to_v2_labels(bad)
    with pytest.raises(TypeError):
        v1_to_v2_labels(np.array([1.0]))

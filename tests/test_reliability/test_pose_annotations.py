"""Goliath COCO annotations: no person is lost or silently unsupervised."""
import json

import pytest
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS

from tests.helpers.pose_data import write_goliath_coco
from tests.helpers.logs import log_records, messages


def build(ann_file, root):
    init_default_scope('mmpose')
    return DATASETS.build(dict(type='Goliath308Dataset', data_root=str(root),
                               ann_file=str(ann_file), data_mode='topdown', pipeline=[]))


def edit(ann, fn):
    data = json.loads(open(ann).read())
    fn(data)
    with open(ann, 'w') as f:
        json.dump(data, f)
    return ann


@pytest.fixture
def ann(tmp_path):
    return write_goliath_coco(tmp_path, num_images=2, persons=2)


def test_duplicate_annotation_id(ann, tmp_path):
    edit(ann, lambda d: d['annotations'][1].update(id=1))
    with pytest.raises(ValueError, match=r'annotations\.json: 1 annotation id\(s\) used twice, '
                                         r'e\.g\. id=1'):
        build(ann, tmp_path)


def test_unknown_image_id(ann, tmp_path):
    edit(ann, lambda d: d['annotations'][2].update(image_id=99))
    with pytest.raises(ValueError, match=r'annotations\.json: annotation id=3 refers to '
                                         r'image_id=99'):
        build(ann, tmp_path)


@pytest.mark.parametrize('bbox,msg', [
    ([1, 2, float('nan'), 4], r'annotation id=1 has bbox \[1, 2, nan, 4\]'),
    ([1, 2, 3], r'annotation id=1 has bbox \[1, 2, 3\]; expected 4 finite'),
    ([1, 2, -5, 4], r'annotation id=1 has a negative-size bbox'),
])
def test_bad_bbox(ann, tmp_path, bbox, msg):
    edit(ann, lambda d: d['annotations'][0].update(bbox=bbox))
    with pytest.raises(ValueError, match=r'annotations\.json: ' + msg):
        build(ann, tmp_path)


def test_zero_size_bbox_is_dropped_and_counted(ann, tmp_path):
    edit(ann, lambda d: d['annotations'][0]['bbox'].__setitem__(2, 0))
    with log_records() as records:
        ds = build(ann, tmp_path)
    assert len(ds) == 3
    assert 'annotations.json: dropped 1 of 4 annotations (1 with a bbox of zero size inside ' \
        'the image), as mmpose does' in messages(records)


@pytest.mark.parametrize('value,msg', [(float('nan'), 'nan'), ('12.5', "'12.5'"), (None, 'None')])
def test_keypoint_value_not_a_number(ann, tmp_path, value, msg):
    edit(ann, lambda d: d['annotations'][3]['keypoints'].__setitem__(7, value))
    with pytest.raises(ValueError, match=r'annotations\.json: annotation id=4 has 1 keypoint '
                                         rf'value\(s\) that are not finite numbers, e\.g\. value 7 '
                                         rf'= {msg} \(keypoint 2\)'):
        build(ann, tmp_path)


def test_no_labelled_keypoint_anywhere(ann, tmp_path):
    def unlabel(d):
        for a in d['annotations']:
            a['keypoints'] = [0.0] * len(a['keypoints'])
    edit(ann, unlabel)
    with pytest.raises(ValueError, match=r'annotations\.json: none of its 4 annotations has a '
                                         'labelled keypoint'):
        build(ann, tmp_path)


def test_some_unlabelled_annotations_are_counted(ann, tmp_path):
    edit(ann, lambda d: d['annotations'][0].update(
        keypoints=[0.0] * len(d['annotations'][0]['keypoints'])))
    with log_records() as records:
        assert len(build(ann, tmp_path)) == 3
    assert 'dropped 1 of 4 annotations (1 with no labelled keypoint)' in messages(records)


def test_empty_annotation_list(ann, tmp_path):
    edit(ann, lambda d: d.update(annotations=[]))
    with pytest.raises(ValueError, match=r'annotations\.json: no usable annotation \(0 in the '
                                         'file'):
        build(ann, tmp_path)

import json

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS

from tests.helpers.pose_data import goliath_names, goliath_to_wholebody, write_goliath_coco


def build(ann_file, root, type='Goliath308Dataset', **kw):
    init_default_scope('mmpose')
    return DATASETS.build(dict(type=type, data_root=str(root), ann_file=str(ann_file),
                               data_mode='topdown', pipeline=[], **kw))


def test_loads_308_keypoints_and_metainfo(tmp_path):
    ann = write_goliath_coco(tmp_path, num_images=2, persons=2)
    ds = build(ann, tmp_path)
    assert len(ds) == 4
    item = ds[0]
    assert item['keypoints'].shape == (1, 308, 2)
    meta = ds.metainfo
    assert meta['num_keypoints'] == 308 and len(meta['sigmas']) == 308
    assert [meta['keypoint_id2name'][i] for i in range(308)] == goliath_names()
    assert meta['keypoint_id2name'][meta['flip_indices'][1]] == 'right_eye'
    assert {k: len(v) for k, v in meta['keypoint_groups'].items()} == dict(
        body=17, foot=6, left_hand=20, right_hand=20, extra=7, face=238)


def test_wrong_keypoint_count_names_the_file_and_annotation(tmp_path):
    ann = write_goliath_coco(tmp_path, k=133)
    with pytest.raises(ValueError, match=r'annotations\.json: annotation id=1 .*399 keypoint '
                                         r'values \(133 keypoints\).*308 x 3'):
        build(ann, tmp_path)


def test_missing_image_and_files(tmp_path):
    ann = write_goliath_coco(tmp_path)
    (tmp_path / 'images' / '000001.png').unlink()
    with pytest.raises(FileNotFoundError, match=r'000001\.png not found'):
        build(ann, tmp_path)
    with pytest.raises(FileNotFoundError, match='nope.json: annotation file not found'):
        build(tmp_path / 'nope.json', tmp_path)
    bad = tmp_path / 'bad.json'
    bad.write_text('{"images": [')
    with pytest.raises(ValueError, match='bad.json: not a JSON annotation file'):
        build(bad, tmp_path)


def test_malformed_annotation(tmp_path):
    ann = write_goliath_coco(tmp_path)
    data = json.loads(open(ann).read())
    del data['annotations'][2]['bbox']
    open(ann, 'w').write(json.dumps(data))
    with pytest.raises((ValueError, KeyError), match='bbox'):
        build(ann, tmp_path)


def test_wholebody_annotations_in_goliath_layout(tmp_path):
    ann = write_goliath_coco(tmp_path, num_images=1, persons=1)
    gt = json.loads(open(ann).read())
    wb_file = tmp_path / 'wb.json'
    wb_file.write_text(json.dumps(goliath_to_wholebody(gt)))
    ds = build(wb_file, tmp_path, type='CocoWholeBodyGoliathDataset')
    item = ds[0]
    assert item['keypoints'].shape == (1, 308, 2)
    g = np.asarray(gt['annotations'][0]['keypoints']).reshape(-1, 3)
    mapped = sorted(ds.metainfo['coco_wholebody_to_goliath'].values())
    assert len(mapped) == 53
    labelled = g[mapped, 2] > 0
    np.testing.assert_allclose(item['keypoints'][0, mapped][labelled], g[mapped][labelled, :2],
                               rtol=1e-5)
    unmapped = np.setdiff1d(np.arange(308), mapped)
    assert (item['keypoints_visible'][0, unmapped] == 0).all()


def _as_release_eval_json(ann_file, out):
    """v1 layout -> the Sapiens2 release's evaluation json: the 308 points move to
    ``goliath_wholebody_kpts`` and ``keypoints`` keeps the 17 COCO body points."""
    data = json.loads(open(ann_file).read())
    body = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 41, 62]  # not in the v1 order
    for ann in data['annotations']:
        pts = ann.pop('keypoints')
        ann['goliath_wholebody_kpts'] = pts
        ann['keypoints'] = [v for i in body for v in pts[3 * i:3 * i + 3]]
    out.write_text(json.dumps(data))
    return out


def test_release_eval_json_reads_goliath_wholebody_kpts(tmp_path):
    ann = write_goliath_coco(tmp_path, num_images=2, persons=1)
    v1 = build(ann, tmp_path)
    release = _as_release_eval_json(ann, tmp_path / 'release.json')
    v2 = build(release, tmp_path)
    assert len(v1) == len(v2) == 2
    for i in range(2):
        np.testing.assert_array_equal(v1[i]['keypoints'], v2[i]['keypoints'])
        np.testing.assert_array_equal(v1[i]['keypoints_visible'], v2[i]['keypoints_visible'])
    # a fixed key that the file does not have is an error naming the file
    with pytest.raises(ValueError, match='release.json.*goliath_wholebody_kpts|no '
                                         'goliath_wholebody_kpts'):
        build(ann, tmp_path, keypoints_key='goliath_wholebody_kpts')
    # reading the 17 body points as 308 is refused (wrong count), not silently padded
    with pytest.raises(ValueError, match='51 keypoint values'):
        build(release, tmp_path, keypoints_key='keypoints')
    with pytest.raises(ValueError, match='keypoints_key'):
        build(release, tmp_path, keypoints_key='kpts')

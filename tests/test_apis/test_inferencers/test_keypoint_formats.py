"""Keypoint formats at output: every format's keypoints equal the mapped 308 predictions."""
import json
import os

import numpy as np
import pytest

from sapiens_mm.apis.inferencers.keypoint_formats import (KEYPOINT_FORMATS, convert_keypoints,
                                                          format_coco_records, format_pose_records,
                                                          openpose_document)
from sapiens_mm.datasets.pose.keypoint_mappings import (COCO17_NAMES, goliath_to_coco17,
                                                        wholebody_to_goliath)

REFERENCE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'data', 'reference')


def _goliath_names():
    with open(os.path.join(REFERENCE, 'goliath_308_keypoints.json')) as f:
        return [k['name'] for k in json.load(f)['keypoints']]


def _prediction(n=2, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.uniform(0, 500, (n, 308, 2)).astype(np.float32),
            rng.uniform(0, 1, (n, 308)).astype(np.float32))


def test_coco17_is_the_goliath_points_of_the_coco_names():
    kpts, scores = _prediction()
    out_k, out_s = convert_keypoints(kpts, scores, 'coco17')
    names = _goliath_names()
    idx = [names.index(n) for n in COCO17_NAMES]  # by name, from the release's list
    assert idx == goliath_to_coco17()
    np.testing.assert_array_equal(out_k, kpts[:, idx])
    np.testing.assert_array_equal(out_s, scores[:, idx])


def test_wholebody133_fills_the_53_shared_points_and_zeros_the_rest():
    kpts, scores = _prediction()
    out_k, out_s = convert_keypoints(kpts, scores, 'coco_wholebody133')
    assert out_k.shape == (2, 133, 2) and out_s.shape == (2, 133)
    mapping = wholebody_to_goliath()
    assert len(mapping) == 53
    for w in range(133):
        if w in mapping:
            np.testing.assert_array_equal(out_k[:, w], kpts[:, mapping[w]])
            np.testing.assert_array_equal(out_s[:, w], scores[:, mapping[w]])
        else:
            assert not out_k[:, w].any() and not out_s[:, w].any()


def test_openpose18_order_and_neck():
    kpts, scores = _prediction()
    out_k, out_s = convert_keypoints(kpts, scores, 'openpose18')
    body_k = kpts[:, goliath_to_coco17()]
    body_s = scores[:, goliath_to_coco17()]
    # OpenPose COCO-18: nose, neck, r-sho, r-elb, r-wri, l-sho, l-elb, l-wri, r-hip, r-knee,
    # r-ank, l-hip, l-knee, l-ank, r-eye, l-eye, r-ear, l-ear
    coco = dict(zip(COCO17_NAMES, range(17)))
    order = ['nose', None, 'right_shoulder', 'right_elbow', 'right_wrist', 'left_shoulder',
             'left_elbow', 'left_wrist', 'right_hip', 'right_knee', 'right_ankle', 'left_hip',
             'left_knee', 'left_ankle', 'right_eye', 'left_eye', 'right_ear', 'left_ear']
    for i, name in enumerate(order):
        if name is None:
            np.testing.assert_allclose(out_k[:, 1], (body_k[:, 5] + body_k[:, 6]) / 2)
            np.testing.assert_array_equal(out_s[:, 1], np.minimum(body_s[:, 5], body_s[:, 6]))
        else:
            np.testing.assert_array_equal(out_k[:, i], body_k[:, coco[name]])
            np.testing.assert_array_equal(out_s[:, i], body_s[:, coco[name]])


def test_openpose_document_layout():
    kpts, scores = _prediction()
    doc = openpose_document(kpts, scores, track_ids=[7, 3])
    json.dumps(doc)  # plain JSON
    assert doc['version'] == 1.3 and len(doc['people']) == 2
    person = doc['people'][0]
    assert person['person_id'] == [7]
    pose = np.array(person['pose_keypoints_2d']).reshape(18, 3)
    ok, os_ = convert_keypoints(kpts, scores, 'openpose18')
    np.testing.assert_allclose(pose[:, :2], ok[0], atol=1e-3)
    np.testing.assert_allclose(pose[:, 2], os_[0], atol=1e-3)
    assert person['face_keypoints_2d'] == []  # Goliath's face has no OpenPose/WholeBody names
    mapping = wholebody_to_goliath()
    left = np.array(person['hand_left_keypoints_2d']).reshape(21, 3)
    right = np.array(person['hand_right_keypoints_2d']).reshape(21, 3)
    for hand, start, wrist in ((left, 91, 'left_wrist'), (right, 112, 'right_wrist')):
        g_wrist = goliath_to_coco17()[COCO17_NAMES.index(wrist)]
        np.testing.assert_allclose(hand[0, :2], kpts[0, g_wrist], atol=1e-3)  # root = wrist
        for j in range(1, 21):
            if start + j in mapping:
                np.testing.assert_allclose(hand[j, :2], kpts[0, mapping[start + j]], atol=1e-3)
                np.testing.assert_allclose(hand[j, 2], scores[0, mapping[start + j]], atol=1e-3)
            else:  # finger bases: no Goliath name
                assert hand[j].tolist() == [0, 0, 0]
    assert openpose_document(kpts, scores)['people'][1]['person_id'] == [-1]


def test_records_and_coco_results_in_each_format():
    kpts, scores = _prediction(1)
    records = [dict(keypoints=kpts[0].tolist(), keypoint_scores=scores[0].tolist(),
                    bbox=[[0, 0, 10, 10]], bbox_score=0.9, track_id=4)]
    coco = [dict(image_id=1, category_id=1, score=0.5, bbox=[0, 0, 10, 10],
                 keypoints=np.concatenate([kpts[0], scores[0, :, None]], 1).ravel().tolist())]
    for fmt in KEYPOINT_FORMATS:
        ck, cs = convert_keypoints(kpts, scores, fmt)
        out = format_pose_records(records, fmt)
        res = format_coco_records(coco, fmt)
        trip = np.array(res[0]['keypoints']).reshape(-1, 3)
        np.testing.assert_allclose(trip[:, :2], ck[0], atol=1e-3)
        np.testing.assert_allclose(trip[:, 2], cs[0], atol=1e-3)
        if fmt == 'openpose18':
            assert out['people'][0]['person_id'] == [4]
        else:
            np.testing.assert_allclose(out[0]['keypoints'], ck[0], atol=1e-5)
            assert out[0]['track_id'] == 4 and out[0]['bbox'] == [[0, 0, 10, 10]]
    assert format_pose_records([], 'openpose18') == dict(version=1.3, people=[])


def test_other_sources_and_errors():
    rng = np.random.default_rng(1)
    k17 = rng.uniform(0, 9, (1, 17, 2)).astype(np.float32)
    s17 = rng.uniform(0, 1, (1, 17)).astype(np.float32)
    np.testing.assert_array_equal(convert_keypoints(k17, s17, 'coco17')[0], k17)
    assert convert_keypoints(k17, s17, 'openpose18')[0].shape == (1, 18, 2)
    with pytest.raises(ValueError, match='goliath308 needs a 308-keypoint'):
        convert_keypoints(k17, s17, 'goliath308')
    with pytest.raises(ValueError, match='not one of'):
        convert_keypoints(*_prediction(), 'coco18')
    with pytest.raises(ValueError, match='25 keypoints'):
        convert_keypoints(np.zeros((1, 25, 2)), np.zeros((1, 25)), 'coco17')

import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from sapiens_mm.apis import MMDetPersonDetector, TopdownPoseInferencer

CFG = 'configs/sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py'


@pytest.fixture(scope='module')
def inferencer(repo_root):
    return TopdownPoseInferencer(os.path.join(repo_root, CFG), None, 'cpu')


@pytest.fixture
def image():
    return np.random.default_rng(0).integers(0, 255, (120, 90, 3), dtype=np.uint8)


def test_given_boxes(inferencer, image):
    res = inferencer(image, [[5, 5, 50, 100], [40, 10, 85, 115]])
    assert res.pred_instances.keypoints.shape == (2, 308, 2)
    assert res.pred_instances.keypoint_scores.shape == (2, 308)
    coco = inferencer.to_coco(res, image_id=7)
    assert len(coco) == 2 and len(coco[0]['keypoints']) == 308 * 3
    assert coco[0]['image_id'] == 7 and coco[1]['bbox'] == pytest.approx([40, 10, 45, 105])
    drawn = inferencer.draw(image, res, kpt_thr=0.0)
    assert drawn.shape == image.shape and not np.array_equal(drawn, image)


def test_whole_image_and_callable_detector(inferencer, image):
    assert inferencer(image).pred_instances.bboxes.tolist() == [[0, 0, 90, 120]]
    inferencer.detector = lambda img: np.array([[0, 0, 30, 60], [10, 20, 80, 110],
                                                [5, 5, 20, 20]])
    try:
        assert len(inferencer(image).pred_instances.keypoints) == 3
        inferencer.detector = lambda img: np.zeros((0, 4))
        empty = inferencer(image)
        assert inferencer.to_coco(empty, 1) == []
        assert np.array_equal(inferencer.draw(image, empty), image)
    finally:
        inferencer.detector = None


def test_mmdet_detector_boxes_feed_the_pose_model(inferencer, image):
    """An RTMDet-tiny (random weights; real ones cannot be downloaded here) as the detector."""
    import mmdet
    cfg = os.path.join(os.path.dirname(mmdet.__file__), '.mim', 'configs', 'rtmdet',
                       'rtmdet_tiny_8xb32-300e_coco.py')
    det = MMDetPersonDetector(cfg, None, 'cpu', score_thr=0.0, nms_thr=0.9)
    boxes = det(image)
    assert boxes.ndim == 2 and boxes.shape[1] == 4
    inferencer.detector = det
    try:
        res = inferencer(image)
    finally:
        inferencer.detector = None
    n = len(res.pred_instances.keypoints) if 'pred_instances' in res else 0
    assert n == len(boxes)


def test_cli(tmp_path, repo_root, image):
    cv2.imwrite(str(tmp_path / 'a.png'), image)
    (tmp_path / 'broken.png').write_bytes(b'not an image')
    boxes = tmp_path / 'boxes.json'
    boxes.write_text(json.dumps({'a.png': [[5, 5, 50, 100]]}))
    out = subprocess.run([sys.executable, 'tools/pose_demo.py', str(tmp_path), CFG, 'none',
                          '--out', str(tmp_path / 'out'), '--bboxes', str(boxes)],
                         capture_output=True, text=True, cwd=repo_root, timeout=600)
    assert out.returncode == 1, out.stderr[-2000:]  # the broken image is reported
    assert 'broken.png' in out.stderr
    res = json.loads((tmp_path / 'out' / 'keypoints.json').read_text())
    assert len(res) == 1 and len(res[0]['keypoints']) == 924
    assert (tmp_path / 'out' / 'a_pose.png').exists()

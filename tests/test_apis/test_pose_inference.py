"""Top-down pose through SapiensInferencer (the one pose path): given boxes, whole image,
callable and mmdet detectors, batched crops; tools/pose_demo.py as an alias of tools/infer.py."""
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from sapiens_mm.apis import MMDetPersonDetector, SapiensInferencer
from sapiens_mm.apis.inferencers.decode import pose_to_coco

CFG = 'configs/sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py'


@pytest.fixture(scope='module')
def inferencer(repo_root):
    # fp32: these tests compare batched with one-by-one results; in bf16 the CPU's kernels
    # (AMX tiles) round batches differently, and the near-flat heatmaps of random weights
    # then move their peaks by whole crops
    # the torch engine: OpenVINO's kernels differ by batch size too (tested in test_engines)
    return SapiensInferencer([(os.path.join(repo_root, CFG), None)], device='cpu',
                             precision='fp32', engine='torch')


@pytest.fixture
def image():
    return np.random.default_rng(0).integers(0, 255, (120, 90, 3), dtype=np.uint8)


def pose_of(inferencer, img, boxes=None):
    bboxes = None if boxes is None else [boxes]
    return inferencer(img, bboxes=bboxes, return_datasamples=True)['predictions'][0]['pose']


def test_given_boxes(inferencer, image):
    res = pose_of(inferencer, image, [[5, 5, 50, 100], [40, 10, 85, 115]])
    assert res.pred_instances.keypoints.shape == (2, 308, 2)
    assert res.pred_instances.keypoint_scores.shape == (2, 308)
    coco = pose_to_coco(res, image_id=7)
    assert len(coco) == 2 and len(coco[0]['keypoints']) == 308 * 3
    assert coco[0]['image_id'] == 7 and coco[1]['bbox'] == pytest.approx([40, 10, 45, 105])
    # the JSON records (mmpose's format) hold the same keypoints
    records = inferencer(image, bboxes=[[[5, 5, 50, 100]]])['predictions'][0]['pose']
    np.testing.assert_allclose(records[0]['keypoints'], res.pred_instances.keypoints[0],
                               atol=1e-4)


def test_crops_of_several_images_batch_together(inferencer, image):
    """Crops of 3 images run in batches of batch_size crops; results equal one-by-one."""
    imgs = [image, image[:, ::-1].copy(), image[::-1].copy()]
    boxes = [[[5, 5, 50, 100]], [[0, 0, 90, 120], [10, 10, 60, 60]], [[20, 30, 70, 110]]]
    calls = []
    h = inferencer.models['pose'].model.backbone.register_forward_hook(
        lambda m, i, o: calls.append(i[0].shape[0]))
    try:
        together = inferencer(imgs, bboxes=boxes, batch_size=4,
                              return_datasamples=True)['predictions']
    finally:
        h.remove()
    flips = 2 if inferencer.models['pose'].model.test_cfg.get('flip_test') else 1
    assert calls == [4] * flips  # 4 crops of 3 images in one pass (and its mirror)
    for img, b, res in zip(imgs, boxes, together):
        alone = pose_of(inferencer, img, b)
        np.testing.assert_allclose(res['pose'].pred_instances.keypoints,
                                   alone.pred_instances.keypoints, atol=1e-3)


def test_whole_image_and_callable_detector(inferencer, image):
    assert pose_of(inferencer, image).pred_instances.bboxes.tolist() == [[0, 0, 90, 120]]
    inferencer.detector = lambda img: np.array([[0, 0, 30, 60], [10, 20, 80, 110],
                                                [5, 5, 20, 20]])
    try:
        assert len(pose_of(inferencer, image).pred_instances.keypoints) == 3
        inferencer.detector = lambda img: np.zeros((0, 4))
        empty = pose_of(inferencer, image)
        assert pose_to_coco(empty, 1) == []
        assert inferencer(image)['predictions'][0]['pose'] == []
    finally:
        inferencer.detector = None


def test_flip_test_switch(repo_root, image):
    # the torch engine: the test counts backbone forwards through a hook
    on = SapiensInferencer([(os.path.join(repo_root, CFG), None)], flip_test=True,
                           engine='torch')
    off = SapiensInferencer([(os.path.join(repo_root, CFG), None)], flip_test=False,
                            engine='torch')
    assert on.models['pose'].model.test_cfg['flip_test'] is True
    assert off.models['pose'].model.test_cfg['flip_test'] is False
    calls = []
    on.models['pose'].model.backbone.register_forward_hook(lambda m, i, o: calls.append(1))
    on(image)
    assert len(calls) == 2  # the crop and its mirror


def test_mmdet_detector_boxes_feed_the_pose_model(inferencer, image):
    """An RTMDet-tiny (random weights; real ones cannot be downloaded here) as the detector."""
    import mmdet
    cfg = os.path.join(os.path.dirname(mmdet.__file__), '.mim', 'configs', 'rtmdet',
                       'rtmdet_tiny_8xb32-300e_coco.py')
    det = MMDetPersonDetector(cfg, 'none', 'cpu', score_thr=0.0, nms_thr=0.9)
    boxes = det(image)
    assert boxes.ndim == 2 and boxes.shape[1] == 4
    inferencer.detector = det
    try:
        res = pose_of(inferencer, image)
    finally:
        inferencer.detector = None
    n = len(res.pred_instances.keypoints) if 'pred_instances' in res else 0
    assert n == len(boxes)


def test_pose_demo_is_an_alias_of_infer(tmp_path, repo_root, image):
    cv2.imwrite(str(tmp_path / 'a.png'), image)
    (tmp_path / 'broken.png').write_bytes(b'not an image')
    boxes = tmp_path / 'boxes.json'
    boxes.write_text(json.dumps({'a.png': [[5, 5, 50, 100]]}))
    out = subprocess.run([sys.executable, 'tools/pose_demo.py', str(tmp_path), CFG, 'none',
                          '--out', str(tmp_path / 'out'), '--bboxes', str(boxes)],
                         capture_output=True, text=True, cwd=repo_root, timeout=600)
    assert out.returncode == 1, out.stderr[-2000:]  # one unreadable image
    assert 'broken.png' in out.stderr
    res = json.loads((tmp_path / 'out' / 'keypoints.json').read_text())
    assert len(res) == 1 and len(res[0]['keypoints']) == 924
    assert res[0]['bbox'] == pytest.approx([5, 5, 45, 95])
    assert cv2.imread(str(tmp_path / 'out' / 'a_pose.jpg')).shape == image.shape

"""The inferencer's pictures (draw_results) are drawn by the hooks' visualizers."""
from types import SimpleNamespace

import numpy as np
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample

from sapiens_mm.apis.inferencers.sapiens_inferencer import draw_results
from sapiens_mm.datasets.body_part_classes import BODY_PART_PALETTE
from sapiens_mm.visualization import colorize_depth, colorize_normals, colorize_parts

H, W = 24, 20
META = dict(skeleton_links=[[0, 1]], keypoint_colors=np.array([[255, 0, 0], [0, 255, 0]]),
            skeleton_link_colors=np.array([[0, 0, 255]]))


def pose_result():
    return PoseDataSample(pred_instances=InstanceData(
        keypoints=np.array([[[4., 4.], [16., 18.]]]), keypoint_scores=np.array([[0.9, 0.1]]),
        bboxes=np.array([[1., 1., 19., 23.]])))


def test_sapiens_inferencer_pictures():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)  # BGR
    seg = np.zeros((H, W), np.uint8)
    seg[5:20, 4:16] = 14
    depth = rng.uniform(1, 3, (H, W)).astype(np.float32)
    normal = rng.normal(size=(H, W, 3)).astype(np.float32)
    fake = SimpleNamespace(models=dict(
        pose=SimpleNamespace(model=SimpleNamespace(dataset_meta=META)),
        seg=SimpleNamespace(model=SimpleNamespace(dataset_meta={}))))
    pics = draw_results(fake, img, dict(pose=pose_result(), seg=seg, depth=depth,
                                        normal=normal))
    mask = seg > 0
    assert np.array_equal(pics['depth'], colorize_depth(depth, mask)[..., ::-1])
    assert np.array_equal(pics['normal'], colorize_normals(normal, mask)[..., ::-1])
    parts = colorize_parts(seg, BODY_PART_PALETTE, img[..., ::-1], alpha=0.6)[..., ::-1]
    assert np.abs(pics['seg'].astype(int) - parts).max() <= 1
    assert pics['pose'][4, 4].tolist() == [0, 0, 255]  # keypoint 0 red, BGR
    assert pics['pose'][18, 16].tolist() == img[18, 16].tolist()  # score 0.1 < kpt_thr
    assert pics['panel'].shape == (H, 5 * W, 3)


def test_pose_picture_links_and_threshold():
    fake = SimpleNamespace(models=dict(pose=SimpleNamespace(
        model=SimpleNamespace(dataset_meta=META))))
    img = np.zeros((H, W, 3), np.uint8)
    drawn = draw_results(fake, img, dict(pose=pose_result()), kpt_thr=0.05)['pose']
    assert drawn[4, 4].tolist() == [0, 0, 255] and drawn[18, 16].tolist() == [0, 255, 0]
    assert drawn[11, 10].tolist() == [255, 0, 0]  # the link (blue), on the segment's middle
    assert np.array_equal(draw_results(fake, img, dict(pose=PoseDataSample()))['pose'], img)

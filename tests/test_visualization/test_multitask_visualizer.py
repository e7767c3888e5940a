"""SapiensMultiTaskVisualizer: one picture per multi-task sample, a row
[image | ground truth | prediction] per task, pose skeletons in the pose metainfo's colours."""
import itertools
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import VISUALIZERS
from mmengine.structures import BaseDataElement, InstanceData, PixelData
from mmpose.structures import PoseDataSample
from mmseg.structures import SegDataSample

from sapiens_mm.datasets.pose import Goliath308Dataset
from sapiens_mm.visualization import SapiensDenseVisualizer, SapiensMultiTaskVisualizer

H, W, K = 64, 48, 308
_names = itertools.count()


def visualizer(**kwargs):
    vis = SapiensMultiTaskVisualizer(name=f'mt_test_{next(_names)}', **kwargs)
    vis.dataset_meta = dict(classes=None, palette=None,
                            task_metainfo=dict(pose=Goliath308Dataset._load_metainfo()))
    return vis


def image():
    return np.full((H, W, 3), 80, np.uint8)


def multitask_sample(pred_score=0.9, with_normal_gt=False):
    rng = np.random.default_rng(0)
    xy = np.stack([rng.uniform(8, W - 8, K), rng.uniform(8, H - 8, K)], 1)[None]
    pose = PoseDataSample()
    pose.gt_instances = InstanceData(keypoints=xy.astype(np.float32),
                                     keypoints_visible=np.ones((1, K), np.float32))
    pose.pred_instances = InstanceData(keypoints=(xy + 3).astype(np.float32),
                                       keypoint_scores=np.full((1, K), pred_score, np.float32))
    seg = SegDataSample(gt_sem_seg=PixelData(data=torch.full((1, H, W), 14)),
                        pred_sem_seg=PixelData(data=torch.full((1, H, W), 5)))
    depth = SegDataSample(gt_depth_map=PixelData(data=torch.full((1, H, W), 2.0)),
                          pred_depth_map=PixelData(data=torch.rand(1, H, W)))
    normal = SegDataSample(pred_normal_map=PixelData(
        data=torch.nn.functional.normalize(torch.randn(3, H, W), dim=0)))
    if with_normal_gt:
        normal.gt_normal_map = normal.pred_normal_map
    s = BaseDataElement(metainfo=dict(img_path='x.png'))
    s.set_field(pose, 'pose')
    s.set_field(seg, 'seg')
    s.set_field(depth, 'depth')
    s.set_field(normal, 'normal')
    return s


def test_registered():
    vis = VISUALIZERS.build(dict(type='SapiensMultiTaskVisualizer', name=f'reg_{next(_names)}'))
    assert isinstance(vis, SapiensMultiTaskVisualizer)


def test_rows_per_task_in_order():
    vis = visualizer()
    img = image()
    drawn = vis.draw_rows(img, multitask_sample())
    assert drawn.shape == (4 * H, 3 * W, 3) and drawn.dtype == np.uint8
    pose, parts, depth, normal = (drawn[i * H:(i + 1) * H] for i in range(4))
    for row in (pose, parts, depth, normal):
        assert np.array_equal(row[:, :W], img)  # every row starts with the image
    # pose: skeletons drawn over the image, ground truth and prediction in different places
    assert (pose[:, W:2 * W] != img).any(axis=2).mean() > 0.05
    assert not np.array_equal(pose[:, W:2 * W], pose[:, 2 * W:])
    # parts: the dense visualizer's panels of the seg sub-sample (gt class 14, pred class 5)
    dense = SapiensDenseVisualizer(name=f'dense_{next(_names)}')
    sub = multitask_sample().seg
    assert np.array_equal(parts, dense.draw_panels(img, sub))
    # normals without ground truth: [image | prediction | black padding]
    assert normal[:, W:2 * W].any() and not normal[:, 2 * W:].any()


def test_pose_colours_from_the_pose_metainfo():
    vis = visualizer()
    meta = Goliath308Dataset._load_metainfo()
    assert np.array_equal(np.asarray(vis.pose_visualizer.kpt_color),
                          np.asarray(meta['keypoint_colors']))


def test_low_scores_not_drawn():
    vis = visualizer(kpt_thr=0.5)
    img = image()
    drawn = vis.draw_rows(img, multitask_sample(pred_score=0.1))
    assert np.array_equal(drawn[:H, 2 * W:], img)  # no predicted keypoint above kpt_thr
    assert not np.array_equal(drawn[:H, W:2 * W], img)  # the ground truth is drawn


def test_writes_checked_file_and_backend(tmp_path):
    vis = SapiensMultiTaskVisualizer(name=f'mt_{next(_names)}', save_dir=str(tmp_path / 'vis'),
                                     vis_backends=[dict(type='LocalVisBackend')])
    out = tmp_path / 'pic.png'
    drawn = vis.add_datasample('x', image(), multitask_sample(with_normal_gt=True),
                               out_file=str(out))
    back = cv2.imread(str(out))[..., ::-1]
    assert np.array_equal(back, drawn) and drawn.shape == (4 * H, 3 * W, 3)
    vis.add_datasample('y', image(), multitask_sample(), step=3)
    assert osp.isfile(tmp_path / 'vis' / 'vis_data' / 'vis_image' / 'y_3.png')
    (tmp_path / 'a_file').write_text('')
    with pytest.raises(OSError):  # its folder cannot be made: a file is in the way
        vis.add_datasample('z', image(), multitask_sample(),
                           out_file=str(tmp_path / 'a_file' / 'z.png'))


def test_sample_without_tasks():
    with pytest.raises(ValueError, match='none of the tasks'):
        visualizer().draw_rows(image(), BaseDataElement(metainfo=dict(img_path='x.png')))

"""The visualisation hooks write [image | ground truth | prediction] PNGs into the work dir."""
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample

from sapiens_mm.datasets.body_part_classes import BODY_PART_PALETTE
from sapiens_mm.engine.hooks import colorize_depth, colorize_normals, colorize_parts


def make_sample(tmp_path, task, h=12, w=8):
    img_path = tmp_path / 'img_7.png'
    cv2.imwrite(str(img_path), np.full((h, w, 3), 100, np.uint8))
    s = SegDataSample(metainfo=dict(img_path=str(img_path)))
    if task == 'BodyPartVisualizationHook':
        s.gt_sem_seg = PixelData(data=torch.randint(0, 28, (1, h, w)))
        s.pred_sem_seg = PixelData(data=torch.randint(0, 28, (1, h, w)))
    elif task == 'DepthVisualizationHook':
        gt = torch.rand(1, h, w) + 1
        gt[:, :, :2] = 0
        s.gt_depth_map = PixelData(data=gt)
        s.pred_depth_map = PixelData(data=torch.rand(1, h, w))
    else:
        n = torch.nn.functional.normalize(torch.randn(3, h, w), dim=0)
        s.gt_normal_map = PixelData(data=n)
        s.pred_normal_map = PixelData(data=n)
    return s


@pytest.mark.parametrize('hook_type', ['BodyPartVisualizationHook', 'DepthVisualizationHook',
                                       'NormalVisualizationHook'])
def test_hook_writes_panels_during_val_and_test(tmp_path, hook_type):
    init_default_scope('mmseg')
    hook = HOOKS.build(dict(type=hook_type, interval=1, max_images=1))
    runner = SimpleNamespace(work_dir=str(tmp_path / 'work'))
    sample = make_sample(tmp_path, hook_type)
    hook.before_val_epoch(runner)
    hook.after_val_iter(runner, 0, outputs=[sample, sample])  # max_images=1: one picture
    hook.after_test_iter(runner, 0, outputs=[sample])  # budget spent until the next epoch
    hook.before_test_epoch(runner)
    hook.after_test_iter(runner, 0, outputs=[sample])
    pictures = sorted(p.relative_to(tmp_path / 'work') for p in (tmp_path / 'work').rglob('*.png'))
    assert [str(p) for p in pictures] == ['vis/test/img_7.png', 'vis/val/img_7.png']
    picture = cv2.imread(str(tmp_path / 'work' / pictures[0]))
    assert picture.shape == (12, 3 * 8, 3)  # image | ground truth | prediction


def test_colour_maps():
    labels = np.array([[0, 14, 255]])
    colours = colorize_parts(labels, BODY_PART_PALETTE)
    assert colours[0, 0].tolist() == [50, 50, 50] and colours[0, 1].tolist() == [0, 0, 255]
    assert colours[0, 2].tolist() == [0, 0, 0]  # ignore -> black; palette RGB -> BGR
    depth = np.array([[1.0, 2.0, 0.0]])
    coloured = colorize_depth(depth, depth > 0)
    assert coloured[0, 0].sum() > coloured[0, 1].sum()  # near is bright
    assert coloured[0, 2].tolist() == [0, 0, 0]
    normals = np.zeros((3, 1, 2))
    normals[0, 0, 0] = 1  # +x -> red
    normals[2, 0, 1] = -1  # towards the camera -> little blue
    bgr = colorize_normals(normals)
    assert bgr[0, 0].tolist() == [127, 127, 255] and bgr[0, 1].tolist() == [0, 127, 127]

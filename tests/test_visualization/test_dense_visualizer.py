"""SapiensDenseVisualizer: [image | ground truth | prediction] panels, sent to the vis backends."""
import glob
import itertools
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.registry import VISUALIZERS
from mmseg.structures import SegDataSample

from sapiens_mm.datasets.body_part_classes import BODY_PART_PALETTE
from sapiens_mm.visualization import DEPTH_BACKGROUND, SapiensDenseVisualizer

H, W = 12, 10
_names = itertools.count()


def visualizer(**kwargs):
    return SapiensDenseVisualizer(name=f'dense_test_{next(_names)}', **kwargs)


def image():
    return np.full((H, W, 3), 80, np.uint8)


def test_registered_in_mmseg():
    from mmengine.registry import init_default_scope
    init_default_scope('mmseg')
    vis = VISUALIZERS.build(dict(type='SapiensDenseVisualizer', name=f'reg_{next(_names)}'))
    assert isinstance(vis, SapiensDenseVisualizer)
    assert vis.dataset_meta['classes'][14] == 'Right_Hand'  # Goliath classes by default


def test_parts_panels_in_order():
    """Ground truth all class 14, prediction all class 5: swapping the panels would fail."""
    sample = SegDataSample(gt_sem_seg=PixelData(data=torch.full((1, H, W), 14)),
                           pred_sem_seg=PixelData(data=torch.full((1, H, W), 5)))
    vis = visualizer(alpha=1.0, with_labels=False)
    drawn = vis.add_datasample('parts', image(), sample)
    assert drawn.shape == (H, 3 * W, 3)
    assert (drawn[:, :W] == 80).all()
    assert (drawn[:, W:2 * W] == BODY_PART_PALETTE[14]).all()
    assert (drawn[:, 2 * W:] == BODY_PART_PALETTE[5]).all()
    only_pred = vis.add_datasample('parts', image(), sample, draw_gt=False)
    assert only_pred.shape == (H, 2 * W, 3) and (only_pred[:, W:] == BODY_PART_PALETTE[5]).all()


def test_parts_use_the_dataset_meta_and_write_class_names():
    labels = torch.zeros((1, 60, 80), dtype=torch.long)
    labels[:, :, 40:] = 1
    sample = SegDataSample(pred_sem_seg=PixelData(data=labels))
    vis = visualizer(alpha=1.0)
    vis.dataset_meta = dict(classes=('bg', 'person'), palette=[[0, 0, 250], [0, 250, 0]])
    labelled = vis.add_datasample('p', np.zeros((60, 80, 3), np.uint8), sample)[:, 80:]
    plain = vis.add_datasample('p', np.zeros((60, 80, 3), np.uint8), sample,
                               with_labels=False)[:, 80:]
    assert (plain[:, :40] == [0, 0, 250]).all() and (plain[:, 40:] == [0, 250, 0]).all()
    assert (labelled == 255).all(axis=2).any()  # white class-name text


def test_depth_panels_in_order_and_on_the_person():
    ramp = torch.linspace(1, 2, W).expand(1, H, W).clone()
    gt = ramp.clone()
    gt[:, :, -2:] = 0  # off the person
    sample = SegDataSample(gt_depth_map=PixelData(data=gt),
                           pred_depth_map=PixelData(data=3 - ramp))  # reversed: near right
    drawn = visualizer().add_datasample('depth', image(), sample)
    gt_pic, pred_pic = drawn[:, W:2 * W].astype(int), drawn[:, 2 * W:].astype(int)
    assert gt_pic[:, 0].sum() > gt_pic[:, W - 3].sum()  # gt near on the left
    assert pred_pic[:, W - 3].sum() > pred_pic[:, 0].sum()  # prediction near on the right
    for pic in (gt_pic, pred_pic):  # the prediction is shown on the ground-truth person
        assert (pic[:, -2:] == DEPTH_BACKGROUND).all()
        assert not (pic[:, :-2] == DEPTH_BACKGROUND).all(axis=2).any()


def test_normal_panels_in_order_and_resized_to_the_image():
    gt = torch.zeros(3, H, W)
    gt[0] = 1  # +x: red
    gt[:, :2] = 0  # off the person
    pred = torch.zeros(3, H // 2, W // 2)
    pred[0] = -1  # -x at half size: the panel is resized to the image
    sample = SegDataSample(gt_normal_map=PixelData(data=gt), pred_normal_map=PixelData(data=pred))
    drawn = visualizer().add_datasample('normal', image(), sample)
    assert drawn.shape == (H, 3 * W, 3)
    assert drawn[5, W + 3].tolist() == [254, 127, 127] and (drawn[:2, W:2 * W] == 0).all()
    assert drawn[5, 2 * W + 3].tolist() == [0, 127, 127]  # no common mask at another size


def test_sample_without_dense_fields_is_refused():
    with pytest.raises(ValueError, match='none of the fields'):
        visualizer().add_datasample('x', image(), SegDataSample())


def test_out_file_is_written_and_checked(tmp_path):
    sample = SegDataSample(pred_depth_map=PixelData(data=torch.rand(1, H, W)))
    vis = visualizer()
    drawn = vis.add_datasample('d', image(), sample, out_file=str(tmp_path / 'd.png'))
    assert np.array_equal(cv2.imread(str(tmp_path / 'd.png'))[..., ::-1], drawn)
    (tmp_path / 'dir.png').mkdir()
    with pytest.raises(OSError, match='dir.png'):  # an error naming the file
        vis.add_datasample('d', image(), sample, out_file=str(tmp_path / 'dir.png'))


def test_pictures_go_to_every_vis_backend(tmp_path):
    """LocalVisBackend and TensorboardVisBackend both receive the same picture."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    vis = visualizer(vis_backends=[dict(type='LocalVisBackend'),
                                   dict(type='TensorboardVisBackend')], save_dir=str(tmp_path))
    sample = SegDataSample(gt_depth_map=PixelData(data=torch.rand(1, H, W) + 1),
                           pred_depth_map=PixelData(data=torch.rand(1, H, W)))
    drawn = vis.add_datasample('val_x.png', image(), sample, step=7)
    vis.close()
    local = cv2.imread(str(tmp_path / 'vis_data' / 'vis_image' / 'val_x.png_7.png'))
    assert np.array_equal(local[..., ::-1], drawn)
    (event, ) = glob.glob(osp.join(tmp_path, 'vis_data', 'events.out.tfevents.*'))
    acc = EventAccumulator(event, size_guidance={'images': 0})
    acc.Reload()
    (img, ) = acc.Images('val_x.png')
    assert img.step == 7
    decoded = cv2.imdecode(np.frombuffer(img.encoded_image_string, np.uint8), cv2.IMREAD_COLOR)
    assert np.array_equal(decoded[..., ::-1], drawn)

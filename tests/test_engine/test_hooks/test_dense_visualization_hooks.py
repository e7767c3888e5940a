"""DenseVisualizationHook: val/test samples through the runner's visualizer, with a budget."""
import itertools
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import HOOKS, VISUALIZERS
from mmseg.structures import SegDataSample

from sapiens_mm.datasets.body_part_classes import BODY_PART_PALETTE

_names = itertools.count()
H, W = 12, 8


class RunnerWithoutTrainLoop(SimpleNamespace):
    """A runner of a test-only run: ``iter`` would build the train loop (and its data)."""

    @property
    def iter(self):
        raise AssertionError('runner.iter built the train loop')


def make_sample(tmp_path, name='img_7.png'):
    img_path = tmp_path / name
    cv2.imwrite(str(img_path), np.full((H, W, 3), 100, np.uint8))
    return SegDataSample(metainfo=dict(img_path=str(img_path)),
                         gt_sem_seg=PixelData(data=torch.full((1, H, W), 3)),
                         pred_sem_seg=PixelData(data=torch.full((1, H, W), 14)))


def build(tmp_path, **hook_args):
    init_default_scope('mmseg')
    VISUALIZERS.build(dict(type='SapiensDenseVisualizer', name=f'hook_test_{next(_names)}',
                           vis_backends=[dict(type='LocalVisBackend')], alpha=1.0,
                           with_labels=False, save_dir=str(tmp_path / 'logs')))
    return HOOKS.build(dict(type='DenseVisualizationHook', draw=True, interval=1, **hook_args))


def test_budget_per_evaluation_and_vis_backend_files(tmp_path):
    hook = build(tmp_path, max_images=1)
    runner = RunnerWithoutTrainLoop(work_dir=str(tmp_path / 'work'), timestamp='t',
                                    _train_loop=None)
    sample = make_sample(tmp_path)
    hook.before_val_epoch(runner)
    hook.after_val_iter(runner, 0, None, [sample, sample])  # max_images=1: one picture
    hook.after_test_iter(runner, 0, None, [sample])  # budget spent until the next epoch
    hook.before_test_epoch(runner)
    hook.after_test_iter(runner, 0, None, [sample])
    folder = tmp_path / 'logs' / 'vis_data' / 'vis_image'
    pictures = sorted(p.name for p in folder.glob('*.png'))
    assert pictures == ['test_img_7.png_2.png', 'val_img_7.png_1.png']
    picture = cv2.imread(str(folder / pictures[0]))[..., ::-1]
    assert picture.shape == (H, 3 * W, 3)  # image | ground truth | prediction
    assert (picture[:, W:2 * W] == BODY_PART_PALETTE[3]).all()
    assert (picture[:, 2 * W:] == BODY_PART_PALETTE[14]).all()


def test_out_dir_files_and_interval(tmp_path):
    hook = build(tmp_path, out_dir='pics', max_images=None)
    hook.interval = 2
    runner = RunnerWithoutTrainLoop(work_dir=str(tmp_path / 'work'), timestamp='t',
                                    _train_loop=None)
    hook.before_test_epoch(runner)
    for i in range(4):
        hook.after_test_iter(runner, i, None, [make_sample(tmp_path, f'{i}.jpg')])
    folder = tmp_path / 'work' / 't' / 'pics' / 'test'
    assert sorted(p.name for p in folder.iterdir()) == ['1.png', '3.png']  # every 2nd batch
    assert not (tmp_path / 'logs' / 'vis_data' / 'vis_image').exists()  # files, not backends


def test_training_run_names_pictures_by_iteration(tmp_path):
    from mmengine.runner import BaseLoop

    class Loop(BaseLoop):
        def __init__(self):
            self.iter = 40

        def run(self):
            pass

    hook = build(tmp_path, out_dir=str(tmp_path / 'abs'))
    runner = SimpleNamespace(work_dir=str(tmp_path / 'work'), timestamp='t', _train_loop=Loop())
    hook.before_val_epoch(runner)
    hook.after_val_iter(runner, 0, None, [make_sample(tmp_path)])
    assert (tmp_path / 'abs' / 'val_iter_40' / 'img_7.png').is_file()  # absolute out_dir


def test_undecodable_image_is_an_error(tmp_path):
    hook = build(tmp_path)
    sample = make_sample(tmp_path)
    (tmp_path / 'img_7.png').write_bytes(b'not a png')
    runner = RunnerWithoutTrainLoop(work_dir=str(tmp_path), timestamp='t', _train_loop=None)
    with pytest.raises(ValueError, match='cannot decode image .*img_7.png'):
        hook.after_test_iter(runner, 0, None, [sample])


def test_off_by_default_and_budget_checked(tmp_path):
    init_default_scope('mmseg')
    VISUALIZERS.build(dict(type='SapiensDenseVisualizer', name=f'hook_test_{next(_names)}'))
    hook = HOOKS.build(dict(type='DenseVisualizationHook'))
    runner = RunnerWithoutTrainLoop(work_dir=str(tmp_path), timestamp='t', _train_loop=None)
    hook.after_test_iter(runner, 0, None, [make_sample(tmp_path)])
    assert not any(tmp_path.rglob('*.png.png')) and hook._drawn == 0
    with pytest.raises(ValueError, match='max_images'):
        HOOKS.build(dict(type='DenseVisualizationHook', max_images=-1))

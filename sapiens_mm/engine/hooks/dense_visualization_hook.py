"""The visualisation hook of the dense tasks (body parts, depth, normals)."""
import os.path as osp
from typing import Optional, Sequence

import mmcv
import mmengine
import mmengine.fileio as fileio
from mmengine.runner import BaseLoop
from mmseg.engine.hooks import SegVisualizationHook

from sapiens_mm.registry import HOOKS

__all__ = ['DenseVisualizationHook']


@HOOKS.register_module()
class DenseVisualizationHook(SegVisualizationHook):
    """mmseg's ``SegVisualizationHook`` for the dense tasks, with a picture budget and
    ``out_dir``.

    Every ``interval``-th val/test iteration each sample of the batch, up to ``max_images`` per
    evaluation, goes to the runner's visualizer (``SapiensDenseVisualizer`` in the dense
    configs: one ``[image | ground truth | prediction]`` picture) under the name
    ``{val|test}_{image file name}``: to every configured vis backend (``LocalVisBackend``:
    ``{work_dir}/{timestamp}/vis_data/vis_image/{name}_{step}.png``; TensorBoard, W&B ...), or,
    with ``out_dir``, only as files ``{out_dir}/{val|test}[_iter_{N}]/{image stem}.png``
    (``out_dir`` relative to ``{work_dir}/{timestamp}``, as in mmpose's
    ``PoseVisualizationHook``; ``tools/test.py --show-dir`` sets an absolute one). The step is
    the training iteration, or the test sample index in a test-only run.

    What upstream (mmseg 1.2) gets wrong, and this class works around: its hook passes
    ``step=runner.iter``, and in a test-only run ``runner.iter`` builds the train loop and its
    dataset (failing when the training data is absent); it has no budget, so ``interval=1``
    writes every validation image of every evaluation.

    Args:
        draw (bool): draw at all. Defaults to False (as upstream; the dense configs set True).
        interval (int): draw every ``interval``-th val/test iteration. Defaults to 50.
        max_images (int, optional): pictures per evaluation at most (val and test alike; None:
            no limit). Defaults to 16.
        out_dir (str, optional): write files there instead of sending to the vis backends.
        show, wait_time, backend_args: as upstream.
    """

    def __init__(self, draw: bool = False, interval: int = 50, max_images: Optional[int] = 16,
                 out_dir: Optional[str] = None, show: bool = False, wait_time: float = 0.,
                 backend_args: Optional[dict] = None):
        super().__init__(draw=draw, interval=interval, show=show, wait_time=wait_time,
                         backend_args=backend_args)
        if max_images is not None and max_images < 0:
            raise ValueError(f'DenseVisualizationHook: max_images must be >= 0, got {max_images}')
        self.max_images = max_images
        self.out_dir = out_dir
        self._drawn = 0
        self._test_index = 0

    def before_val_epoch(self, runner) -> None:
        self._drawn = 0

    def before_test_epoch(self, runner) -> None:
        self._drawn = 0

    def _tag(self, runner, mode: str) -> str:
        """``mode`` plus the training iteration, without building a train loop."""
        train_loop = getattr(runner, '_train_loop', None)
        return f'{mode}_iter_{train_loop.iter}' if isinstance(train_loop, BaseLoop) else mode

    def _after_iter(self, runner, batch_idx: int, data_batch: dict, outputs: Sequence,
                    mode: str = 'val') -> None:
        if self.draw is False or mode == 'train' or not outputs:
            return
        if not self.every_n_inner_iters(batch_idx, self.interval):
            return
        train_loop = getattr(runner, '_train_loop', None)
        folder = None
        if self.out_dir is not None:
            folder = osp.join(runner.work_dir, runner.timestamp, self.out_dir,
                              self._tag(runner, mode))
            mmengine.mkdir_or_exist(folder)
        for output in outputs:
            if self.max_images is not None and self._drawn >= self.max_images:
                return
            self._test_index += 1
            img_path = output.img_path
            # decoded as BGR first: mmcv's channel_order='rgb' fails inside cvtColor, without
            # the file name, on an undecodable file
            img = mmcv.imfrombytes(fileio.get(img_path, backend_args=self.backend_args))
            if img is None:
                raise ValueError(f'DenseVisualizationHook: cannot decode image {img_path}')
            img = mmcv.bgr2rgb(img)
            step = train_loop.iter if isinstance(train_loop, BaseLoop) else self._test_index
            out_file = None if folder is None else \
                osp.join(folder, osp.splitext(osp.basename(img_path))[0] + '.png')
            self._visualizer.add_datasample(
                f'{mode}_{osp.basename(img_path)}', img, data_sample=output, show=self.show,
                wait_time=self.wait_time, out_file=out_file, step=step)
            self._drawn += 1

"""Base of the hooks that write dense predictions as PNG panels during validation and test.

Every ``interval``-th val/test iteration, each sample of the batch is written to
``{work_dir}/{out_dir}/val_iter_{N}/{image name}.png`` (``.../test/...`` in a test-only
run; ``test_iter_{N}`` when testing after training) as one picture:
``[input image | ground truth | prediction]`` side by side at the original image size (the
ground-truth panel is left out when the sample has none). At most ``max_images`` pictures are
written per evaluation. The pictures are plain files, independent of the visualizer backends.
"""
import os
import os.path as osp
from typing import List, Optional, Sequence

import cv2
import numpy as np
from mmengine.hooks import Hook
from mmengine.runner import BaseLoop

__all__ = ['DenseVisualizationHook', 'fit_panel']


def fit_panel(panel: np.ndarray, hw) -> np.ndarray:
    """``panel`` (H', W', 3) uint8 resized (nearest) to ``hw`` if it differs."""
    if panel.shape[:2] != tuple(hw):
        panel = cv2.resize(panel, (hw[1], hw[0]), interpolation=cv2.INTER_NEAREST)
    return panel


class DenseVisualizationHook(Hook):
    """Write ``[image | ground truth | prediction]`` PNGs of val/test samples.

    Subclasses implement :meth:`render_gt` and :meth:`render_pred`.

    Args:
        interval (int): visualise every ``interval``-th val/test iteration. Defaults to 1.
        max_images (int): pictures per evaluation at most. Defaults to 16.
        out_dir (str): folder under the work dir. Defaults to ``'vis'``.
    """
    priority = 'NORMAL'

    def __init__(self, interval: int = 1, max_images: int = 16, out_dir: str = 'vis'):
        self.interval = interval
        self.max_images = max_images
        self.out_dir = out_dir
        self._written = 0

    # -------------------------------------------------------------- to implement
    def render_gt(self, sample, image: np.ndarray, runner) -> Optional[np.ndarray]:
        """(H, W, 3) uint8 BGR picture of the ground truth, or None if there is none."""
        raise NotImplementedError

    def render_pred(self, sample, image: np.ndarray, runner,
                    gt_mask: Optional[np.ndarray]) -> np.ndarray:
        """(H, W, 3) uint8 BGR picture of the prediction (``gt_mask``: person pixels, if
        known from the ground truth)."""
        raise NotImplementedError

    def gt_mask(self, sample) -> Optional[np.ndarray]:
        """Boolean (H, W) person mask from the ground truth, if the sample has one."""
        return None

    # -------------------------------------------------------------- hook points
    def before_val_epoch(self, runner) -> None:
        self._written = 0

    def before_test_epoch(self, runner) -> None:
        self._written = 0

    def after_val_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self._visualise(runner, batch_idx, outputs, 'val')

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self._visualise(runner, batch_idx, outputs, 'test')

    def _visualise(self, runner, batch_idx: int, outputs: Sequence, mode: str) -> None:
        if not outputs or not self.every_n_inner_iters(batch_idx, self.interval):
            return
        # runner.iter would build the train loop (and its dataset) in a test-only run
        train_loop = getattr(runner, '_train_loop', None)
        tag = f'{mode}_iter_{train_loop.iter}' if isinstance(train_loop, BaseLoop) else mode
        folder = osp.join(runner.work_dir, self.out_dir, tag)
        for sample in outputs:
            if self._written >= self.max_images:
                return
            image = cv2.imread(sample.img_path, cv2.IMREAD_COLOR)
            if image is None:
                raise ValueError(f'{type(self).__name__}: cannot read image {sample.img_path}')
            panels: List[np.ndarray] = [image]
            gt = self.render_gt(sample, image, runner)
            if gt is not None:
                panels.append(fit_panel(gt, image.shape[:2]))
            pred = self.render_pred(sample, image, runner, self.gt_mask(sample))
            panels.append(fit_panel(pred, image.shape[:2]))
            os.makedirs(folder, exist_ok=True)
            name = osp.splitext(osp.basename(sample.img_path))[0] + '.png'
            cv2.imwrite(osp.join(folder, name), np.concatenate(panels, axis=1))
            self._written += 1

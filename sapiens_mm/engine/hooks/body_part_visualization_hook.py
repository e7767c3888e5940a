"""Body-part maps as PNG panels during validation (palette of the dataset)."""
from typing import Optional, Sequence

import numpy as np

from sapiens_mm.datasets.body_part_classes import BODY_PART_PALETTE
from sapiens_mm.registry import register_mmseg_hook
from .dense_visualization_hook import DenseVisualizationHook

__all__ = ['BodyPartVisualizationHook', 'colorize_parts']


def colorize_parts(labels: np.ndarray, palette: Sequence[Sequence[int]],
                   image: Optional[np.ndarray] = None, alpha: float = 0.6) -> np.ndarray:
    """(H, W) class indices -> (H, W, 3) uint8 BGR; ignored/unknown labels are black.

    With ``image`` (BGR, same size) the colours are blended over it with weight ``alpha``.
    """
    lut = np.zeros((256, 3), np.uint8)
    lut[:len(palette)] = np.asarray(palette, np.uint8)[:, ::-1]  # RGB palette -> BGR
    colour = lut[labels.astype(np.uint8)]
    if image is None:
        return colour
    return (alpha * colour + (1 - alpha) * image).astype(np.uint8)


@register_mmseg_hook
class BodyPartVisualizationHook(DenseVisualizationHook):
    """Write ``[image | ground-truth parts | predicted parts]`` PNGs (``pred_sem_seg``).

    The palette is the evaluated dataset's (``metainfo['palette']``), else the 28-class one.

    Args: see :class:`DenseVisualizationHook`, plus ``alpha`` (blend weight of the colours
        over the image, default 0.6).
    """

    def __init__(self, *args, alpha: float = 0.6, **kwargs):
        super().__init__(*args, **kwargs)
        self.alpha = alpha

    @staticmethod
    def _palette(runner):
        for loop in ('val_loop', 'test_loop'):
            try:
                palette = getattr(runner, loop).dataloader.dataset.metainfo.get('palette')
            except Exception:  # loop not built in this run
                continue
            if palette:
                return palette
        return BODY_PART_PALETTE

    def render_gt(self, sample, image, runner):
        if 'gt_sem_seg' not in sample:
            return None
        return colorize_parts(sample.gt_sem_seg.data[0].cpu().numpy(), self._palette(runner),
                              image, self.alpha)

    def render_pred(self, sample, image, runner, gt_mask):
        return colorize_parts(sample.pred_sem_seg.data[0].cpu().numpy(),
                              self._palette(runner), image, self.alpha)

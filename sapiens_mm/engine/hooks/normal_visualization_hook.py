"""Surface-normal colour maps as PNG panels during validation."""
from typing import Optional

import numpy as np

from sapiens_mm.registry import register_mmseg_hook
from .dense_visualization_hook import DenseVisualizationHook

__all__ = ['NormalVisualizationHook', 'colorize_normals']


def colorize_normals(normals: np.ndarray, mask: Optional[np.ndarray] = None) -> np.ndarray:
    """(3, H, W) normals (OpenCV frame) -> (H, W, 3) uint8 BGR.

    The usual encoding ``RGB = (n / |n| + 1) / 2 * 255`` (x -> red, y -> green, z -> blue);
    pixels off ``mask`` (default: all) are black.
    """
    n = normals.astype(np.float32)
    n = n / np.maximum(np.linalg.norm(n, axis=0, keepdims=True), 1e-6)
    rgb = ((n.transpose(1, 2, 0) + 1) / 2 * 255).clip(0, 255).astype(np.uint8)
    out = rgb[..., ::-1].copy()
    if mask is not None:
        out[~mask] = 0
    return out


@register_mmseg_hook
class NormalVisualizationHook(DenseVisualizationHook):
    """Write ``[image | ground-truth normals | predicted normals]`` PNGs.

    Ground truth: ``gt_normal_map`` on its person pixels (|n| > 0.5). Prediction:
    ``pred_normal_map`` on the ground-truth person pixels, or everywhere without ground truth.

    Args: see :class:`DenseVisualizationHook`.
    """

    def gt_mask(self, sample):
        if 'gt_normal_map' not in sample:
            return None
        return np.linalg.norm(sample.gt_normal_map.data.cpu().numpy(), axis=0) > 0.5

    def render_gt(self, sample, image, runner):
        mask = self.gt_mask(sample)
        if mask is None:
            return None
        return colorize_normals(sample.gt_normal_map.data.cpu().numpy(), mask)

    def render_pred(self, sample, image, runner, gt_mask):
        pred = sample.pred_normal_map.data.cpu().numpy()
        if gt_mask is not None and gt_mask.shape != pred.shape[1:]:
            gt_mask = None
        return colorize_normals(pred, gt_mask)

"""Depth colour maps as PNG panels during validation."""
from typing import Optional

import cv2
import numpy as np

from sapiens_mm.registry import register_mmseg_hook
from .dense_visualization_hook import DenseVisualizationHook

__all__ = ['DepthVisualizationHook', 'colorize_depth']


def colorize_depth(depth: np.ndarray, mask: Optional[np.ndarray] = None) -> np.ndarray:
    """(H, W) depth -> (H, W, 3) uint8 BGR, INFERNO colours, near = bright.

    The values on ``mask`` (default: all pixels) are min-max normalised per image (so metres
    and relative depth look alike); pixels off the mask are black.
    """
    depth = depth.astype(np.float32)
    mask = np.ones(depth.shape, bool) if mask is None else mask & np.isfinite(depth)
    out = np.zeros(depth.shape + (3, ), np.uint8)
    if not mask.any():
        return out
    near, far = depth[mask].min(), depth[mask].max()
    scaled = (far - depth) / (far - near) if far > near else np.ones_like(depth)
    coloured = cv2.applyColorMap((np.clip(scaled, 0, 1) * 255).astype(np.uint8),
                                 cv2.COLORMAP_INFERNO)
    out[mask] = coloured[mask]
    return out


@register_mmseg_hook
class DepthVisualizationHook(DenseVisualizationHook):
    """Write ``[image | ground-truth depth | predicted depth]`` PNGs.

    Ground truth: ``gt_depth_map`` on its person pixels (> 0). Prediction:
    ``pred_depth_map`` on the ground-truth person pixels, or everywhere without ground truth.

    Args: see :class:`DenseVisualizationHook`.
    """

    def gt_mask(self, sample):
        if 'gt_depth_map' not in sample:
            return None
        return sample.gt_depth_map.data[0].cpu().numpy() > 0

    def render_gt(self, sample, image, runner):
        mask = self.gt_mask(sample)
        if mask is None:
            return None
        return colorize_depth(sample.gt_depth_map.data[0].cpu().numpy(), mask)

    def render_pred(self, sample, image, runner, gt_mask):
        pred = sample.pred_depth_map.data[0].cpu().numpy()
        if gt_mask is not None and gt_mask.shape != pred.shape:
            gt_mask = None
        return colorize_depth(pred, gt_mask)

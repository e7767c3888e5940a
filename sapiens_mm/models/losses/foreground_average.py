"""Averaging a per-pixel loss over the person (foreground) pixels of normal maps."""
from typing import Callable, Optional

from torch import Tensor

from sapiens_mm.utils.masks import normal_foreground

__all__ = ['foreground_average']


def foreground_average(per_pixel: Callable[[Tensor, Tensor], Tensor], pred: Tensor,
                       target: Tensor, valid_mask: Optional[Tensor] = None) -> Tensor:
    """Mean of ``per_pixel(pred, target)`` (B, H, W) over the valid pixels.

    Args:
        pred, target: (B, 3, H, W) normal maps; background targets are zero vectors.
        valid_mask: (B, H, W) bool; defaults to the person pixels of the target
            (:func:`~sapiens_mm.utils.masks.normal_foreground`).
    Returns:
        scalar tensor; ``0 * pred.sum()`` (keeping the graph) when no pixel is valid.
    """
    if pred.shape != target.shape:
        raise ValueError(f'pred {tuple(pred.shape)} and target {tuple(target.shape)} differ')
    if valid_mask is None:
        valid_mask = normal_foreground(target, axis=1)
    valid = valid_mask.to(pred.dtype)
    count = valid.sum()
    if count == 0:
        return pred.sum() * 0
    return (per_pixel(pred, target) * valid).sum() / count

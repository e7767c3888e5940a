"""The person (foreground) mask of a surface-normal map, one rule for the whole package.

A ground-truth normal map holds unit vectors on the person and zero vectors elsewhere
(``HumanNormalDataset``, ``LoadHumanNormal``). Bilinear resizing and rotation blend the two at
the silhouette, so a pixel is taken as the person when its vector is longer than
:data:`NORMAL_FOREGROUND_MIN_NORM` = 0.5, halfway between the two. The transforms, the normal
head and losses, the metric and the visualizer all call :func:`normal_foreground`.
"""
from typing import TypeVar

import numpy as np

__all__ = ['NORMAL_FOREGROUND_MIN_NORM', 'normal_foreground']

#: Length above which a normal-map vector counts as the person (unit on the person, 0 off it).
NORMAL_FOREGROUND_MIN_NORM = 0.5

Array = TypeVar('Array')


def normal_foreground(normals: Array, axis: int) -> Array:
    """Boolean person mask of a normal map: ``|n| > NORMAL_FOREGROUND_MIN_NORM``.

    Args:
        normals: ``np.ndarray`` or ``torch.Tensor`` of normal vectors (unitless) whose
            3 components lie along ``axis``: -1 for (H, W, 3) maps of the data pipeline,
            0 for (3, H, W) maps of a data sample, 1 for (B, 3, H, W) batches.
    Returns:
        the mask, same type, with ``axis`` removed.
    """
    if isinstance(normals, np.ndarray):
        return np.linalg.norm(normals, axis=axis) > NORMAL_FOREGROUND_MIN_NORM
    return normals.norm(dim=axis) > NORMAL_FOREGROUND_MIN_NORM

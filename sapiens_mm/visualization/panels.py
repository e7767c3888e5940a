"""Pictures of inference results: part overlay, depth and normal colour maps, side-by-side panel.

The colourings are those of the validation hooks (:mod:`sapiens_mm.engine.hooks`), so a
picture written at inference looks like one written while training.
"""
from typing import Optional, Sequence

import cv2
import numpy as np

from sapiens_mm.datasets.body_part_classes import BODY_PART_PALETTE
from sapiens_mm.engine.hooks import colorize_depth, colorize_normals, colorize_parts

__all__ = ['draw_parts', 'draw_depth', 'draw_normals', 'side_by_side']


def draw_parts(img: np.ndarray, labels: np.ndarray,
               palette: Sequence[Sequence[int]] = BODY_PART_PALETTE,
               alpha: float = 0.6) -> np.ndarray:
    """(H, W, 3) BGR image with the (H, W) class map blended over it (RGB ``palette``)."""
    return colorize_parts(labels, palette, img, alpha)


def draw_depth(depth: np.ndarray, mask: Optional[np.ndarray] = None) -> np.ndarray:
    """(H, W) relative depth -> INFERNO BGR picture (near = bright), black off ``mask``."""
    return colorize_depth(depth, mask)


def draw_normals(normals: np.ndarray, mask: Optional[np.ndarray] = None) -> np.ndarray:
    """(H, W, 3) unit normals (OpenCV frame) -> BGR picture, black off ``mask``."""
    return colorize_normals(np.ascontiguousarray(normals.transpose(2, 0, 1)), mask)


def side_by_side(panels: Sequence[np.ndarray], height: Optional[int] = None) -> np.ndarray:
    """Pictures (H_i, W_i, 3) uint8 scaled to one height (default: the first's) and joined
    left to right."""
    height = height or panels[0].shape[0]
    out = []
    for p in panels:
        if p.shape[0] != height:
            w = max(1, round(p.shape[1] * height / p.shape[0]))
            p = cv2.resize(p, (w, height), interpolation=cv2.INTER_AREA)
        out.append(p)
    return np.concatenate(out, axis=1)

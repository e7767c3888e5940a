"""Joining pictures side by side into one panel."""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

__all__ = ['side_by_side']

_INTERPOLATION = dict(nearest=cv2.INTER_NEAREST, area=cv2.INTER_AREA,
                      bilinear=cv2.INTER_LINEAR)


def side_by_side(panels: Sequence[np.ndarray], height: Optional[int] = None,
                 size: Optional[Tuple[int, int]] = None,
                 interpolation: str = 'area') -> np.ndarray:
    """Pictures (H_i, W_i, 3) uint8 joined left to right.

    With ``size`` = (H, W) every picture is resized to exactly that size (a prediction at the
    model's output size next to the image it was made from); otherwise each is scaled to one
    height (``height``, default: the first picture's), keeping its aspect ratio.
    ``interpolation``: 'area' (default), 'nearest' (label maps) or 'bilinear'.
    """
    if not panels:
        raise ValueError('side_by_side: no pictures to join')
    flag = _INTERPOLATION[interpolation]
    out = []
    for p in panels:
        if size is not None:
            hw = tuple(size)
        else:
            h = height or panels[0].shape[0]
            hw = (h, max(1, round(p.shape[1] * h / p.shape[0])))
        if p.shape[:2] != hw:
            p = cv2.resize(p, (hw[1], hw[0]), interpolation=flag)
        out.append(p)
    return np.concatenate(out, axis=1)

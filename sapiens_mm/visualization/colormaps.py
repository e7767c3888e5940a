"""Colour maps of the dense tasks: body-part labels, person depth, surface normals.

All three return (H, W, 3) uint8 **RGB** pictures (the channel order of mmengine's
visualizers and vis backends; reverse the last axis for OpenCV). They follow the release's
demo scripts:

* parts: the palette of the 28 Goliath classes (``lite/demo/classes_and_palettes.py``);
* depth: ``lite/demo/vis_depth.py`` - the depth is min-max normalised over the person's own
  pixels (so metres and relative depth look alike), inverted (near = bright) and coloured with
  OpenCV's INFERNO map; pixels off the person are grey (100, 100, 100);
* normals: ``lite/demo/vis_normal.py`` - ``n / (|n| + 1e-5)``, then ``(n + 1) / 2 * 255`` with
  x -> red, y -> green, z -> blue (OpenCV camera frame: x right, y down, z forward); pixels off
  the person are black (the release sets them to -1).
"""
from typing import Optional, Sequence

import cv2
import numpy as np

__all__ = ['colorize_parts', 'colorize_depth', 'colorize_normals', 'DEPTH_BACKGROUND']

#: RGB of the pixels off the person in a depth picture (``vis_depth.py``).
DEPTH_BACKGROUND = (100, 100, 100)


def colorize_parts(labels: np.ndarray, palette: Sequence[Sequence[int]],
                   image: Optional[np.ndarray] = None, alpha: float = 0.6) -> np.ndarray:
    """(H, W) class indices -> (H, W, 3) uint8 RGB in the RGB ``palette``.

    Labels without a palette entry (the ignore index 255) are black. With ``image``
    ((H, W, 3) uint8 RGB) the colours are blended over it: ``alpha * colour + (1 - alpha) *
    image``.
    """
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(f'colorize_parts: labels must be (H, W), got shape {labels.shape}')
    lut = np.zeros((256, 3), np.uint8)
    lut[:len(palette)] = np.asarray(palette, np.uint8).reshape(-1, 3)
    colour = lut[np.clip(labels, 0, 255).astype(np.uint8)]
    if image is None:
        return colour
    if image.shape[:2] != labels.shape:
        raise ValueError(f'colorize_parts: image {image.shape[:2]} and labels {labels.shape} '
                         'differ in size')
    return (alpha * colour + (1 - alpha) * image).astype(np.uint8)


def colorize_depth(depth: np.ndarray, mask: Optional[np.ndarray] = None) -> np.ndarray:
    """(H, W) depth (any unit, larger = farther) -> (H, W, 3) uint8 RGB.

    Near and far are the smallest and largest finite depth on ``mask`` (default: every pixel);
    the nearest pixel is brightest. Pixels off the mask are :data:`DEPTH_BACKGROUND`.
    """
    depth = np.asarray(depth, np.float32)
    if depth.ndim != 2:
        raise ValueError(f'colorize_depth: depth must be (H, W), got shape {depth.shape}')
    mask = np.ones(depth.shape, bool) if mask is None else np.asarray(mask, bool)
    mask = mask & np.isfinite(depth)
    out = np.empty(depth.shape + (3, ), np.uint8)
    out[:] = DEPTH_BACKGROUND
    if not mask.any():
        return out
    near, far = depth[mask].min(), depth[mask].max()
    inverted = 1 - (depth[mask] - near) / (far - near) if far > near else \
        np.ones(int(mask.sum()), np.float32)
    coloured = cv2.applyColorMap((inverted * 255).astype(np.uint8).reshape(-1, 1),
                                 cv2.COLORMAP_INFERNO).reshape(-1, 3)
    out[mask] = coloured[:, ::-1]  # OpenCV colour maps are BGR
    return out


def colorize_normals(normals: np.ndarray, mask: Optional[np.ndarray] = None) -> np.ndarray:
    """(H, W, 3) normals (x, y, z; OpenCV frame) -> (H, W, 3) uint8 RGB.

    ``RGB = (n / (|n| + 1e-5) + 1) / 2 * 255``: +x is red, +y green, +z (away from the camera)
    blue. Pixels off ``mask`` (default: none) are black.
    """
    n = np.asarray(normals, np.float32)
    if n.ndim != 3 or n.shape[2] != 3:
        raise ValueError(f'colorize_normals: normals must be (H, W, 3), got shape {n.shape}')
    n = n / (np.linalg.norm(n, axis=2, keepdims=True) + 1e-5)
    rgb = ((n + 1) / 2 * 255).clip(0, 255).astype(np.uint8)
    if mask is not None:
        rgb[~np.asarray(mask, bool)] = 0
    return rgb

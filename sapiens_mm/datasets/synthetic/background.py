"""Random textured backgrounds (RGB uint8): a floor/wall split, gradients, stripes, clutter.

Ideas as in :mod:`sapiens_mm.datasets.procedural_images`, with more structure so that a model
cannot find people just by "anything that is not smooth": rectangles, ellipses and line clutter
in random colours, a tiled or striped floor below a random horizon, sensor noise. All float32
(this runs once per image and is a visible share of the generator's time).
"""
from functools import lru_cache
from typing import Tuple

import cv2
import numpy as np

__all__ = ['make_background']


@lru_cache(maxsize=4)
def _grid(h: int, w: int):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    return yy, xx


def _colour(rng) -> np.ndarray:
    return rng.uniform(0, 255, 3).astype(np.float32)


def make_background(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    """One (H, W, 3) uint8 RGB background for ``size`` = (H, W) pixels."""
    h, w = size
    yy, xx = _grid(h, w)
    angle = rng.uniform(0, np.pi)
    t = (np.float32(np.cos(angle) / w) * xx + np.float32(np.sin(angle) / h) * yy + 1) * 0.5
    c0, c1 = _colour(rng), _colour(rng)
    img = c0 + t[..., None] * (c1 - c0)
    if rng.random() < 0.6:  # wall texture: soft stripes
        period = rng.uniform(4, 60)
        a2 = rng.uniform(0, np.pi)
        phase = np.float32(2 * np.pi * np.cos(a2) / period) * xx + \
            np.float32(2 * np.pi * np.sin(a2) / period) * yy
        img += np.float32(rng.uniform(5, 35)) * np.sin(phase)[..., None]
    if rng.random() < 0.7:  # floor below a horizon, tiled or plain, with perspective rows
        top = int(rng.uniform(0.3, 0.8) * h)
        floor_y, floor_x = yy[top:] - (top - 1), xx[top:]  # rows below the horizon, depth > 0
        floor = np.broadcast_to(_colour(rng), floor_y.shape + (3,))
        if rng.random() < 0.6:
            u = np.floor((floor_x - w / 2) / floor_y * np.float32(rng.uniform(5, 20)))
            v = np.floor(np.float32(rng.uniform(50, 300)) / floor_y)
            floor = floor * (1 - np.float32(0.35) * ((u + v) % 2))[..., None]
        img[top:] = floor
    img = np.ascontiguousarray(img)
    for _ in range(rng.integers(2, 9)):  # clutter
        col = _colour(rng).tolist()
        kind = rng.integers(3)
        if kind == 0:
            p0 = (int(rng.uniform(-0.2, 1) * w), int(rng.uniform(-0.2, 1) * h))
            p1 = (p0[0] + int(rng.uniform(0.05, 0.5) * w), p0[1] + int(rng.uniform(0.05, 0.6) * h))
            cv2.rectangle(img, p0, p1, col, -1)
        elif kind == 1:
            centre = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
            axes = (int(rng.uniform(0.03, 0.3) * w) + 1, int(rng.uniform(0.03, 0.3) * h) + 1)
            cv2.ellipse(img, centre, axes, float(rng.uniform(0, 180)), 0, 360, col, -1)
        else:
            p0 = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
            p1 = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
            cv2.line(img, p0, p1, col, int(rng.integers(1, 5)))
    if rng.random() < 0.5:
        k = int(rng.choice([3, 5]))
        img = cv2.GaussianBlur(img, (k, k), 0)
    noise = rng.standard_normal((h, w, 3), dtype=np.float32)
    img += np.float32(rng.uniform(1, 6)) * noise + np.float32(0.5)
    return np.clip(img, 0, 255).astype(np.uint8)

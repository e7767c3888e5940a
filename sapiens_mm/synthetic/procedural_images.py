"""Procedural RGB images for the built-in MAE demo: textured backgrounds with person-like blobs.

Deterministic for a seed, numpy + OpenCV only. They give MAE something with structure to
reconstruct (gradients, stripes, shaded ellipses); they carry no labels.
"""
import os
from typing import Tuple

import cv2
import numpy as np

__all__ = ['make_procedural_image', 'write_procedural_images']


def make_procedural_image(rng: np.random.Generator,
                          size: Tuple[int, int] = (256, 192)) -> np.ndarray:
    """One image, (H, W, 3) uint8 BGR, for ``size`` = (H, W) in pixels."""
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    c0, c1 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    angle = rng.uniform(0, np.pi)
    t = (np.cos(angle) * xx / w + np.sin(angle) * yy / h + 1) / 2
    img = (1 - t)[..., None] * c0 + t[..., None] * c1
    period = rng.uniform(6, 40)
    img += 20 * np.sin(2 * np.pi * (xx * np.cos(angle + 1) + yy * np.sin(angle + 1))
                       / period)[..., None]
    for _ in range(rng.integers(1, 4)):  # a body-like stack of shaded ellipses per figure
        cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.3, 0.7) * h
        scale = rng.uniform(0.15, 0.35) * h
        colour = rng.uniform(0, 255, 3)
        for dy, ax, ay in ((-1.1, 0.18, 0.2), (-0.3, 0.3, 0.55), (0.75, 0.22, 0.6)):
            centre = (int(cx), int(cy + dy * scale))
            axes = (max(1, int(ax * scale)), max(1, int(ay * scale)))
            shade = colour * rng.uniform(0.6, 1.0)
            cv2.ellipse(img, centre, axes, rng.uniform(-20, 20), 0, 360, shade.tolist(), -1)
    img += rng.normal(0, 4, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def write_procedural_images(out_dir: str, num: int, seed: int = 0,
                            size: Tuple[int, int] = (256, 192)) -> list:
    """Write ``num`` PNGs named ``img_00000.png`` ... into ``out_dir``; returns their paths."""
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(num):
        path = os.path.join(out_dir, f'img_{i:05d}.png')
        if not cv2.imwrite(path, make_procedural_image(rng, size)):
            raise OSError(f'{path}: could not write image')
        paths.append(path)
    return paths

"""Random textured backgrounds (RGB uint8): a floor/wall split, gradients, stripes, clutter.

Ideas as in :mod:`sapiens_mm.synthetic.procedural_images`, with more structure so that a model
cannot find people just by "anything that is not smooth": rectangles, ellipses and line clutter
in random colours, a tiled or plain floor, sensor noise. All float32 (this runs once per image
and is a visible share of the generator's time).

With a ``camera`` the floor is the ground plane the people stand on (world y = 0), seen through
that camera: its horizon, tile perspective and haze follow the camera's height, pitch and roll,
as in a photograph, so the picture carries the cue to whether the head or the feet are nearer
the camera (the tiny demo model does not learn to read it in 1000 iterations; the demo narrows
the pitch instead, see ``tools/run_demo.sh``). Without a camera (or with the camera below the
ground) the floor is a flat band below a random horizon.
"""
import os
import os.path as osp
from functools import lru_cache
from typing import List, Optional, Tuple

import cv2
import numpy as np
from mmengine.utils import ProgressBar

from sapiens_mm.utils.fileio import atomic_write_text
from sapiens_mm.utils.run_dirs import earlier_listed, remove_unlisted

__all__ = ['make_background', 'write_synthetic_backgrounds']


@lru_cache(maxsize=4)
def _grid(h: int, w: int):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    return yy, xx


def _colour(rng) -> np.ndarray:
    return rng.uniform(0, 255, 3).astype(np.float32)


def _ground_floor(img: np.ndarray, camera, colour: np.ndarray, tile: Optional[float],
                  haze: np.ndarray) -> None:
    """Paint the ground plane (world y = 0) seen by ``camera`` into ``img`` in place: ``colour``
    darkened on every other square of side ``tile`` metres (plain when None), fading into the
    ``haze`` colour with distance (half-way at 12 m)."""
    height = float(camera.pos[1])
    if height <= 0.05:  # at or below the ground: no floor in view
        return
    x, y = camera.ray_grid()
    rays = np.stack(np.broadcast_arrays(x[None, :], y[:, None], np.ones((1, 1))), -1)
    world = rays.astype(np.float32) @ camera.rot.astype(np.float32)  # camera -> world (rot.T)
    down = -world[..., 1]
    hit = down > 1e-6
    if not hit.any():
        return
    t = np.where(hit, height / np.where(hit, down, 1.0), 0.0).astype(np.float32)  # depth z
    floor = np.broadcast_to(colour, t.shape + (3,)).astype(np.float32)
    if tile is not None:
        gx = np.floor((camera.pos[0] + t * world[..., 0]) / tile)
        gz = np.floor((camera.pos[2] + t * world[..., 2]) / tile)
        check = ((gx + gz) % 2) * np.exp(-t / 6.0)  # the pattern blurs out with distance
        floor = floor * (1 - np.float32(0.35) * check)[..., None]
    fog = (1 - np.exp(-t / 17.3))[..., None]  # exp(-12 / 17.3) = 0.5
    floor = floor * (1 - fog) + haze * fog
    img[hit] = floor[hit]


def make_background(rng: np.random.Generator, size: Tuple[int, int],
                    camera=None) -> np.ndarray:
    """One (H, W, 3) uint8 RGB background for ``size`` = (H, W) pixels; with ``camera`` (a
    :class:`.camera.Camera`), the floor is the ground plane seen by it (module docstring). The
    random draws are the same with or without a camera."""
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
    if rng.random() < 0.85:  # a floor: tiled or plain
        top = int(rng.uniform(0.3, 0.8) * h)
        colour = _colour(rng)
        tiled = rng.random() < 0.6
        spread, rows = rng.uniform(5, 20), rng.uniform(50, 300)  # the flat band's tiling
        if camera is not None:
            haze = img.reshape(-1, 3).mean(0)  # the wall's mean colour
            _ground_floor(img, camera, colour, 0.25 + 0.05 * spread if tiled else None, haze)
        else:  # flat band below a horizon at row ``top``, with perspective rows
            floor_y, floor_x = yy[top:] - (top - 1), xx[top:]  # rows below the horizon
            floor = np.broadcast_to(colour, floor_y.shape + (3,))
            if tiled:
                u = np.floor((floor_x - w / 2) / floor_y * np.float32(spread))
                v = np.floor(np.float32(rows) / floor_y)
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


def write_synthetic_backgrounds(out_dir: str, num: int, size: Tuple[int, int] = (1024, 768),
                                seed: int = 0, progress: bool = True) -> List[str]:
    """Render ``num`` people-free backgrounds of ``size`` = (H, W) into ``out_dir/images``
    with :func:`make_background`; image i depends on (seed, i) only. Writes
    ``backgrounds.txt`` (the list ``RandomBackground(background_root=out_dir)`` reads; images
    an earlier run listed there beyond ``num`` are removed);
    returns the listed paths (relative to ``out_dir``)."""
    earlier = earlier_listed(out_dir)
    os.makedirs(osp.join(out_dir, 'images'), exist_ok=True)
    bar = ProgressBar(num) if progress and num else None
    rels = []
    for i in range(num):
        rgb = make_background(np.random.default_rng([int(seed), i]), tuple(size))
        rel = f'images/{i:06d}.png'
        if not cv2.imwrite(osp.join(out_dir, rel), rgb[..., ::-1]):
            raise OSError(f'could not write {osp.join(out_dir, rel)}')
        rels.append(rel)
        if bar is not None:
            bar.update()
    atomic_write_text(osp.join(out_dir, 'backgrounds.txt'), ''.join(p + '\n' for p in rels))
    remove_unlisted(out_dir, earlier, rels)  # an earlier run's images beyond ``num``
    return rels

"""Small on-disk fixtures in the layout of the synthetic dense-human data.

    DIR/images/{id:06d}.png   BGR image           DIR/seg/{id:06d}.png   uint8 labels, 255 ignore
    DIR/mask/{id:06d}.png     uint8 255 person     DIR/depth/{id:06d}.npy float32 metres, 0 off
    DIR/normal/{id:06d}.npy   float32 (H, W, 3) unit normals (OpenCV frame), 0 off the person

The person is an ellipse: its left image half carries left-side classes, the right half the
mirrored right-side classes, with a face patch on top; depth is a tilted plane plus a bulge;
normals are those of an ellipsoid cap (pointing at the camera, i.e. negative z).
"""
import os
import os.path as osp
from typing import Tuple

import cv2
import numpy as np

LEFT_CLASSES = (4, 5, 6, 7, 8, 9, 10, 11)  # pairs with +9: 13 ... 20


def make_sample(rng: np.random.Generator, size: Tuple[int, int] = (64, 48)) -> dict:
    """One sample as arrays: image (H, W, 3) uint8, seg, mask (H, W) uint8, depth (H, W),
    normal (H, W, 3) float32."""
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(0.4, 0.6) * w, rng.uniform(0.4, 0.6) * h
    rx, ry = rng.uniform(0.2, 0.35) * w, rng.uniform(0.3, 0.42) * h
    u, v = (xx - cx) / rx, (yy - cy) / ry
    person = u**2 + v**2 < 1

    left_class = int(rng.choice(LEFT_CLASSES))
    seg = np.zeros((h, w), np.uint8)
    seg[person & (xx < cx)] = left_class
    seg[person & (xx >= cx)] = left_class + 9
    seg[person & (v < -0.5)] = 2  # Face_Neck
    seg[person & (np.abs(u) < 0.1)] = 21  # Torso stripe
    seg[person & (u**2 + v**2 > 0.9)] = 255  # ignore the rim

    bulge = np.sqrt(np.clip(1 - u**2 - v**2, 0, 1))
    z = 2.0 + rng.uniform(-0.5, 0.5) + 0.3 * xx / w + 0.2 * yy / h - 0.15 * bulge
    depth = np.where(person, z, 0).astype(np.float32)

    normal = np.stack([u, v, -np.maximum(bulge, 0.2)], axis=-1)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    normal = np.where(person[..., None], normal, 0).astype(np.float32)

    image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    colour = rng.integers(0, 256, 3)
    image[person] = (0.5 * image[person] + 0.5 * colour).astype(np.uint8)
    return dict(image=image, seg=seg, mask=(person * 255).astype(np.uint8), depth=depth,
                normal=normal)


def write_sample(root: str, idx: int, sample: dict) -> str:
    """Write one sample under ``root`` in the dense layout; returns its id."""
    sid = f'{idx:06d}'
    for sub in ('images', 'seg', 'mask', 'depth', 'normal'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    cv2.imwrite(osp.join(root, 'images', sid + '.png'), sample['image'])
    cv2.imwrite(osp.join(root, 'seg', sid + '.png'), sample['seg'])
    cv2.imwrite(osp.join(root, 'mask', sid + '.png'), sample['mask'])
    np.save(osp.join(root, 'depth', sid + '.npy'), sample['depth'])
    np.save(osp.join(root, 'normal', sid + '.npy'), sample['normal'])
    return sid


def write_dense_humans(root: str, num: int, size: Tuple[int, int] = (64, 48),
                       seed: int = 0) -> list:
    """``num`` samples of size (H, W) under ``root``; returns their ids."""
    rng = np.random.default_rng(seed)
    return [write_sample(str(root), i, make_sample(rng, size)) for i in range(num)]

"""Small on-disk pointmap fixtures in the release's layout (what PointmapDataset reads)::

    DIR/{rgb|images}/{id}.png   DIR/mask/{id}.png   DIR/depth/{id}.npy (metres)
    DIR/camera_intrinsics/{id}.txt (3x3)   DIR/camera_extrinsics/{id}.txt (4x4)

The person and its depth are those of :mod:`tests.helpers.dense_data` (an ellipse, a tilted
plane with a bulge); the focal length varies per sample so the scale target varies.
"""
import os
import os.path as osp
from typing import Tuple

import cv2
import numpy as np

from .dense_data import make_sample


def write_pointmap_humans(root: str, num: int, size: Tuple[int, int] = (64, 48),
                          seed: int = 0, image_dir: str = 'rgb') -> list:
    """``num`` samples of size (H, W) under ``root``; returns their ids."""
    rng = np.random.default_rng(seed)
    for sub in (image_dir, 'mask', 'depth', 'camera_intrinsics', 'camera_extrinsics'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    ids = []
    for i in range(num):
        s = make_sample(rng, size)
        sid = f'{i:06d}'
        h, w = size
        f = rng.uniform(0.8, 1.6) * w
        K = np.array([[f, 0, (w - 1) / 2 + rng.uniform(-2, 2)],
                      [0, f, (h - 1) / 2 + rng.uniform(-2, 2)], [0, 0, 1]])
        cv2.imwrite(osp.join(root, image_dir, sid + '.png'), s['image'])
        cv2.imwrite(osp.join(root, 'mask', sid + '.png'), s['mask'])
        np.save(osp.join(root, 'depth', sid + '.npy'), s['depth'])
        np.savetxt(osp.join(root, 'camera_intrinsics', sid + '.txt'), K)
        np.savetxt(osp.join(root, 'camera_extrinsics', sid + '.txt'), np.eye(4))
        ids.append(sid)
    return ids

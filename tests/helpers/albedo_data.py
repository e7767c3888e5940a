"""Small on-disk albedo fixtures in the release's layout: ``DIR/{rgb|images}/{id}.png``,
``DIR/albedo/{id}.png`` (8-bit, BGR on disk), ``DIR/mask/{id}.png``. The person is the ellipse
of :mod:`tests.helpers.dense_data`; its albedo is the image's colours on the person."""
import os
import os.path as osp
from typing import Tuple

import cv2
import numpy as np

from .dense_data import make_sample


def write_albedo_humans(root: str, num: int, size: Tuple[int, int] = (64, 48), seed: int = 0,
                        image_dir: str = 'rgb') -> list:
    rng = np.random.default_rng(seed)
    for sub in (image_dir, 'albedo', 'mask'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    ids = []
    for i in range(num):
        s = make_sample(rng, size)
        sid = f'{i:06d}'
        cv2.imwrite(osp.join(root, image_dir, sid + '.png'), s['image'])
        cv2.imwrite(osp.join(root, 'mask', sid + '.png'), s['mask'])
        albedo = (s['image'] * (s['mask'][..., None] > 0)).astype(np.uint8)
        cv2.imwrite(osp.join(root, 'albedo', sid + '.png'), albedo)
        ids.append(sid)
    return ids

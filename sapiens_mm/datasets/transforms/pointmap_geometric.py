"""Geometric augmentations of pointmap samples that carry the camera intrinsics along (the
release's ``sapiens/dense/src/datasets/transforms/pointmap_transforms.py``).

Results keys: ``img`` (H, W, 3) uint8 BGR, ``mask`` (H, W) uint8 (> 0 = person), ``gt_depth``
(H, W) float metric depth (metres), ``K`` (3, 3) intrinsics in pixels with the principal point
in the *pixel-index* convention (``X = (col - cx) Z / fx``, the release's
``PointmapGenerateTarget``), ``M`` (4, 4) world -> camera extrinsics (carried only).

Every transform keeps ``K`` exact for the new pixel grid, so the pointmap built afterwards
(``GenerateCanonicalPointmap``) reprojects onto the transformed image. Random draws and
roundings are the release's, including its quirks (noted per class).

``maps`` ({results key: 'nearest' | 'linear'}) names the maps moved with the image:
:data:`POINTMAP_MAPS` by default, :data:`ALBEDO_MAPS` for the release's albedo transforms
(same draws and sizes, the albedo resampled bilinearly).
"""
import math
import random
from typing import Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from sapiens_mm.registry import TRANSFORMS
from .release_resize import fit_and_centre

__all__ = ['POINTMAP_MAPS', 'ALBEDO_MAPS', 'PointmapRandomScale', 'PointmapRandomCropContinuous', 'PointmapRandomFlip',
           'PointmapResize']


#: Maps carried with the image and their resampling: the release's pointmap transforms.
POINTMAP_MAPS = {'mask': 'nearest', 'gt_depth': 'nearest'}
#: The release's albedo transforms (``albedo_transforms.py``): the albedo is resampled
#: bilinearly.
ALBEDO_MAPS = {'mask': 'nearest', 'gt_albedo': 'linear'}
_INTERPOLATION = {'nearest': cv2.INTER_NEAREST, 'linear': cv2.INTER_LINEAR}


def _resize_map(results: dict, key: str, how: str, size_wh: Tuple[int, int]) -> np.ndarray:
    arr = results[key].astype(np.uint8) if key == 'mask' else results[key]
    return cv2.resize(arr, size_wh, interpolation=_INTERPOLATION[how])


@TRANSFORMS.register_module()
class PointmapRandomScale(BaseTransform):
    """With probability ``prob``, resize by ``s ~ U(scale_min, scale_max)`` (new size
    ``round(W s) x round(H s)``; image ``interpolation``, mask and depth nearest) and multiply
    ``fx, fy, cx, cy`` by ``s`` (the release's ``PointmapRandomScale``, which scales K by ``s``
    and not by the rounded size ratio).

    Args:
        scale_min, scale_max (float): range of ``s``; the release's configs use 0.5-2.0.
        prob (float): probability; 0.3 in the release's configs.
        interpolation (int): cv2 flag for the image. Defaults to ``cv2.INTER_LINEAR``.
    """

    def __init__(self, scale_min: float = 0.5, scale_max: float = 2.0, prob: float = 0.5,
                 interpolation: int = cv2.INTER_LINEAR, maps: dict = POINTMAP_MAPS):
        if not 0 < scale_min <= scale_max:
            raise ValueError(f'scale range ({scale_min}, {scale_max}) must satisfy '
                             '0 < scale_min <= scale_max')
        self.scale_min, self.scale_max = scale_min, scale_max
        self.prob, self.interpolation, self.maps = prob, interpolation, dict(maps)

    def transform(self, results: dict) -> dict:
        if np.random.rand() >= self.prob:
            return results
        s = np.random.uniform(self.scale_min, self.scale_max)
        height, width = results['img'].shape[:2]
        size = (int(round(width * s)), int(round(height * s)))
        results['img'] = cv2.resize(results['img'], size, interpolation=self.interpolation)
        results['img_shape'] = results['img'].shape[:2]
        for key, how in self.maps.items():
            if key in results:
                results[key] = _resize_map(results, key, how, size)
        if 'K' in results:
            K = results['K'].copy()
            K[0, 0] *= s
            K[1, 1] *= s
            K[0, 2] *= s
            K[1, 2] *= s
            results['K'] = K
        return results


@TRANSFORMS.register_module()
class PointmapRandomCropContinuous(BaseTransform):
    """With probability ``prob``, crop a box of aspect ratio ``ar ~ U(ar_range)`` (w / h) and
    area ``a ~ U(area_range)`` times the image's (up to ``num_attempts`` draws until one fits);
    ``cx -= x1``, ``cy -= y1``. The release's draw (python ``random``) is kept, including that
    the top-left corner is ``randint(0, margin + 1)`` (inclusive), so a crop can come out one
    pixel shorter at the bottom or right edge.

    Args:
        ar_range, area_range (tuple[float, float]): (0.5, 2.0) and (0.4, 1.0) in the configs.
        num_attempts (int): 8 in the configs.
        prob (float): 0.3 in the configs.
    """

    def __init__(self, ar_range=(0.5, 2.0), area_range=(0.1, 1.0), num_attempts: int = 10,
                 prob: float = 0.5, maps: dict = POINTMAP_MAPS):
        if not (0 < ar_range[0] <= ar_range[1] and 0 < area_range[0] <= area_range[1]):
            raise ValueError(f'invalid ar_range {ar_range} or area_range {area_range}')
        self.ar_range, self.area_range = tuple(ar_range), tuple(area_range)
        self.num_attempts, self.prob, self.maps = num_attempts, prob, dict(maps)

    def _box(self, height: int, width: int):
        for _ in range(self.num_attempts):
            ar = random.uniform(*self.ar_range)
            area = random.uniform(*self.area_range) * height * width
            crop_h = math.sqrt(area / ar)
            crop_w = ar * crop_h
            if crop_w <= width and crop_h <= height:
                crop_h, crop_w = int(round(crop_h)), int(round(crop_w))
                y1 = random.randint(0, height - crop_h + 1)
                x1 = random.randint(0, width - crop_w + 1)
                return y1, y1 + crop_h, x1, x1 + crop_w
        return None

    def transform(self, results: dict) -> dict:
        if not random.random() < self.prob:
            return results
        box = self._box(*results['img'].shape[:2])
        if box is None:
            return results
        y1, y2, x1, x2 = box
        for key in ('img', *self.maps):
            if key in results:
                results[key] = results[key][y1:y2, x1:x2, ...]
        results['img_shape'] = results['img'].shape[:2]
        if 'K' in results:
            K = results['K'].copy()
            K[0, 2] -= x1
            K[1, 2] -= y1
            results['K'] = K
        return results


@TRANSFORMS.register_module()
class PointmapRandomFlip(BaseTransform):
    """With probability ``prob``, mirror image, mask and depth left-right, set
    ``cx' = W - cx - 1`` (pixel-index principal point) and negate the first row of the
    extrinsics ``M`` (the camera's x axis), as the release's ``PointmapRandomFlip``. The flipped
    sample is a real camera view (the mirror world), so the pointmap built afterwards is
    exact; no ``flip`` key is set (nothing needs undoing at test time).

    Args:
        prob (float): 0.3 in the release's configs.
    """

    def __init__(self, prob: float = 0.5, maps: dict = POINTMAP_MAPS):
        self.prob, self.maps = prob, dict(maps)

    def transform(self, results: dict) -> dict:
        if np.random.rand() >= self.prob:
            return results
        results['img'] = cv2.flip(results['img'], 1)
        width = results['img'].shape[1]
        for key in self.maps:
            if key in results:
                results[key] = cv2.flip(results[key], 1)
        if 'K' in results:
            K = results['K'].copy()
            K[0, 2] = width - K[0, 2] - 1
            results['K'] = K
        if 'M' in results:
            M = results['M'].copy()
            M[0, :] = -M[0, :]
            results['M'] = M
        return results


@TRANSFORMS.register_module()
class PointmapResize(BaseTransform):
    """Fit inside ``height x width`` keeping the aspect ratio and centre-pad with 0: scale
    ``r = min(width / W, height / H)``, new size ``(round(W r), round(H r))`` (``'round'``, the
    release's training/validation ``PointmapResize``) or ``(int(W r), int(H r))`` (``'floor'``,
    its inference ``PointmapResizePadImage``); offsets ``(width - w') // 2``,
    ``(height - h') // 2``. Image bilinear (``cv2.INTER_LINEAR``), mask and depth nearest;
    ``fx, fy *= r``, ``cx = cx r + off_x``, ``cy = cy r + off_y``. Sets ``img_shape`` and
    ``img_padding_size`` (left, right, top, bottom), which the estimator crops off its
    prediction.

    Args:
        height, width (int): network input, 1024x768 in the release.
        rounding (str): ``'round'`` or ``'floor'``.
    """

    def __init__(self, height: int = 1024, width: int = 768, rounding: str = 'round',
                 maps: dict = POINTMAP_MAPS):
        self.maps = dict(maps)
        if rounding not in ('round', 'floor'):
            raise ValueError(f"rounding must be 'round' or 'floor', got {rounding!r}")
        self.height, self.width, self.rounding = int(height), int(width), rounding

    def _pad(self, arr: np.ndarray, top: int, left: int) -> np.ndarray:
        out = np.zeros((self.height, self.width) + arr.shape[2:], dtype=arr.dtype)
        out[top:top + arr.shape[0], left:left + arr.shape[1]] = arr
        return out

    def transform(self, results: dict) -> dict:
        height, width = results['img'].shape[:2]
        r, new_w, new_h, left, top = fit_and_centre(height, width, self.height, self.width,
                                                    self.rounding)
        img = cv2.resize(results['img'], (new_w, new_h), interpolation=cv2.INTER_LINEAR)
        results['img'] = self._pad(img, top, left)
        results['img_shape'] = results['img'].shape[:2]
        results['img_padding_size'] = [left, self.width - new_w - left, top,
                                       self.height - new_h - top]
        for key, how in self.maps.items():
            if key in results:
                results[key] = self._pad(_resize_map(results, key, how, (new_w, new_h)), top,
                                         left)
        if 'K' in results:
            K = results['K'].copy()
            K[0, 0] *= r
            K[1, 1] *= r
            K[0, 2] = K[0, 2] * r + left
            K[1, 2] = K[1, 2] * r + top
            results['K'] = K
        return results

"""Geometric augmentations that know what depth and normal maps are.

mmseg 1.2.2 already moves every map listed in ``results['seg_fields']`` with the image
(``Resize``/``RandomResize`` and ``RandomCrop`` with nearest resampling), which is right for a
depth map that is 0 off the person: z does not change when the image is scaled, cropped or
rotated in-plane. What it gets wrong for these maps, and what the subclasses below change:

* ``RandomFlip`` swaps ``swap_seg_labels`` in *every* seg field (a depth of 4.0 would become
  13.0) and mirrors normals without negating their x component;
  :class:`DenseRandomFlip` swaps labels only in label maps and negates x (y) of vector maps
  on a horizontal (vertical) flip.
* ``RandomRotate`` pads every seg field with one ``seg_pad_val`` (255 for labels is 255 m for
  depth) and leaves normal vectors pointing the old way; :class:`DenseRandomRotate` pads per
  field (labels 255, depth 0, normals 0) and rotates the (x, y) part of the normals.
* ``RandomCrop`` can keep only background; :class:`ForegroundRandomCrop` retries until the
  crop holds enough person pixels.
"""
import math
from typing import Dict, Optional, Sequence, Tuple, Union

import mmcv
import numpy as np
from mmcv.transforms.utils import cache_randomness
from mmseg.datasets.transforms import RandomCrop, RandomFlip, RandomRotate

from sapiens_mm.registry import TRANSFORMS
from sapiens_mm.utils.masks import normal_foreground

__all__ = ['DenseRandomFlip', 'DenseRandomRotate', 'ForegroundRandomCrop', 'foreground_of']

#: Maps holding (H, W, 3) direction vectors in the OpenCV camera frame (x right, y down).
VECTOR_KEYS = ('gt_normal_map', )


def foreground_of(results: dict) -> Optional[np.ndarray]:
    """Boolean (H, W) person mask of the current sample, from its annotation maps.

    Depth > 0, else :func:`~sapiens_mm.utils.masks.normal_foreground`, else a label that is
    neither 0 (background) nor 255;
    None when the sample has none of these maps.
    """
    if results.get('gt_depth_map') is not None:
        return results['gt_depth_map'] > 0
    if results.get('gt_normal_map') is not None:
        return normal_foreground(results['gt_normal_map'], axis=-1)
    if results.get('gt_seg_map') is not None:
        seg = results['gt_seg_map']
        return (seg != 0) & (seg != 255)
    return None


@TRANSFORMS.register_module()
class DenseRandomFlip(RandomFlip):
    """mmseg's ``RandomFlip`` for label, depth and normal maps together.

    On a flip every map of ``seg_fields`` is mirrored with the image. Additionally:

    * ``swap_seg_labels`` (left/right class pairs) is applied to the maps in ``label_keys``
      only (default ``gt_seg_map``);
    * vector maps (``vector_keys``, default ``gt_normal_map``, OpenCV frame) get x negated on a
      horizontal flip, y on a vertical one and both on a diagonal one: mirroring the image
      mirrors the surface, so a normal pointing right then points left.

    Args: those of mmseg's ``RandomFlip`` (``prob``, ``direction``, ``swap_seg_labels``), plus
        ``label_keys`` and ``vector_keys``.
    """

    def __init__(self, *args, label_keys: Sequence[str] = ('gt_seg_map', ),
                 vector_keys: Sequence[str] = VECTOR_KEYS, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_keys = tuple(label_keys)
        self.vector_keys = tuple(vector_keys)

    def _flip(self, results: dict) -> None:
        direction = results['flip_direction']
        results['img'] = mmcv.imflip(results['img'], direction=direction)
        if results.get('gt_bboxes') is not None:
            results['gt_bboxes'] = self._flip_bbox(results['gt_bboxes'],
                                                   results['img'].shape[:2], direction)
        for key in results.get('seg_fields', []):
            if results.get(key) is None:
                continue
            if key in self.label_keys:
                flipped = self._flip_seg_map(results[key], direction=direction)
            else:
                flipped = mmcv.imflip(results[key], direction=direction)
            flipped = flipped.copy()
            if key in self.vector_keys:
                if direction in ('horizontal', 'diagonal'):
                    flipped[..., 0] *= -1
                if direction in ('vertical', 'diagonal'):
                    flipped[..., 1] *= -1
            results[key] = flipped
        results['swap_seg_labels'] = self.swap_seg_labels

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, direction={self.direction}, '
                f'swap_seg_labels={self.swap_seg_labels}, label_keys={self.label_keys}, '
                f'vector_keys={self.vector_keys})')


@TRANSFORMS.register_module()
class DenseRandomRotate(RandomRotate):
    """mmseg's ``RandomRotate`` with a pad value per map and rotated normal vectors.

    The image is rotated by a random angle (degrees; positive = clockwise on screen, as
    ``mmcv.imrotate``) about its centre; each map of ``seg_fields`` is rotated with nearest
    resampling and padded with ``field_pad_vals[key]`` (default: ``seg_pad_val`` for labels,
    0 = "no target" for ``gt_depth_map`` and ``gt_normal_map``). Depth values are kept (an
    in-plane rotation about the optical axis leaves z unchanged); the (x, y) components of
    vector maps are rotated by the same angle: ``(x, y) <- (x cos t - y sin t,
    x sin t + y cos t)`` in image axes (x right, y down).

    Args: those of mmseg's ``RandomRotate`` (``prob``, ``degree``, ``pad_val``,
        ``seg_pad_val``, ``center``, ``auto_bound``), plus:
        field_pad_vals (dict, optional): pad value per seg-field key; merged over the
            defaults above.
        vector_keys (Sequence[str]): vector maps to rotate. Defaults to ``('gt_normal_map',)``.
    """
    DEFAULT_FIELD_PAD_VALS = dict(gt_depth_map=0, gt_normal_map=0)

    def __init__(self, prob: float, degree: Union[float, Tuple[float, float]],
                 pad_val: float = 0, seg_pad_val: float = 255,
                 field_pad_vals: Optional[Dict[str, float]] = None,
                 vector_keys: Sequence[str] = VECTOR_KEYS, center=None,
                 auto_bound: bool = False):
        super().__init__(prob=prob, degree=degree, pad_val=pad_val, seg_pad_val=seg_pad_val,
                         center=center, auto_bound=auto_bound)
        self.field_pad_vals = {**self.DEFAULT_FIELD_PAD_VALS, **(field_pad_vals or {})}
        self.vector_keys = tuple(vector_keys)

    def transform(self, results: dict) -> dict:
        rotate, degree = self.generate_degree()
        if not rotate:
            return results
        results['img'] = mmcv.imrotate(results['img'], angle=degree, border_value=self.pal_val,
                                       center=self.center, auto_bound=self.auto_bound)
        for key in results.get('seg_fields', []):
            if results.get(key) is None:
                continue
            rotated = mmcv.imrotate(results[key], angle=degree,
                                    border_value=self.field_pad_vals.get(key, self.seg_pad_val),
                                    center=self.center, auto_bound=self.auto_bound,
                                    interpolation='nearest')
            if key in self.vector_keys:
                c, s = math.cos(math.radians(degree)), math.sin(math.radians(degree))
                x, y = rotated[..., 0].copy(), rotated[..., 1].copy()
                rotated[..., 0] = c * x - s * y
                rotated[..., 1] = s * x + c * y
            results[key] = rotated
        results['img_shape'] = results['img'].shape[:2]
        return results

    def __repr__(self) -> str:
        return (super().__repr__()[:-1] + f', field_pad_vals={self.field_pad_vals}, '
                f'vector_keys={self.vector_keys})')


@TRANSFORMS.register_module()
class ForegroundRandomCrop(RandomCrop):
    """mmseg's ``RandomCrop`` that retries until the crop holds enough of the person.

    Up to ``max_tries`` random windows are drawn; the first whose share of person pixels
    (see :func:`foreground_of`) is at least ``min_foreground_ratio`` is used, else the window
    with the largest share. A crop without any person would give the depth and normal losses
    nothing to learn from.

    Args:
        crop_size (int | tuple): (h, w) in pixels.
        min_foreground_ratio (float): wanted fraction of person pixels in the crop.
            Defaults to 0.1.
        max_tries (int): windows drawn at most. Defaults to 10.
        cat_max_ratio, ignore_index: as mmseg's ``RandomCrop`` (label maps only; used when
            the sample has no depth or normal map).
    """

    def __init__(self, crop_size: Union[int, Tuple[int, int]],
                 min_foreground_ratio: float = 0.1, max_tries: int = 10,
                 cat_max_ratio: float = 1., ignore_index: int = 255):
        super().__init__(crop_size=crop_size, cat_max_ratio=cat_max_ratio,
                         ignore_index=ignore_index)
        self.min_foreground_ratio = min_foreground_ratio
        self.max_tries = max_tries

    def _random_window(self, img_hw: Tuple[int, int]) -> Tuple[int, int, int, int]:
        margin_h = max(img_hw[0] - self.crop_size[0], 0)
        margin_w = max(img_hw[1] - self.crop_size[1], 0)
        y1, x1 = np.random.randint(0, margin_h + 1), np.random.randint(0, margin_w + 1)
        return y1, y1 + self.crop_size[0], x1, x1 + self.crop_size[1]

    @cache_randomness
    def crop_bbox(self, results: dict) -> tuple:
        fg = None if results.get('gt_seg_map') is not None and self.cat_max_ratio < 1 \
            else foreground_of(results)
        if fg is None:
            # the upstream draw (cat_max_ratio on labels), undecorated: we already are
            return RandomCrop.__dict__['crop_bbox'].func(self, results)
        best, best_ratio = None, -1.0
        for _ in range(self.max_tries):
            bbox = self._random_window(results['img'].shape[:2])
            ratio = float(self.crop(fg, bbox).mean()) if fg.size else 0.0
            if ratio >= self.min_foreground_ratio:
                return bbox
            if ratio > best_ratio:
                best, best_ratio = bbox, ratio
        return best

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(crop_size={self.crop_size}, '
                f'min_foreground_ratio={self.min_foreground_ratio}, max_tries={self.max_tries})')

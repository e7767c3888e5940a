"""The Sapiens2 release's inference resizes: the segmentation stretch (area when shrinking,
bicubic when enlarging; ``sapiens/dense/src/datasets/seg/seg_transforms.py``,
``SegResize(keep_ratio=False)``) and the dense fit-and-centre-pad (normals, pointmaps)."""
import math

import cv2
from mmcv.transforms import BaseTransform, Resize

from sapiens_mm.registry import TRANSFORMS

__all__ = ['AreaOrCubicResize', 'FitAndCentrePad', 'fit_and_centre']


@TRANSFORMS.register_module()
class AreaOrCubicResize(Resize):
    """mmcv's ``Resize`` whose image interpolation is ``'area'`` (``cv2.INTER_AREA``) when the
    new width is below the original width and ``'bicubic'`` otherwise, as the release's
    inference stretch to 1024x768; label maps keep nearest. mmseg's default would be bilinear.

    Args: those of mmcv's ``Resize`` (``scale``, ``keep_ratio`` ...); ``interpolation`` is
    chosen per image.
    """

    def _resize_img(self, results: dict) -> None:
        if results.get('img', None) is None:
            return
        if self.keep_ratio:
            raise ValueError(f'{type(self).__name__} stretches (keep_ratio=False), as the '
                             'release does')
        new_w = results['scale'][0]
        self.interpolation = 'area' if new_w < results['img'].shape[1] else 'bicubic'
        super()._resize_img(results)


def fit_and_centre(height: int, width: int, out_h: int, out_w: int, rounding: str = 'floor',
                   min_size: int = 0):
    """Geometry of fitting an (height, width) image inside (out_h, out_w) keeping its aspect and
    centring it: ``(scale, new_w, new_h, left, top)``, ``scale = min(out_w / width,
    out_h / height)``, sizes ``floor`` (the release's inference) or ``round`` (its pointmap
    training resize), ``left = (out_w - new_w) // 2``, ``top = (out_h - new_h) // 2``; sizes at least
    ``min_size``."""
    scale = min(out_w / width, out_h / height)
    to_int = (lambda x: int(round(x))) if rounding == 'round' else math.floor
    new_w, new_h = max(min_size, to_int(width * scale)), max(min_size, to_int(height * scale))
    return scale, new_w, new_h, (out_w - new_w) // 2, (out_h - new_h) // 2


@TRANSFORMS.register_module()
class FitAndCentrePad(BaseTransform):
    """Fit the image inside ``size`` keeping its aspect and centre-pad it with ``pad_val``
    (the Sapiens2 release's dense inference, ``NormalResizePadImage`` of
    ``sapiens/dense/tools/vis/vis_normal.py``).

    ``s = min(W_out / w, H_out / h)``, new size ``(floor(w s), floor(h s))`` with
    ``cv2.INTER_LINEAR``, then ``left = pad_w // 2``, ``top = pad_h // 2`` and the rest on the
    right and bottom. Sets ``img`` (H_out, W_out, 3), ``img_shape``, ``scale_factor`` (w, h)
    and ``img_padding_size`` = [left, right, top, bottom] in pixels, which
    ``NormalEstimator`` (and mmseg's segmentors) crop away from the prediction before resizing
    it to ``ori_shape``. Add ``'img_padding_size'`` to ``PackSegInputs``' ``meta_keys``.

    Args:
        size (tuple): (H_out, W_out). Defaults to (1024, 768).
        pad_val (int): padding value of the image. Defaults to 0.
    """

    def __init__(self, size=(1024, 768), pad_val: int = 0):
        self.size = (int(size[0]), int(size[1]))
        self.pad_val = pad_val

    def transform(self, results: dict) -> dict:
        img = results['img']
        h, w = img.shape[:2]
        out_h, out_w = self.size
        _, new_w, new_h, left, top = fit_and_centre(h, w, out_h, out_w, min_size=1)
        img = cv2.resize(img, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
        pad_w, pad_h = out_w - new_w, out_h - new_h
        img = cv2.copyMakeBorder(img, top, pad_h - top, left, pad_w - left,
                                 cv2.BORDER_CONSTANT, value=(self.pad_val, ) * 3)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['scale_factor'] = (new_w / w, new_h / h)
        results['img_padding_size'] = [left, pad_w - left, top, pad_h - top]
        return results

"""Canonical pointmap targets and their packing (the release's ``PointmapGenerateTarget`` and
``PointmapPackInputs``, ``sapiens/dense/src/datasets/transforms/pointmap_transforms.py``)."""
from typing import Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform, to_tensor
from mmengine.logging import print_log
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs

from sapiens_mm.registry import TRANSFORMS

__all__ = ['GenerateCanonicalPointmap', 'PackPointmapInputs', 'canonical_pointmap']


def canonical_pointmap(depth: np.ndarray, K: np.ndarray,
                       canonical_focal_length: Optional[float] = 768.0):
    """(H, W) metric depth and its 3x3 ``K`` -> ((H, W, 3) XYZ, scale ``s``) with
    ``X = (col - cx) Z / fx``, ``Y = (row - cy) Z / fy`` (pixel-index principal point), all
    three times ``s = canonical_focal_length / fx`` (1 when None): the points as seen by a
    camera of focal ``canonical_focal_length`` at the same pixels. ``XYZ / s`` is metric."""
    fx, fy, cx, cy = K[0, 0], K[1, 1], K[0, 2], K[1, 2]
    s = 1.0 if canonical_focal_length is None else canonical_focal_length / fx
    cols, rows = np.meshgrid(np.arange(depth.shape[1]), np.arange(depth.shape[0]))
    xyz = np.stack([(cols - cx) * depth / fx, (rows - cy) * depth / fy, depth], axis=-1)
    return xyz * s, s


@TRANSFORMS.register_module()
class GenerateCanonicalPointmap(BaseTransform):
    """``gt_depth`` (metres) + ``K`` -> ``gt_pointmap`` (H, W, 3) canonical XYZ
    (:func:`canonical_pointmap`), 0 where ``mask == 0``; ``gt_depth`` becomes the canonical Z
    (not masked, as the release); ``original_K`` keeps K, ``K`` becomes the canonical camera
    (``fx, fy, cx, cy`` times ``s``), ``scale`` = ``s``. With ``target_downsample_factor`` n,
    depth and mask are first shrunk n times (nearest) and K divided by n (the release's
    configs use 1).

    Args:
        canonical_focal_length (float | None): 768 in the release.
        target_downsample_factor (int | None): see above.
    """

    def __init__(self, canonical_focal_length: Optional[float] = 768.0,
                 target_downsample_factor: Optional[int] = None):
        if target_downsample_factor is not None and not isinstance(target_downsample_factor,
                                                                   int):
            raise TypeError('target_downsample_factor must be an int or None')
        self.canonical_focal_length = canonical_focal_length
        self.target_downsample_factor = target_downsample_factor

    def transform(self, results: dict) -> dict:
        if 'gt_depth' not in results:
            return results
        depth, mask, K = results['gt_depth'], results['mask'], results['K'].copy()
        n = self.target_downsample_factor
        if n is not None:
            depth = cv2.resize(depth, None, fx=1 / n, fy=1 / n, interpolation=cv2.INTER_NEAREST)
            mask = cv2.resize(mask, None, fx=1 / n, fy=1 / n, interpolation=cv2.INTER_NEAREST)
            for i, j in ((0, 0), (1, 1), (0, 2), (1, 2)):
                K[i, j] = K[i, j] / n
            results['mask'] = mask
        xyz, s = canonical_pointmap(depth, K, self.canonical_focal_length)
        results['original_K'] = K.copy()
        results['scale'] = s
        canonical_K = K.copy()
        canonical_K[0, 0], canonical_K[1, 1] = K[0, 0] * s, K[1, 1] * s
        canonical_K[0, 2], canonical_K[1, 2] = K[0, 2] * s, K[1, 2] * s
        results['K'] = canonical_K
        results['gt_depth'] = xyz[..., 2].copy()
        xyz[mask == 0] = 0
        results['gt_pointmap'] = xyz
        return results


@TRANSFORMS.register_module()
class PackPointmapInputs(PackSegInputs):
    """mmseg's ``PackSegInputs`` plus the pointmap target:

    * ``gt_pointmap`` (PixelData (3, H, W) float32): canonical XYZ, 0 off the person;
    * ``gt_pointmap_mask`` (PixelData (1, H, W) bool): ``mask > 0``;
    * ``gt_depth_map`` (PixelData (1, H, W)): metric depth (canonical Z / s) on the person, 0
      elsewhere (for pictures);
    * metainfo ``pointmap_scale`` (s), ``pointmap_K`` (K before the canonical rescale, what
      the intrinsics-consistency loss uses), ``pointmap_canonical_K``, ``pointmap_M``.

    With ``skip_invalid`` the sample is dropped (``None``: mmengine's dataset then draws
    another in training) for the release's reasons, each logged with the image path: fewer than
    16 person pixels, the person covering more than 96 % of the image, or a canonical depth
    below 0.04 on the person (the camera inside the body). Test-mode datasets cannot drop
    samples, so evaluation pipelines keep them (``skip_invalid=False``).

    Args:
        skip_invalid (bool): see above. Defaults to True.
        meta_keys (tuple): as mmseg's, plus ``img_padding_size``.
    """

    def __init__(self, skip_invalid: bool = True,
                 meta_keys=('img_path', 'ori_shape', 'img_shape', 'pad_shape', 'scale_factor',
                            'flip', 'flip_direction', 'img_padding_size')):
        super().__init__(meta_keys=meta_keys)
        self.skip_invalid = skip_invalid

    def _reject(self, results: dict) -> Optional[str]:
        mask = results['mask'] > 0
        if mask.sum() < 16:
            return f'{int(mask.sum())} person pixels (< 16)'
        if mask.sum() / mask.size > 0.96:
            return f'the person covers {mask.mean():.1%} of the image (> 96 %)'
        min_depth = results['gt_pointmap'][mask, 2].min()
        if min_depth < 0.04:
            return f'canonical depth {min_depth:.3g} < 0.04 on the person'
        return None

    def transform(self, results: dict) -> Optional[dict]:
        if 'gt_pointmap' in results and self.skip_invalid:
            reason = self._reject(results)
            if reason is not None:
                print_log(f'{type(self).__name__}: skipped {results.get("img_path")}: {reason} '
                          '(the release drops these samples)', logger='current', level=30)
                return None
        packed = super().transform(results)
        if 'gt_pointmap' not in results:
            return packed
        mask = results['mask'] > 0
        xyz = np.ascontiguousarray(results['gt_pointmap'].transpose(2, 0, 1), dtype=np.float32)
        metric_z = (xyz[2] / results['scale'] * mask).astype(np.float32)
        packed['data_samples'].set_data(dict(
            gt_pointmap=PixelData(data=to_tensor(xyz)),
            gt_pointmap_mask=PixelData(data=to_tensor(np.ascontiguousarray(mask[None]))),
            gt_depth_map=PixelData(data=to_tensor(metric_z[None]))))
        packed['data_samples'].set_metainfo(dict(
            pointmap_scale=float(results['scale']),
            pointmap_K=np.asarray(results['original_K'], np.float32),
            pointmap_canonical_K=np.asarray(results['K'], np.float32),
            pointmap_M=np.asarray(results.get('M', np.eye(4)), np.float32)))
        return packed

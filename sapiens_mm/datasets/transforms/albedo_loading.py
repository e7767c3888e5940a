"""Loading and packing albedo samples (the release's ``AlbedoBaseDataset.get_data_info`` and
``AlbedoPackInputs``, ``sapiens/dense/src/datasets/``), with checks that name the bad file."""
from typing import Optional

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform, to_tensor
from mmengine.logging import print_log
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs

from sapiens_mm.registry import TRANSFORMS
from .loading import _get_bytes, check_shape

__all__ = ['LoadAlbedoAnnotations', 'PackAlbedoInputs']


def _read_image(path: str, what: str, backend_args) -> np.ndarray:
    img = mmcv.imfrombytes(_get_bytes(path, what, backend_args), flag='unchanged',
                           backend='cv2')
    if img is None:
        raise ValueError(f'{what} file {path} is not a readable image')
    return img


@TRANSFORMS.register_module()
class LoadAlbedoAnnotations(BaseTransform):
    """Reads ``gt_albedo`` (H, W, 3) float64 RGB in [0, 1] from ``albedo_path`` (an 8-bit
    colour PNG, BGR on disk, / 255) and ``mask`` (H, W) uint8 from ``mask_path`` (first
    channel). As the release, a sample is dropped (``None``, logged with its path) when the
    mask has fewer than 16 pixels or the albedo is flat on the person (every channel's standard
    deviation < 0.02). Errors naming the file: missing / unreadable, not 3 channels, another
    size than the image.
    """

    def __init__(self, backend_args: Optional[dict] = None):
        self.backend_args = backend_args

    def transform(self, results: dict) -> Optional[dict]:
        path = results['albedo_path']
        albedo = _read_image(path, 'albedo', self.backend_args)
        if albedo.ndim != 3 or albedo.shape[2] != 3 or albedo.dtype != np.uint8:
            raise ValueError(f'albedo file {path} must be an 8-bit 3-channel image, got '
                             f'{albedo.shape} {albedo.dtype}')
        check_shape(albedo.shape, results, path, 'albedo')
        mask = _read_image(results['mask_path'], 'mask', self.backend_args)
        mask = np.ascontiguousarray(mask[..., 0] if mask.ndim == 3 else mask).astype(np.uint8)
        check_shape(mask.shape, results, results['mask_path'], 'mask')
        albedo = albedo[..., ::-1].astype(np.float64) / 255.0
        reason = None
        if (mask > 0).sum() < 16:
            reason = f'{int((mask > 0).sum())} person pixels (< 16)'
        elif albedo[mask > 0].std(axis=0).max() < 0.02:
            reason = 'the albedo is flat on the person (std < 0.02 in every channel)'
        if reason:
            print_log(f'{type(self).__name__}: skipped {results.get("img_path")}: {reason} '
                      '(the release drops these samples)', logger='current', level=30)
            return None
        results.update(gt_albedo=albedo, mask=mask)
        return results


@TRANSFORMS.register_module()
class PackAlbedoInputs(PackSegInputs):
    """mmseg's ``PackSegInputs`` plus ``gt_albedo_map`` (PixelData (3, H, W) float32 RGB) and
    ``gt_albedo_mask`` (PixelData (1, H, W) bool). With ``skip_invalid`` (training), samples
    with fewer than 16 person pixels or a person covering > 96 % of the image are dropped as
    the release does (logged)."""

    def __init__(self, skip_invalid: bool = True,
                 meta_keys=('img_path', 'ori_shape', 'img_shape', 'pad_shape', 'scale_factor',
                            'flip', 'flip_direction', 'img_padding_size')):
        super().__init__(meta_keys=meta_keys)
        self.skip_invalid = skip_invalid

    def transform(self, results: dict) -> Optional[dict]:
        if 'gt_albedo' in results and self.skip_invalid:
            mask = results['mask'] > 0
            if mask.sum() < 16 or mask.mean() > 0.96:
                print_log(f'{type(self).__name__}: skipped {results.get("img_path")}: '
                          f'{int(mask.sum())} person pixels of {mask.size}', logger='current',
                          level=30)
                return None
        packed = super().transform(results)
        if 'gt_albedo' in results:
            albedo = np.ascontiguousarray(results['gt_albedo'].transpose(2, 0, 1), np.float32)
            mask = np.ascontiguousarray((results['mask'] > 0)[None])
            packed['data_samples'].set_data(dict(
                gt_albedo_map=PixelData(data=to_tensor(albedo)),
                gt_albedo_mask=PixelData(data=to_tensor(mask))))
        return packed

"""Loading a pointmap sample's mask, metric depth and camera (the release's
``PointmapBaseDataset.get_data_info``, ``sapiens/dense/src/datasets/pointmap/``), with checks
that name the bad file."""
from typing import Optional

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.logging import print_log

from sapiens_mm.registry import TRANSFORMS
from .loading import _get_bytes, check_shape, read_npy

__all__ = ['LoadPointmapAnnotations', 'read_camera_matrix']


def read_camera_matrix(path: str, shape, what: str,
                       backend_args: Optional[dict] = None) -> np.ndarray:
    """A whitespace-separated text matrix (``np.loadtxt``) of ``shape``, all finite."""
    text = _get_bytes(path, what, backend_args).decode('utf-8', errors='replace')
    try:
        arr = np.loadtxt(text.splitlines(), dtype=np.float64, ndmin=2)
    except ValueError as e:
        raise ValueError(f'{what} file {path} is not a text matrix of numbers ({e})') from e
    if arr.shape != tuple(shape):
        raise ValueError(f'{what} file {path} must hold a {shape[0]}x{shape[1]} matrix, got '
                         f'shape {arr.shape}')
    if not np.isfinite(arr).all():
        raise ValueError(f'{what} file {path} has non-finite values')
    return arr


@TRANSFORMS.register_module()
class LoadPointmapAnnotations(BaseTransform):
    """Reads, for the image loaded by ``LoadImageFromFile``:

    * ``mask`` (H, W) uint8 from ``mask_path`` (first channel of a colour PNG, as the release);
    * ``gt_depth`` (H, W) float32 metric depth from ``depth_path`` (.npy, (H, W) or (H, W, 1));
    * ``K`` (3, 3) from ``K_path`` and ``M`` (4, 4) from ``M_path`` (text, ``np.loadtxt``).

    As the release, NaN depth is taken out of the mask, and a sample whose mask then sums to
    less than 10 is dropped (``None``, logged with its path; mmengine's dataset draws another
    in training). Errors naming the file: a missing, empty or unreadable file; a mask or depth
    of another size than the image; K or M of the wrong shape or with non-finite values;
    ``fx`` or ``fy`` <= 0; infinite depth on the person.

    Args:
        backend_args (dict, optional): mmengine file backend arguments.
    """

    def __init__(self, backend_args: Optional[dict] = None):
        self.backend_args = backend_args

    def transform(self, results: dict) -> Optional[dict]:
        path = results['mask_path']
        mask = mmcv.imfrombytes(_get_bytes(path, 'mask', self.backend_args), flag='unchanged',
                                backend='cv2')
        if mask is None:
            raise ValueError(f'mask file {path} is not a readable image')
        mask = np.ascontiguousarray(mask[..., 0] if mask.ndim == 3 else mask)
        check_shape(mask.shape, results, path, 'mask')
        path = results['depth_path']
        depth = read_npy(path, 'depth', self.backend_args)
        if depth.ndim == 3 and depth.shape[2] == 1:
            depth = depth[..., 0]
        if depth.ndim != 2:
            raise ValueError(f'depth file {path} must be (H, W), got shape {depth.shape}')
        check_shape(depth.shape, results, path, 'depth')
        depth = depth.astype(np.float32)
        K = read_camera_matrix(results['K_path'], (3, 3), 'camera intrinsics',
                               self.backend_args)
        if K[0, 0] <= 0 or K[1, 1] <= 0:
            raise ValueError(f'camera intrinsics file {results["K_path"]} has fx={K[0, 0]}, '
                             f'fy={K[1, 1]}; both must be > 0')
        M = read_camera_matrix(results['M_path'], (4, 4), 'camera extrinsics',
                               self.backend_args)
        mask = mask.astype(np.uint8) if mask.dtype != np.uint8 else mask.copy()
        mask[np.isnan(depth)] = 0
        if np.isinf(depth[mask > 0]).any():
            raise ValueError(f'depth file {path} has infinite values on the person')
        if mask.sum(dtype=np.int64) < 10:
            print_log(f'{type(self).__name__}: skipped {results.get("img_path")}: mask sums to '
                      f'< 10 after removing NaN depth (the release drops these samples)',
                      logger='current', level=30)
            return None
        results.update(mask=mask, gt_depth=depth, K=K, M=M)
        return results

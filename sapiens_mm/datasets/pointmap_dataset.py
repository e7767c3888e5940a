"""Pointmap dataset of the Sapiens2 release's folder layout (``PointmapBaseDataset``,
``sapiens/dense/src/datasets/pointmap/pointmap_base_dataset.py``)."""
import numpy as np
from mmengine.logging import print_log

from sapiens_mm.registry import DATASETS
from .human_dense_dataset import HumanDenseDataset

__all__ = ['PointmapDataset']


@DATASETS.register_module()
class PointmapDataset(HumanDenseDataset):
    """One sample per image, files matched by stem::

        DIR/rgb/{id}.png                  image (BGR on disk)
        DIR/mask/{id}.png                 person mask (first channel > 0)
        DIR/depth/{id}.npy                (H, W) metric depth, metres
        DIR/camera_intrinsics/{id}.txt    3x3 K, pixels, principal point in the pixel-index
                                          convention (X = (col - cx) Z / fx)
        DIR/camera_extrinsics/{id}.txt    4x4 world -> camera (OpenCV), carried as meta only

    The synthetic humans (``tools/make_synthetic_humans.py``) write this layout with the images
    in ``images/``: pass ``data_prefix=dict(img_path='images')``.

    Unlike the release, which silently takes the intersection of the folders, a missing file is
    an error naming it (:class:`HumanDenseDataset`). Samples the release drops are counted: with
    ``skip_empty_masks`` the masks are read once when the dataset is built and those summing to
    less than 10 (the release's rule) are left out, their number logged; the rest of the
    release's reasons are decided per sample by ``LoadPointmapAnnotations`` (NaN depth) and
    ``PackPointmapInputs`` (too few / too many person pixels, too close), which log each one.

    Args:
        skip_empty_masks (bool): read every mask at build time (one PNG decode per sample).
            Defaults to True.
        **kwargs: see :class:`HumanDenseDataset`.
    """
    METAINFO = dict(classes=('background', 'person'), palette=[[0, 0, 0], [255, 255, 255]],
                    task='pointmap')
    ANNOTATIONS = {'mask_path': ('mask', '.png'), 'depth_path': ('depth', '.npy'),
                   'K_path': ('camera_intrinsics', '.txt'),
                   'M_path': ('camera_extrinsics', '.txt')}

    def __init__(self, *args, skip_empty_masks: bool = True, **kwargs):
        self.skip_empty_masks = skip_empty_masks
        kwargs.setdefault('data_prefix', {})
        kwargs['data_prefix'] = dict(dict(img_path='rgb'), **kwargs['data_prefix'])
        super().__init__(*args, **kwargs)

    def _mask_sum(self, info: dict) -> int:
        import mmcv
        from .transforms.loading import _get_bytes
        mask = mmcv.imfrombytes(_get_bytes(info['mask_path'], 'mask', self.backend_args),
                                flag='unchanged', backend='cv2')
        if mask is None:
            raise ValueError(f'mask file {info["mask_path"]} is not a readable image')
        mask = mask[..., 0] if mask.ndim == 3 else mask
        return int(mask.sum(dtype=np.int64))

    def has_target(self, info: dict) -> bool:
        return self._mask_sum(info) >= 10

    def load_data_list(self):
        data_list = super().load_data_list()
        if not self.skip_empty_masks:
            return data_list
        kept = [info for info in data_list if self.has_target(info)]
        if len(kept) < len(data_list):
            print_log(f'{type(self).__name__}: skipped {len(data_list) - len(kept)} of the '
                      f'{len(data_list)} samples under {self.data_root}: mask sums to < 10 (the '
                      "release's rule)", logger='current', level=30)
        return kept

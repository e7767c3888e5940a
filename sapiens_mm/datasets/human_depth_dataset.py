"""Relative-depth dataset of the human foreground (Sapiens paper, depth estimation):
image + depth + mask, as the release's ``DepthGeneralDataset`` (``seg/mmseg/datasets/``)."""
from typing import Optional

from sapiens_mm.registry import DATASETS
from .human_dense_dataset import HumanDenseDataset

__all__ = ['HumanDepthDataset', 'depth_has_target']


@DATASETS.register_module()
class HumanDepthDataset(HumanDenseDataset):
    """``DIR/images/{id}.png`` with ``DIR/depth/{id}.npy`` and ``DIR/mask/{id}.png``.

    The depth array is float32 (H, W) camera z in metres (0 on the background); the mask is
    uint8 with 255 on the person. ``LoadHumanDepth`` reads both and zeroes the depth outside
    the mask, so 0 means "no target" from then on; a bool array, or a map with no positive but
    some negative value on the person, is an error naming the file. The training target
    (per-image min-max normalised foreground depth, near = 0) is made by
    ``GenerateHumanDepthTarget`` after the geometric augmentations; the evaluation pipeline
    keeps metres (see ``HumanDepthMetric``).

    Args: see :class:`HumanDenseDataset`.
    """
    METAINFO = dict(classes=('background', 'person'), palette=[[0, 0, 0], [255, 255, 255]],
                    task='depth')
    ANNOTATIONS = {'depth_map_path': ('depth', '.npy'), 'mask_path': ('mask', '.png')}

    def has_target(self, info: dict) -> bool:
        """Some person pixel (mask > 127, ``LoadHumanDepth``'s default) with depth > 0."""
        return depth_has_target(info['depth_map_path'], info['mask_path'], self.backend_args)


def depth_has_target(depth_path: str, mask_path: str, backend_args: Optional[dict] = None,
                     mask_threshold: int = 127) -> bool:
    """Whether the depth file has some person pixel (mask > ``mask_threshold``) with depth > 0.

    A depth map that is not depth is a ``ValueError`` naming the file
    (:func:`~.transforms.loading.check_depth_values`: a bool array, or no positive value on
    the person but negative ones).
    """
    import numpy as np
    from .transforms.loading import check_depth_values, read_npy, read_png
    fg = read_png(mask_path, 'mask', backend_args) > mask_threshold
    depth = read_npy(depth_path, 'depth', backend_args)
    depth = depth[..., 0] if depth.ndim == 3 and depth.shape[2] == 1 else depth
    if depth.shape != fg.shape:
        return True  # LoadHumanDepth names the mismatch
    check_depth_values(depth, fg, depth_path)
    return bool(np.any(fg & np.isfinite(depth) & (depth > 0)))

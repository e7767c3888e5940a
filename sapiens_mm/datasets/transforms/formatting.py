"""Packing of surface-normal targets next to mmseg's label and depth maps."""
import numpy as np
from mmcv.transforms import to_tensor
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs

from sapiens_mm.registry import TRANSFORMS

__all__ = ['PackDenseInputs']


@TRANSFORMS.register_module()
class PackDenseInputs(PackSegInputs):
    """mmseg's ``PackSegInputs`` that also packs ``gt_normal_map``.

    ``gt_normal_map`` (H, W, 3) becomes ``data_sample.gt_normal_map`` (PixelData, (3, H, W)
    float32); ``gt_seg_map`` and ``gt_depth_map`` are packed as upstream.

    Note: mmseg's data preprocessor pads label and depth maps to its ``size`` but not normal
    maps, so a normal training pipeline must end at the network input size (``Resize`` with
    ``keep_ratio=False`` after the crop, as the configs do).
    """

    def transform(self, results: dict) -> dict:
        packed = super().transform(results)
        if results.get('gt_normal_map') is not None:
            normal = np.ascontiguousarray(results['gt_normal_map'].transpose(2, 0, 1))
            packed['data_samples'].set_data(
                dict(gt_normal_map=PixelData(data=to_tensor(normal.astype(np.float32)))))
        return packed

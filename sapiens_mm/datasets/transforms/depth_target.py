"""The relative-depth training target of Sapiens (``GenerateDepthTarget`` of the
release's ``seg/mmseg/datasets/transforms/depth_transforms.py``)."""
import numpy as np
from mmcv.transforms import BaseTransform

from sapiens_mm.registry import TRANSFORMS

__all__ = ['GenerateHumanDepthTarget']


@TRANSFORMS.register_module()
class GenerateHumanDepthTarget(BaseTransform):
    """Min-max normalise the person's depth to [0, 1] (near = 0); background -> ``background_val``.

    ``gt_depth_map`` (metres, 0 = no target, as ``LoadHumanDepth`` makes it) becomes
    ``(z - z_min) / (z_max - z_min)`` on the person pixels (z > 0) of this image, so the
    target is relative depth of this person, independent of the camera distance. The
    background gets ``background_val`` (default -1), which ``SiLogLoss`` ignores (it keeps
    target > eps only; like the release, that also drops the single nearest pixel, whose
    target is 0). A person of constant depth gets 0 everywhere.

    Use it in the training pipeline after every geometric transform (they pad with 0 = no
    target); the evaluation pipeline keeps metres for ``HumanDepthMetric``.

    Args:
        background_val (float): target value off the person. Defaults to -1.
    """

    def __init__(self, background_val: float = -1.0):
        self.background_val = background_val

    def transform(self, results: dict) -> dict:
        depth = results['gt_depth_map']
        fg = depth > 0
        target = np.full(depth.shape, self.background_val, np.float32)
        if fg.any():
            near, far = depth[fg].min(), depth[fg].max()
            scale = far - near if far > near else 1.0
            target[fg] = (depth[fg] - near) / scale
        results['gt_depth_map'] = target
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(background_val={self.background_val})'

"""Surface-normal estimator: mmseg's ``DepthEstimator`` with a normal-map output."""
from typing import List

import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.models.segmentors import DepthEstimator
from mmseg.models.utils import resize
from mmseg.structures import SegDataSample
from mmseg.utils import OptSampleList, SampleList
from torch import Tensor

from sapiens_mm.registry import MODELS

__all__ = ['NormalEstimator']


@MODELS.register_module()
class NormalEstimator(DepthEstimator):
    """backbone -> decode head -> (B, 3, H, W) normals (the release's normal configs
    reuse ``DepthEstimator``, ``seg/configs/sapiens_normal/``; this subclass only changes what
    a prediction is).

    ``predict`` returns data samples with ``pred_normal_map`` (PixelData, (3, H, W)): the head
    output without padding, un-flipped if the input was flipped (the map is mirrored back and
    the x (horizontal) or y (vertical) component negated), resized bilinearly to the original
    image size and L2-normalised per pixel (OpenCV camera frame, x right, y down, z forward).

    ``test_cfg.normalize_before_resize=True`` (the Sapiens2 configs) normalises at the
    network's resolution (norms clamped at 1e-8) and does not renormalise after the resize to
    the image, as the Sapiens2 release's ``sapiens/dense/tools/vis/vis_normal.py``; the
    default normalises after the resize, so every output pixel is a unit vector.

    ``test_cfg.mode``: ``'whole'`` (default) or ``'slide'``; upstream's ``'slide_flip'``
    averages flipped normals without negating x and is refused.

    Args: those of mmseg's ``DepthEstimator``.
    """

    def inference(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        mode = self.test_cfg.get('mode', 'whole')
        if mode == 'whole':
            return self.whole_inference(inputs, batch_img_metas)
        if mode == 'slide':
            return self.slide_inference(inputs, batch_img_metas)
        raise ValueError(f"{type(self).__name__}: test_cfg.mode must be 'whole' or 'slide', "
                         f'got {mode!r}')

    def postprocess_result(self, normals: Tensor,
                           data_samples: OptSampleList = None) -> SampleList:
        batch_size, _, height, width = normals.shape
        only_prediction = data_samples is None
        if only_prediction:
            data_samples = [SegDataSample() for _ in range(batch_size)]
        before = self.test_cfg.get('normalize_before_resize', False)
        for i in range(batch_size):
            normal = normals[i:i + 1]
            if before:  # the Sapiens2 release: unit vectors at the network's resolution
                normal = normal / normal.norm(dim=1, keepdim=True).clamp(min=1e-8)
            if not only_prediction:
                meta = data_samples[i].metainfo
                left, right, top, bottom = meta.get('img_padding_size',
                                                    meta.get('padding_size', [0] * 4))
                normal = normal[:, :, top:height - bottom, left:width - right]
                if meta.get('flip', False):
                    direction = meta.get('flip_direction')
                    if direction not in ('horizontal', 'vertical'):
                        raise ValueError(f'cannot undo a {direction!r} flip')
                    axis = 0 if direction == 'horizontal' else 1
                    normal = normal.flip(dims=(3 if axis == 0 else 2, )).clone()
                    normal[:, axis] = -normal[:, axis]
                normal = resize(normal, size=meta['ori_shape'][:2], mode='bilinear',
                                align_corners=self.align_corners, warning=False)
            if not before:
                normal = F.normalize(normal, dim=1, eps=1e-6)
            normal = normal.squeeze(0)
            data_samples[i].set_data({'pred_normal_map': PixelData(data=normal)})
        return data_samples

"""Albedo estimator: mmseg's ``DepthEstimator`` with an albedo-map output (the release's
``AlbedoEstimator``, ``sapiens/dense/src/models/core/albedo_estimator.py``)."""
from mmengine.structures import PixelData
from mmseg.models.segmentors import DepthEstimator
from mmseg.models.utils import resize
from mmseg.structures import SegDataSample
from mmseg.utils import OptSampleList, SampleList
from torch import Tensor

from sapiens_mm.registry import MODELS

__all__ = ['AlbedoEstimator']


@MODELS.register_module()
class AlbedoEstimator(DepthEstimator):
    """backbone -> :class:`~sapiens_mm.models.heads.Sapiens2AlbedoHead` -> (B, 3, H, W) RGB.

    ``predict`` returns data samples with ``pred_albedo_map`` (PixelData (3, H0, W0)): the head
    output clamped to [0, 1], padding removed (``img_padding_size`` or ``padding_size``) and
    resized bilinearly to ``ori_shape`` (the release's ``vis_albedo.py``). Flipped test inputs
    are refused.

    Args: those of mmseg's ``DepthEstimator``.
    """

    def postprocess_result(self, albedo: Tensor, data_samples: OptSampleList = None) -> SampleList:
        _, _, height, width = albedo.shape
        if data_samples is None:
            data_samples = [SegDataSample() for _ in range(albedo.shape[0])]
        for i, sample in enumerate(data_samples):
            meta = sample.metainfo
            if meta.get('flip', False):
                raise ValueError(f'{type(self).__name__}: flipped test inputs are not supported')
            left, right, top, bottom = meta.get('img_padding_size',
                                                meta.get('padding_size', [0] * 4))
            out = albedo[i:i + 1, :, top:height - bottom, left:width - right].clamp(0, 1)
            size = meta.get('ori_shape', out.shape[2:])[:2]
            out = resize(out, size=size, mode='bilinear', align_corners=False, warning=False)
            sample.set_data(dict(pred_albedo_map=PixelData(data=out[0].clamp(0, 1))))
        return data_samples

"""Pointmap estimator: mmseg's ``DepthEstimator`` with a (canonical map, scale) output (the
release's ``PointmapEstimator``, ``sapiens/dense/src/models/core/pointmap_estimator.py``)."""
from typing import List, Tuple

from mmengine.structures import PixelData
from mmseg.models.segmentors import DepthEstimator
from mmseg.structures import SegDataSample
from mmseg.utils import OptSampleList, SampleList
from torch import Tensor

from sapiens_mm.registry import MODELS
from .pointmap_upsampling import resize_pointmap

__all__ = ['PointmapEstimator']


@MODELS.register_module()
class PointmapEstimator(DepthEstimator):
    """backbone -> :class:`~sapiens_mm.models.heads.Sapiens2PointmapHead` ->
    (canonical XYZ (B, 3, H, W) at the network input, scale (B, 1)).

    ``predict`` returns data samples with

    * ``pred_canonical_pointmap`` (PixelData (3, H, W)): the canonical map at the network
      input size, padding included (what the release's evaluator scores against the canonical
      target built at the input size);
    * ``pred_pointmap_scale`` (PixelData (1, 1, 1)): the scale ``s = 768 / fx_input``;
    * ``pred_pointmap`` (PixelData (3, H0, W0)): the metric map ``canonical / s`` in metres
      (OpenCV camera frame: x right, y down, z forward), padding removed (metainfo
      ``img_padding_size`` or ``padding_size``, (left, right, top, bottom)) and resized to
      ``ori_shape`` as the release's demo does (:func:`resize_pointmap`: Gaussian-smoothed
      when enlarged);
    * ``pred_depth_map`` (PixelData (1, H0, W0)): its z channel (metres).

    Test-time flipping is refused (the release has none). Only ``test_cfg.mode='whole'``: the
    scale branch needs the full input.

    Args:
        canonical_focal_length (float): focal length (pixels at the network input) of the
            canonical camera; 768 as the release. Kept for the record: the head learns it
            through its targets.
        **kwargs: those of mmseg's ``DepthEstimator``.
    """

    def __init__(self, *args, canonical_focal_length: float = 768.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.canonical_focal_length = float(canonical_focal_length)

    def inference(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tuple[Tensor, Tensor]:
        mode = self.test_cfg.get('mode', 'whole')
        if mode != 'whole':
            raise ValueError(f"{type(self).__name__}: test_cfg.mode must be 'whole' (the scale "
                             f'branch sees the whole input), got {mode!r}')
        return self.encode_decode(inputs, batch_img_metas)

    def postprocess_result(self, outputs: Tuple[Tensor, Tensor],
                           data_samples: OptSampleList = None) -> SampleList:
        canonical, scale = outputs
        batch_size, _, height, width = canonical.shape
        if data_samples is None:
            data_samples = [SegDataSample() for _ in range(batch_size)]
        for i, sample in enumerate(data_samples):
            meta = sample.metainfo
            if meta.get('flip', False):
                raise ValueError(f'{type(self).__name__}: flipped test inputs are not supported')
            left, right, top, bottom = meta.get('img_padding_size',
                                                meta.get('padding_size', [0] * 4))
            metric = canonical[i:i + 1, :, top:height - bottom, left:width - right] \
                / scale[i].view(1, 1, 1, 1)
            size = meta.get('ori_shape', metric.shape[2:])[:2]
            metric = resize_pointmap(metric, size)[0]
            sample.set_data(dict(
                pred_canonical_pointmap=PixelData(data=canonical[i]),
                pred_pointmap_scale=PixelData(data=scale[i].view(1, 1, 1)),
                pred_pointmap=PixelData(data=metric),
                pred_depth_map=PixelData(data=metric[2:3])))
        return data_samples

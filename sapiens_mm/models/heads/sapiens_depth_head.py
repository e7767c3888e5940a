"""Sapiens relative-depth head (``VitDepthHead`` of the release,
``seg/mmseg/models/decode_heads/vit_depth_head.py``)."""
from typing import List

import torch
from mmseg.models.utils import resize
from torch import Tensor

from sapiens_mm.registry import MODELS
from .sapiens_deconv_head import SapiensDeconvHead

__all__ = ['SapiensDepthHead']


@MODELS.register_module()
class SapiensDepthHead(SapiensDeconvHead):
    """Four stride-2 deconvolutions and two 1x1 convolutions at 384 channels back to the input
    resolution, then a 1-channel ``conv_seg``; no output activation.

    Shapes: (B, C, H/16, W/16) -> depth (B, 1, H, W); (B, C, 64, 48) -> (B, 1, 1024, 768).

    Target: ``gt_depth_map`` of each sample, (1, H, W): the person's min-max normalised depth
    in [0, 1] (near = 0) and a negative value off the person (``GenerateHumanDepthTarget``).
    Loss: mmseg's ``SiLogLoss`` by default, which matches the release (per image
    ``sqrt(mean(d^2) - 0.5 mean(d)^2)``, ``d = log t - log p`` over pixels with t > eps = 1e-6,
    then the batch mean). Images without any such pixel are left out of the loss (an empty
    image would make the square root's gradient NaN); a batch without any gives a zero loss.

    ``conv_seg`` starts with bias 0.5 (mid-range of the target) so that every pixel starts
    with a positive prediction, where ``log(max(p, eps))`` has a gradient.

    Args: see :class:`SapiensDeconvHead`; ``num_classes`` is 1.
    """

    def __init__(self, in_channels: int, channels: int = 384,
                 deconv_kernel_sizes=(4, 4, 4, 4), conv_kernel_sizes=(1, 1),
                 loss_decode=dict(type='SiLogLoss', loss_weight=1.0),
                 init_cfg=(dict(type='Normal', layer=['Conv2d', 'ConvTranspose2d'], std=0.001,
                                bias=0),
                           dict(type='Normal', std=0.01, bias=0.5,
                                override=dict(name='conv_seg'))),
                 **kwargs):
        if kwargs.pop('num_classes', 1) != 1 or kwargs.pop('out_channels', 1) != 1:
            raise ValueError(f'{type(self).__name__} predicts one depth channel')
        # threshold only silences BaseDecodeHead's binary-segmentation warning; it is unused.
        super().__init__(in_channels, channels, num_classes=1, out_channels=1, threshold=0.0,
                         deconv_kernel_sizes=deconv_kernel_sizes,
                         conv_kernel_sizes=conv_kernel_sizes, loss_decode=loss_decode,
                         init_cfg=init_cfg, **kwargs)

    def loss_by_feat(self, depth: Tensor, batch_data_samples: List) -> dict:
        """Depth losses of the predicted (B, 1, h, w) map against ``gt_depth_map``."""
        target = torch.stack([s.gt_depth_map.data for s in batch_data_samples]).to(depth)
        depth = resize(depth, size=target.shape[2:], mode='bilinear',
                       align_corners=self.align_corners)
        losses = dict()
        loss_fns = self.loss_decode if isinstance(self.loss_decode, torch.nn.ModuleList) \
            else [self.loss_decode]
        for loss_fn in loss_fns:
            eps = getattr(loss_fn, 'eps', 0.0)
            keep = (target > eps).flatten(1).any(dim=1)
            if keep.any():
                value = loss_fn(depth[keep], target[keep])
            else:
                value = depth.sum() * 0
            losses[loss_fn.loss_name] = losses.get(loss_fn.loss_name, 0) + value
        return losses

"""Sapiens surface-normal head (``VitNormalHead`` of the release,
``seg/mmseg/models/decode_heads/vit_normal_head.py``)."""
from typing import List

import torch
from mmseg.models.utils import resize
from torch import Tensor

from sapiens_mm.registry import MODELS
from sapiens_mm.utils.masks import normal_foreground
from .sapiens_deconv_head import SapiensDeconvHead

__all__ = ['SapiensNormalHead', 'normal_losses']


def normal_losses(head, normals: Tensor, batch_data_samples: List) -> dict:
    """Losses of ``head.loss_decode`` for the predicted (B, 3, h, w) map against the samples'
    ``gt_normal_map`` (3, H, W): the map is resized bilinearly to the target size, and each
    loss is called as ``loss(pred, target, valid_mask)`` with the person pixels
    (``|t| > 0.5``). Shared by the v1 and the Sapiens2 normal heads."""
    target = torch.stack([s.gt_normal_map.data for s in batch_data_samples]).to(normals)
    normals = resize(normals, size=target.shape[2:], mode='bilinear',
                     align_corners=head.align_corners)
    valid = normal_foreground(target, axis=1)
    losses = dict()
    loss_fns = head.loss_decode if isinstance(head.loss_decode, torch.nn.ModuleList) \
        else [head.loss_decode]
    for loss_fn in loss_fns:
        value = loss_fn(normals, target, valid)
        losses[loss_fn.loss_name] = losses.get(loss_fn.loss_name, 0) + value
    return losses


@MODELS.register_module()
class SapiensNormalHead(SapiensDeconvHead):
    """The segmentation-head layout (3 deconvolutions, 3 1x1 convolutions at 768 channels) with
    a 3-channel ``conv_seg``: raw (unnormalised) normal vectors, OpenCV camera frame.

    Shapes: (B, C, H/16, W/16) -> (B, 3, H/2, W/2); resized bilinearly to the target size for
    the loss and to the input size for prediction.

    Target: ``gt_normal_map`` (3, H, W), unit vectors on the person and 0 elsewhere; the
    foreground is ``|t| > 0.5``. Losses (each called as ``loss(pred, target, valid_mask)``):
    ``NormalCosineLoss`` + ``NormalL1Loss`` by default, as the release.

    Args: see :class:`SapiensDeconvHead`; ``num_classes`` is 3.
    """

    def __init__(self, in_channels: int, channels: int = 768,
                 deconv_kernel_sizes=(4, 4, 4), conv_kernel_sizes=(1, 1, 1),
                 loss_decode=(dict(type='NormalCosineLoss', loss_weight=1.0),
                              dict(type='NormalL1Loss', loss_weight=1.0)),
                 **kwargs):
        if kwargs.pop('num_classes', 3) != 3 or kwargs.pop('out_channels', 3) != 3:
            raise ValueError(f'{type(self).__name__} predicts three normal components')
        super().__init__(in_channels, channels, num_classes=3, out_channels=3,
                         deconv_kernel_sizes=deconv_kernel_sizes,
                         conv_kernel_sizes=conv_kernel_sizes,
                         loss_decode=loss_decode, **kwargs)

    def loss_by_feat(self, normals: Tensor, batch_data_samples: List) -> dict:
        """Normal losses of the predicted (B, 3, h, w) map against ``gt_normal_map``."""
        return normal_losses(self, normals, batch_data_samples)

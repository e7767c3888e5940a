"""Sapiens2 albedo head (the release's ``AlbedoHead``,
``sapiens/dense/src/models/heads/albedo_head.py``): the normal head's layout with RMSNorm."""
from typing import Sequence

import torch.nn as nn
from torch import Tensor

from sapiens_mm.registry import MODELS
from .sapiens2_normal_head import Sapiens2NormalHead

__all__ = ['Sapiens2AlbedoHead', 'RMSNorm2d']


class RMSNorm2d(nn.Module):
    """``nn.RMSNorm`` over the channels of each pixel of a (B, C, H, W) map (weight (C,),
    eps 1e-6): the release's ``RMSNorm2d``; its key is ``norm.weight``."""

    def __init__(self, num_channels: int, eps: float = 1e-6, affine: bool = True):
        super().__init__()
        self.norm = nn.RMSNorm(num_channels, eps=eps, elementwise_affine=affine)

    def forward(self, x: Tensor) -> Tensor:
        return self.norm(x.movedim(1, -1)).movedim(-1, 1).contiguous()


@MODELS.register_module()
class Sapiens2AlbedoHead(Sapiens2NormalHead):
    """:class:`Sapiens2NormalHead` with every InstanceNorm replaced by :class:`RMSNorm2d` and
    the output layer named ``conv_albedo``: (B, C, h, w) -> (B, 3, 16h, 16w) RGB albedo (meant
    in [0, 1]; clamped at inference by the release's demo). Extra keys over the normal head's:
    ``input_conv.1.norm.weight``, ``upsample_blocks.{i}.2.norm.weight``,
    ``conv_layers.{1,4,7}.norm.weight``. Widths: (768, 512, 256, 128) / (64, 32, 16) for
    0.4B-1B, (1536, 768, 512, 256) / (64, 32, 16) for 5B.

    Losses (the release's): ``AlbedoL1Loss`` x2, ``AlbedoGradientMSELoss`` x2,
    ``AlbedoChromaticityL1Loss`` x1, on ``gt_albedo_map`` (3, H, W).

    Args: those of :class:`Sapiens2NormalHead`.
    """

    def __init__(self, in_channels: int,
                 upsample_channels: Sequence[int] = (768, 512, 256, 128),
                 conv_out_channels: Sequence[int] = (64, 32, 16),
                 conv_kernel_sizes: Sequence[int] = (3, 3, 3),
                 loss_decode=(dict(type='AlbedoL1Loss', loss_weight=2.0),
                              dict(type='AlbedoGradientMSELoss', loss_weight=2.0),
                              dict(type='AlbedoChromaticityL1Loss', loss_weight=1.0)),
                 **kwargs):
        super().__init__(in_channels, upsample_channels=upsample_channels,
                         conv_out_channels=conv_out_channels,
                         conv_kernel_sizes=conv_kernel_sizes, loss_decode=list(loss_decode),
                         **kwargs)
        self.conv_albedo = self.conv_normal
        del self.conv_normal
        for seq in (self.input_conv, *self.upsample_blocks, self.conv_layers):
            for i, layer in enumerate(seq):
                if isinstance(layer, nn.InstanceNorm2d):
                    seq[i] = RMSNorm2d(layer.num_features)

    def cls_seg(self, feat: Tensor) -> Tensor:
        if self.dropout is not None:
            feat = self.dropout(feat)
        return self.conv_albedo(feat)

    def loss_by_feat(self, albedo: Tensor, batch_data_samples) -> dict:
        """The losses of ``loss_decode`` against ``gt_albedo_map`` on ``gt_albedo_mask``
        (the prediction resized bilinearly to the target if their sizes differ)."""
        import torch
        from mmseg.models.utils import resize
        target = torch.stack([s.gt_albedo_map.data for s in batch_data_samples]).to(albedo)
        mask = torch.stack([s.gt_albedo_mask.data for s in batch_data_samples]).to(albedo)
        if albedo.shape[2:] != target.shape[2:]:
            albedo = resize(albedo, size=target.shape[2:], mode='bilinear',
                            align_corners=False)
        losses = dict()
        loss_fns = self.loss_decode if isinstance(self.loss_decode, nn.ModuleList) \
            else [self.loss_decode]
        for loss_fn in loss_fns:
            losses[loss_fn.loss_name] = losses.get(loss_fn.loss_name, 0) + \
                loss_fn(albedo, target, mask)
        return losses

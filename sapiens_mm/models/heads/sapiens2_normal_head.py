"""Sapiens2 surface-normal head (the release's ``NormalHead``,
``sapiens/dense/src/models/heads/normal_head.py``): sub-pixel (PixelShuffle) upsampling."""
from typing import List, Sequence

import torch.nn as nn
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from torch import Tensor

from sapiens_mm.registry import MODELS
from .layers import conv_stack, norm_act
from .sapiens2_seg_head import SAPIENS2_CONV_INIT
from .sapiens_normal_head import normal_losses

__all__ = ['Sapiens2NormalHead']


@MODELS.register_module()
class Sapiens2NormalHead(BaseDecodeHead):
    """feature (B, C, h, w)
      -> input_conv: Conv3x3(C -> C) + IN + SiLU
      -> upsample_blocks: per width c: Conv3x3(-> 4c) + PixelShuffle(2) + IN(c) + SiLU
      -> conv_layers: per width: Conv(k, "same") + IN + SiLU
      -> conv_normal: 1x1 -> 3 raw (unnormalised) normal components

    Shapes: (B, C, 64, 48) -> (B, 3, 1024, 768) with four upsampling blocks (16x). InstanceNorm
    has no parameters, so the state-dict keys are the release's: ``input_conv.0``,
    ``upsample_blocks.{i}.0``, ``conv_layers.{0,3,6}``, ``conv_normal`` (each ``.weight`` and
    ``.bias``). Widths of the release: ``upsample_channels`` (768, 512, 256, 128) and
    ``conv_out_channels`` (64, 32, 16) for 0.4B/0.8B/1B, (1536, 768, 512, 256) and
    (128, 64, 32) for 5B, 3x3 kernels.

    Losses (each called as ``loss(pred, target, valid_mask)`` on the map resized to the
    target): ``NormalCosineLoss`` x10 + ``NormalL1Loss`` x1 + ``NormalGradientMSELoss`` x10 in
    the release's configs.

    Args:
        in_channels (int): backbone width C.
        upsample_channels (Sequence[int]): output width of each x2 block.
        conv_out_channels (Sequence[int]): widths of the convolutions after upsampling.
        conv_kernel_sizes (Sequence[int]): their (odd) kernel sizes.
        **kwargs: mmseg ``BaseDecodeHead`` arguments (``loss_decode``, ``align_corners``...).
    """

    def __init__(self, in_channels: int,
                 upsample_channels: Sequence[int] = (768, 512, 256, 128),
                 conv_out_channels: Sequence[int] = (64, 32, 16),
                 conv_kernel_sizes: Sequence[int] = (3, 3, 3),
                 loss_decode=(dict(type='NormalCosineLoss', loss_weight=10.0),
                              dict(type='NormalL1Loss', loss_weight=1.0),
                              dict(type='NormalGradientMSELoss', loss_weight=10.0)),
                 init_cfg=SAPIENS2_CONV_INIT, **kwargs):
        for key, expected in (('num_classes', 3), ('out_channels', 3)):
            if kwargs.pop(key, expected) != expected:
                raise ValueError(f'{type(self).__name__} predicts three normal components')
        if len(conv_out_channels) != len(conv_kernel_sizes):
            raise ValueError(f'conv_out_channels {tuple(conv_out_channels)} and '
                             f'conv_kernel_sizes {tuple(conv_kernel_sizes)} differ in length')
        last = (tuple(conv_out_channels) or tuple(upsample_channels) or (in_channels, ))[-1]
        kwargs.setdefault('dropout_ratio', 0.0)
        super().__init__(in_channels, last, num_classes=3, out_channels=3,
                         loss_decode=loss_decode, init_cfg=list(init_cfg) if init_cfg else None,
                         **kwargs)
        del self.conv_seg  # the release names the output layer conv_normal
        self.input_conv = nn.Sequential(
            nn.Conv2d(in_channels, in_channels, 3, padding=1), *norm_act(in_channels))
        blocks, width = [], in_channels
        for out in upsample_channels:
            blocks.append(nn.Sequential(nn.Conv2d(width, 4 * out, 3, padding=1),
                                        nn.PixelShuffle(2), *norm_act(out)))
            width = out
        self.upsample_blocks = nn.Sequential(*blocks)
        self.conv_layers = conv_stack(width, conv_out_channels, conv_kernel_sizes)
        self.conv_normal = nn.Conv2d(last, 3, 1)

    def cls_seg(self, feat: Tensor) -> Tensor:
        if self.dropout is not None:
            feat = self.dropout(feat)
        return self.conv_normal(feat)

    def forward(self, inputs) -> Tensor:
        """(B, C, h, w) feature (last of the backbone tuple) -> (B, 3, 16h, 16w) normals."""
        x = self._transform_inputs(inputs)
        x = self.conv_layers(self.upsample_blocks(self.input_conv(x)))
        return self.cls_seg(x)

    def loss_by_feat(self, normals: Tensor, batch_data_samples: List) -> dict:
        """Normal losses of the predicted (B, 3, h, w) map against ``gt_normal_map``."""
        return normal_losses(self, normals, batch_data_samples)

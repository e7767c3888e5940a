"""Sapiens 2D pose head: mmpose's ``HeatmapHead`` with InstanceNorm + SiLU (the release's
``pose/mmpose/models/heads/heatmap_heads/heatmap_head.py``, ``use_silu=True``).

Two stride-2 deconvolutions (k4, p1, no bias) and two 1x1 convolutions, each followed by
``InstanceNorm2d(affine=False)`` and SiLU instead of upstream's BatchNorm + ReLU, then a 1x1
``final_layer``. InstanceNorm has no parameters, so the state-dict keys are those of the released
pose checkpoints: ``head.deconv_layers.{0,3}.weight``, ``head.conv_layers.{0,3}.{weight,bias}``,
``head.final_layer.{weight,bias}``.

Shapes: input feature map (B, C, h, w) -> heatmaps (B, K, 4h, 4w); (B, 1024|..., 64, 48) ->
(B, K, 256, 192) at 1024x768.
"""
from typing import Sequence

import torch.nn as nn
from mmpose.models.heads import HeatmapHead

from sapiens_mm.registry import MODELS
from .layers import conv_stack, deconv_stack

__all__ = ['SapiensHeatmapHead']


@MODELS.register_module()
class SapiensHeatmapHead(HeatmapHead):
    """Heatmap head of the released Sapiens pose models.

    Arguments are those of mmpose's ``HeatmapHead``; the release uses
    ``deconv_out_channels=(768, 768)``, ``deconv_kernel_sizes=(4, 4)``,
    ``conv_out_channels=(768, 768)``, ``conv_kernel_sizes=(1, 1)``.
    """

    def forward(self, feats):
        """Heatmaps (B, K, 4h, 4w), in fp32 also under bf16 autocast: the loss, mmpose's
        accuracy (numpy has no bfloat16) and the decoder then all see fp32."""
        return super().forward(feats).float()

    def _make_deconv_layers(self, in_channels: int, layer_out_channels: Sequence[int],
                            layer_kernel_sizes: Sequence[int]) -> nn.Module:
        if any(k != 4 for k in layer_kernel_sizes):
            raise ValueError(f'{type(self).__name__} uses 4x4 deconvolutions (stride 2, '
                             f'padding 1), got kernel sizes {tuple(layer_kernel_sizes)}')
        return deconv_stack(in_channels, layer_out_channels, layer_kernel_sizes)

    def _make_conv_layers(self, in_channels: int, layer_out_channels: Sequence[int],
                          layer_kernel_sizes: Sequence[int]) -> nn.Module:
        return conv_stack(in_channels, layer_out_channels, layer_kernel_sizes)

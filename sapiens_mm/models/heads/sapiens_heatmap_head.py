"""Sapiens 2D pose head: mmpose's ``HeatmapHead`` with InstanceNorm + SiLU (sapiens-facts §3.1).

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
from mmcv.cnn import build_conv_layer, build_upsample_layer
from mmpose.models.heads import HeatmapHead

from sapiens_mm.registry import register_model

__all__ = ['SapiensHeatmapHead']


def _norm_act(channels: int) -> list:
    return [nn.InstanceNorm2d(channels, affine=False), nn.SiLU(inplace=True)]


@register_model
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
        layers = []
        for out_channels, kernel_size in zip(layer_out_channels, layer_kernel_sizes):
            if kernel_size != 4:
                raise ValueError(f'{type(self).__name__} uses 4x4 deconvolutions (stride 2, '
                                 f'padding 1), got kernel size {kernel_size}')
            layers.append(build_upsample_layer(dict(
                type='deconv', in_channels=in_channels, out_channels=out_channels,
                kernel_size=4, stride=2, padding=1, output_padding=0, bias=False)))
            layers += _norm_act(out_channels)
            in_channels = out_channels
        return nn.Sequential(*layers)

    def _make_conv_layers(self, in_channels: int, layer_out_channels: Sequence[int],
                          layer_kernel_sizes: Sequence[int]) -> nn.Module:
        layers = []
        for out_channels, kernel_size in zip(layer_out_channels, layer_kernel_sizes):
            layers.append(build_conv_layer(dict(
                type='Conv2d', in_channels=in_channels, out_channels=out_channels,
                kernel_size=kernel_size, stride=1, padding=(kernel_size - 1) // 2)))
            layers += _norm_act(out_channels)
            in_channels = out_channels
        return nn.Sequential(*layers)

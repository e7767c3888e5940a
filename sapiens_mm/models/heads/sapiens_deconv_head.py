"""Layout shared by the Sapiens dense heads: deconvolutions, 1x1 convolutions, ``conv_seg``.

    feature (B, C, h, w)
      -> deconv_layers: n x [ConvTranspose2d(k4, s2, p1, no bias), InstanceNorm2d, SiLU]
      -> conv_layers:   m x [Conv2d(1x1), InstanceNorm2d, SiLU]
      -> Dropout2d(0.1) -> conv_seg (1x1) -> (B, out_channels, 2^n h, 2^n w)

``InstanceNorm2d(affine=False)`` has no parameters, so the state-dict keys are exactly those of
the released checkpoints: ``deconv_layers.{0,3,6,...}.weight``,
``conv_layers.{0,3,...}.{weight,bias}``, ``conv_seg.{weight,bias}`` (the keys of the released
seg, depth and normal checkpoints).
"""
from typing import Optional, Sequence

import torch.nn as nn
from mmseg.models.decode_heads.decode_head import BaseDecodeHead

from .layers import conv_stack, deconv_stack

__all__ = ['SapiensDeconvHead']

class SapiensDeconvHead(BaseDecodeHead):
    """Base of :class:`SapiensSegHead`, :class:`SapiensDepthHead`, :class:`SapiensNormalHead`.

    Args:
        in_channels (int): backbone width C.
        channels (int): width before ``conv_seg``; also the default width of every layer.
        deconv_out_channels (Sequence[int], optional): width per deconvolution; defaults to
            ``channels`` for each entry of ``deconv_kernel_sizes``.
        deconv_kernel_sizes (Sequence[int]): kernel per deconvolution (2, 3 or 4; stride 2).
        conv_out_channels (Sequence[int], optional): width per 1x1 convolution; defaults to
            ``channels`` for each entry of ``conv_kernel_sizes``.
        conv_kernel_sizes (Sequence[int]): kernel per convolution (odd; "same" padding).
        norm_cfg (dict): norm after each layer. Defaults to ``InstanceNorm2d(affine=False)``.
        act_cfg (dict): activation after each norm. Defaults to SiLU.
        **kwargs: the other arguments of mmseg's ``BaseDecodeHead`` (``num_classes``,
            ``dropout_ratio`` (default 0.1), ``loss_decode``, ``align_corners``...).
    """

    def __init__(self,
                 in_channels: int,
                 channels: int,
                 deconv_out_channels: Optional[Sequence[int]] = None,
                 deconv_kernel_sizes: Sequence[int] = (4, 4, 4),
                 conv_out_channels: Optional[Sequence[int]] = None,
                 conv_kernel_sizes: Sequence[int] = (1, 1, 1),
                 norm_cfg: dict = dict(type='IN', affine=False),
                 act_cfg: dict = dict(type='SiLU'),
                 init_cfg=(dict(type='Normal', layer=['Conv2d', 'ConvTranspose2d'], std=0.001,
                                bias=0),
                           dict(type='Normal', std=0.01, bias=0,
                                override=dict(name='conv_seg'))),
                 **kwargs):
        super().__init__(in_channels, channels, norm_cfg=norm_cfg, act_cfg=act_cfg,
                         init_cfg=list(init_cfg) if init_cfg else None, **kwargs)
        deconv_out = tuple(deconv_out_channels or (channels, ) * len(deconv_kernel_sizes))
        conv_out = tuple(conv_out_channels or (channels, ) * len(conv_kernel_sizes))
        if len(deconv_out) != len(deconv_kernel_sizes):
            raise ValueError(f'deconv_out_channels {deconv_out} and deconv_kernel_sizes '
                             f'{tuple(deconv_kernel_sizes)} differ in length')
        if len(conv_out) != len(conv_kernel_sizes):
            raise ValueError(f'conv_out_channels {conv_out} and conv_kernel_sizes '
                             f'{tuple(conv_kernel_sizes)} differ in length')
        last = (conv_out or deconv_out or (self.in_channels, ))[-1]
        if last != channels:
            raise ValueError(f'the last layer has {last} channels but conv_seg expects '
                             f'channels={channels}')
        self.deconv_layers = self._make_deconv_layers(self.in_channels, deconv_out,
                                                      deconv_kernel_sizes)
        in_conv = deconv_out[-1] if deconv_out else self.in_channels
        self.conv_layers = self._make_conv_layers(in_conv, conv_out, conv_kernel_sizes)

    def _make_deconv_layers(self, in_channels: int, out_channels: Sequence[int],
                            kernel_sizes: Sequence[int]) -> nn.Sequential:
        return deconv_stack(in_channels, out_channels, kernel_sizes, self.norm_cfg,
                            self.act_cfg)

    def _make_conv_layers(self, in_channels: int, out_channels: Sequence[int],
                          kernel_sizes: Sequence[int]) -> nn.Sequential:
        return conv_stack(in_channels, out_channels, kernel_sizes, self.norm_cfg, self.act_cfg)

    def forward(self, inputs):
        """(B, C, h, w) feature (last of the backbone tuple) -> (B, out_channels, H', W')."""
        x = self._transform_inputs(inputs)
        x = self.conv_layers(self.deconv_layers(x))
        return self.cls_seg(x)

"""Layer stacks of the Sapiens heads: stride-2 deconvolutions and "same" convolutions, each
followed by a norm and an activation (``InstanceNorm2d(affine=False)`` + SiLU in every released
head, which has no parameters: the stacks' state-dict keys are ``{0,3,6,...}.weight`` and, for
convolutions, ``.bias``, as in the released checkpoints).
"""
from typing import Sequence

import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer

__all__ = ['DECONV_PADDING', 'norm_act', 'deconv_stack', 'conv_stack']

#: ConvTranspose2d (padding, output_padding) that double the size for each kernel size.
DECONV_PADDING = {4: (1, 0), 3: (1, 1), 2: (0, 0)}
#: The released heads' norm and activation.
NORM_CFG = dict(type='IN', affine=False)
ACT_CFG = dict(type='SiLU')


def norm_act(channels: int, norm_cfg: dict = NORM_CFG, act_cfg: dict = ACT_CFG) -> list:
    """[norm, activation] for a feature map of ``channels`` channels."""
    return [build_norm_layer(norm_cfg, channels)[1], build_activation_layer(act_cfg)]


def deconv_stack(in_channels: int, out_channels: Sequence[int], kernel_sizes: Sequence[int],
                 norm_cfg: dict = NORM_CFG, act_cfg: dict = ACT_CFG) -> nn.Sequential:
    """One [ConvTranspose2d(kernel, stride 2, no bias), norm, act] per entry: (B, C, h, w) ->
    (B, out_channels[-1], 2^n h, 2^n w). Kernel sizes 2, 3 or 4."""
    layers = []
    for out, kernel in zip(out_channels, kernel_sizes):
        if kernel not in DECONV_PADDING:
            raise ValueError(f'deconvolution kernel size must be 2, 3 or 4, got {kernel}')
        padding, output_padding = DECONV_PADDING[kernel]
        layers.append(nn.ConvTranspose2d(in_channels, out, kernel, stride=2, padding=padding,
                                         output_padding=output_padding, bias=False))
        layers += norm_act(out, norm_cfg, act_cfg)
        in_channels = out
    return nn.Sequential(*layers)


def conv_stack(in_channels: int, out_channels: Sequence[int], kernel_sizes: Sequence[int],
               norm_cfg: dict = NORM_CFG, act_cfg: dict = ACT_CFG) -> nn.Sequential:
    """One [Conv2d(kernel, "same" padding), norm, act] per entry; odd kernel sizes."""
    layers = []
    for out, kernel in zip(out_channels, kernel_sizes):
        if kernel % 2 != 1:
            raise ValueError(f'convolution kernel size must be odd, got {kernel}')
        layers.append(nn.Conv2d(in_channels, out, kernel, padding=kernel // 2))
        layers += norm_act(out, norm_cfg, act_cfg)
        in_channels = out
    return nn.Sequential(*layers)

"""Sapiens2 body-part segmentation head (the release's ``SegHead``,
``sapiens/dense/src/models/heads/seg_head.py``)."""
from sapiens_mm.registry import MODELS
from .sapiens_deconv_head import SapiensDeconvHead

__all__ = ['Sapiens2SegHead']

#: The release's init: Kaiming normal (fan out, ReLU gain) on the convolutions, bias 0; the
#: deconvolutions keep PyTorch's default.
SAPIENS2_CONV_INIT = (dict(type='Kaiming', layer='Conv2d', mode='fan_out',
                           nonlinearity='relu', distribution='normal', bias=0), )


@MODELS.register_module()
class Sapiens2SegHead(SapiensDeconvHead):
    """Four stride-2 deconvolutions (512, 256, 128, 64) and two 1x1 convolutions at 64, each
    followed by ``InstanceNorm2d(affine=False)`` + SiLU, then ``conv_seg`` (1x1) to 29 logits;
    no dropout. The same for every Sapiens2 size.

    Shapes: (B, C, H/16, W/16) -> logits (B, 29, H, W), the full input resolution
    ((B, 29, 1024, 768) at 1024x768; v1's head stops at H/2). State-dict keys are the
    release's: ``deconv_layers.{0,3,6,9}.weight``, ``conv_layers.{0,3}.{weight,bias}``,
    ``conv_seg.{weight,bias}``.

    Args: see :class:`SapiensDeconvHead`. Losses of the release's configs: class-weighted
    cross-entropy averaged over all pixels plus :class:`ForegroundDiceLoss`.
    """

    def __init__(self, in_channels: int, channels: int = 64, num_classes: int = 29,
                 deconv_out_channels=(512, 256, 128, 64), deconv_kernel_sizes=(4, 4, 4, 4),
                 conv_out_channels=(64, 64), conv_kernel_sizes=(1, 1),
                 dropout_ratio: float = 0.0, init_cfg=SAPIENS2_CONV_INIT, **kwargs):
        super().__init__(in_channels, channels, num_classes=num_classes,
                         deconv_out_channels=deconv_out_channels,
                         deconv_kernel_sizes=deconv_kernel_sizes,
                         conv_out_channels=conv_out_channels,
                         conv_kernel_sizes=conv_kernel_sizes, dropout_ratio=dropout_ratio,
                         init_cfg=init_cfg, **kwargs)

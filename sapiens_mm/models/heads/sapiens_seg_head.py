"""Sapiens body-part segmentation head (``VitHead`` of the release,
``seg/mmseg/models/decode_heads/vit_head.py``)."""
from sapiens_mm.registry import MODELS
from .sapiens_deconv_head import SapiensDeconvHead

__all__ = ['SapiensSegHead']


@MODELS.register_module()
class SapiensSegHead(SapiensDeconvHead):
    """Three stride-2 deconvolutions and three 1x1 convolutions at 768 channels, then a 1x1
    ``conv_seg`` to the class logits.

    Shapes: (B, C, H/16, W/16) -> logits (B, num_classes, H/2, W/2); (B, C, 64, 48) ->
    (B, 28, 512, 384) at 1024x768. The loss (mmseg's ``BaseDecodeHead.loss_by_feat``) and
    prediction resize the logits bilinearly to the label / input size.

    Args: see :class:`SapiensDeconvHead`; the release uses ``channels=768``,
        ``num_classes=28`` and a class-weighted ``CrossEntropyLoss``.
    """

    def __init__(self, in_channels: int, channels: int = 768, num_classes: int = 28,
                 deconv_kernel_sizes=(4, 4, 4), conv_kernel_sizes=(1, 1, 1), **kwargs):
        super().__init__(in_channels, channels, num_classes=num_classes,
                         deconv_kernel_sizes=deconv_kernel_sizes,
                         conv_kernel_sizes=conv_kernel_sizes, **kwargs)

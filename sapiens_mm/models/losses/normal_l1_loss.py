"""L1 loss of surface normals over the person (the release's ``L1Loss``,
``seg/mmseg/models/losses/l1_loss.py``)."""
from typing import Optional

import torch.nn as nn
from torch import Tensor

from sapiens_mm.registry import MODELS
from .foreground_average import foreground_average

__all__ = ['NormalL1Loss']


@MODELS.register_module()
class NormalL1Loss(nn.Module):
    """``sum over valid pixels and the 3 channels of |p - t|``, divided by the number of valid
    pixels (not pixels x 3, as the release), times ``loss_weight``. It pulls the raw prediction
    towards the unit target, the only unit-length constraint besides the scale-free cosine.

    Args:
        loss_weight (float): multiplies the loss. Defaults to 1.0.
        loss_name (str): key in the loss dict. Defaults to ``'loss_normal_l1'``.

    Shapes: ``pred`` and ``target`` (B, C, H, W); ``valid_mask`` (B, H, W) bool, by default
    ``|target| > 0.5``. No valid pixel gives 0 (with a graph).
    """

    def __init__(self, loss_weight: float = 1.0, loss_name: str = 'loss_normal_l1'):
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, pred: Tensor, target: Tensor,
                valid_mask: Optional[Tensor] = None) -> Tensor:
        return self.loss_weight * foreground_average(
            lambda p, t: (p - t).abs().sum(dim=1), pred, target, valid_mask)

    @property
    def loss_name(self) -> str:
        return self._loss_name

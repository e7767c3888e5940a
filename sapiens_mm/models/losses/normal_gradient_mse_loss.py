"""Squared error of the spatial forward differences of normal maps, over neighbouring person
pixels (the release's ``NormalGradL1Loss``, ``sapiens/dense/src/models/losses/normal_loss.py``:
despite its name it computes a masked *mean squared* error, which is what this class does)."""
from typing import Optional

import torch
import torch.nn as nn
from torch import Tensor

from sapiens_mm.registry import MODELS
from sapiens_mm.utils.masks import normal_foreground

__all__ = ['NormalGradientMSELoss']


@MODELS.register_module()
class NormalGradientMSELoss(nn.Module):
    """``E_x + E_y``, times ``loss_weight``, where::

        E_x = sum_{b,c,i,j} m_x (dx p - dx t)^2 / max(1, sum m_x),  dx f = f[..., j+1] - f[..., j]

    and ``m_x`` is 1 where both horizontal neighbours are valid (``E_y`` likewise along rows).
    The channel sum is inside the numerator and not in the count (as the release). A
    non-finite result becomes 0 (the release's ``nan_to_num``).

    Args:
        loss_weight (float): multiplies the loss; the Sapiens2 normal configs use 10.
        loss_name (str): key in the loss dict. Defaults to ``'loss_normal_grad'``.

    Shapes: ``pred``, ``target`` (B, 3, H, W); ``valid_mask`` (B, H, W) bool, by default
    ``|target| > 0.5`` (the project's normal targets are 0 off the person).
    """

    def __init__(self, loss_weight: float = 1.0, loss_name: str = 'loss_normal_grad'):
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, pred: Tensor, target: Tensor,
                valid_mask: Optional[Tensor] = None) -> Tensor:
        if pred.shape != target.shape:
            raise ValueError(f'pred {tuple(pred.shape)} and target {tuple(target.shape)} '
                             f'differ')
        if valid_mask is None:
            valid_mask = normal_foreground(target, axis=1)
        m = valid_mask.to(pred.dtype).unsqueeze(1)
        if m.sum() == 0:
            return pred.sum() * 0
        target = target.to(pred.dtype)
        total = pred.new_zeros(())
        for dim in (3, 2):
            n = pred.shape[dim]
            dp = pred.narrow(dim, 1, n - 1) - pred.narrow(dim, 0, n - 1)
            dt = target.narrow(dim, 1, n - 1) - target.narrow(dim, 0, n - 1)
            md = m.narrow(dim, 1, n - 1) * m.narrow(dim, 0, n - 1)
            total = total + ((dp - dt)**2 * md).sum() / md.sum().clamp(min=1)
        total = torch.nan_to_num(total, nan=0.0, posinf=0.0, neginf=0.0)
        return self.loss_weight * total

    @property
    def loss_name(self) -> str:
        return self._loss_name

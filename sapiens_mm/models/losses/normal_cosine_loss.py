"""Cosine loss of surface normals over the person (the release's
``CosineSimilarityLoss``, ``seg/mmseg/models/losses/cosine_similarity_loss.py``)."""
from typing import Optional

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from sapiens_mm.registry import MODELS
from .foreground_average import foreground_average

__all__ = ['NormalCosineLoss']


@MODELS.register_module()
class NormalCosineLoss(nn.Module):
    """``mean over valid pixels of (1 - <p/|p|, t/|t|>)``, times ``loss_weight``.

    Args:
        loss_weight (float): multiplies the loss. Defaults to 1.0.
        eps (float): lower bound of the norms when normalising. Defaults to 1e-6.
        loss_name (str): key in the loss dict. Defaults to ``'loss_normal_cos'``.

    Shapes: ``pred`` and ``target`` (B, 3, H, W); ``valid_mask`` (B, H, W) bool, by default
    ``|target| > 0.5``. No valid pixel gives 0 (with a graph).
    """

    def __init__(self, loss_weight: float = 1.0, eps: float = 1e-6,
                 loss_name: str = 'loss_normal_cos'):
        super().__init__()
        self.loss_weight = loss_weight
        self.eps = eps
        self._loss_name = loss_name

    def forward(self, pred: Tensor, target: Tensor,
                valid_mask: Optional[Tensor] = None) -> Tensor:
        def one_minus_cos(p, t):
            return 1 - (F.normalize(p, dim=1, eps=self.eps) *
                        F.normalize(t, dim=1, eps=self.eps)).sum(dim=1)

        return self.loss_weight * foreground_average(one_minus_cos, pred, target, valid_mask)

    @property
    def loss_name(self) -> str:
        return self._loss_name

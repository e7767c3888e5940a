"""The three losses of the Sapiens2 albedo head (the release's
``sapiens/dense/src/models/losses/{l1_loss,albedo_loss}.py``; weights of
``sapiens/dense/configs/albedo/render_people/*``: L1 x2, gradient x2, chromaticity x1).

Each is called ``loss(pred, target, valid_mask)`` with ``pred``, ``target`` (B, 3, H, W) RGB
albedo in [0, 1] and ``valid_mask`` (B, 1, H, W) the person; non-finite results become 0 (the
release's ``nan_to_num``).
"""
import torch
import torch.nn as nn
from torch import Tensor

from sapiens_mm.registry import MODELS
from .pointmap_losses import masked_l1

__all__ = ['AlbedoL1Loss', 'AlbedoGradientMSELoss', 'AlbedoChromaticityL1Loss']


class _AlbedoLoss(nn.Module):
    default_name = 'loss_albedo'

    def __init__(self, loss_weight: float = 1.0, loss_name: str = None):
        super().__init__()
        self.loss_weight = float(loss_weight)
        self._loss_name = loss_name or self.default_name

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def forward(self, pred: Tensor, target: Tensor, valid_mask: Tensor) -> Tensor:
        if pred.shape != target.shape:
            raise ValueError(f'{type(self).__name__}: pred {tuple(pred.shape)} and target '
                             f'{tuple(target.shape)} differ')
        loss = self.loss_weight * self.value(pred, target.to(pred.dtype),
                                             valid_mask.to(pred.dtype))
        return torch.nan_to_num(loss, nan=0.0, posinf=0.0, neginf=0.0)


@MODELS.register_module()
class AlbedoL1Loss(_AlbedoLoss):
    """``w * sum |p - t| m / sum m`` (sum over the 3 channels, divided by the number of person
    pixels): the release's ``L1Loss`` x2. Name ``'loss_l1'``."""
    default_name = 'loss_l1'

    def value(self, pred, target, mask):
        return masked_l1(pred, target, mask)


@MODELS.register_module()
class AlbedoGradientMSELoss(_AlbedoLoss):
    """``w * 0.5 * (E_x + E_y)``, ``E_x = sum m_x (dx p - dx t)^2 / max(1, sum m_x)`` with
    forward differences and ``m_x`` = both neighbours on the person (``E_y`` likewise): the
    release's ``AlbedoGradL1Loss`` x2, which despite its name is a squared error. Name
    ``'loss_grad_l1'`` (the release's)."""
    default_name = 'loss_grad_l1'

    def value(self, pred, target, mask):
        if mask.sum() == 0:
            return pred.sum() * 0
        total = 0
        for dim in (3, 2):
            n = pred.shape[dim] - 1
            dp = pred.narrow(dim, 1, n) - pred.narrow(dim, 0, n)
            dt = target.narrow(dim, 1, n) - target.narrow(dim, 0, n)
            m = mask.narrow(dim, 1, n) * mask.narrow(dim, 0, n)
            total = total + ((dp - dt) ** 2 * m).sum() / m.sum().clamp(min=1)
        return 0.5 * total


@MODELS.register_module()
class AlbedoChromaticityL1Loss(_AlbedoLoss):
    """Brightness-free colour error: the prediction clamped to [0, 1], chroma
    ``rgb / (r + g + b + 1e-6)`` of both, masked L1 summed over channels per person pixel: the
    release's ``AlbedoChromaticityL1Loss`` x1. Name ``'loss_chroma_l1'``."""
    default_name = 'loss_chroma_l1'

    def value(self, pred, target, mask):
        pred = pred.clamp(0, 1)
        pc = pred / (pred.sum(dim=1, keepdim=True) + 1e-6)
        tc = target / (target.sum(dim=1, keepdim=True) + 1e-6)
        return ((pc - tc).abs() * mask).sum() / mask.sum().clamp(min=1)

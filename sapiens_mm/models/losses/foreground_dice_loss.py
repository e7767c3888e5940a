"""Soft Dice loss over the foreground classes present in each image (the release's
``DiceLoss``, ``sapiens/dense/src/models/losses/seg_loss.py``, as its Sapiens2 segmentation
configs use it: softmax, background excluded, squared-sum denominator, eps 1e-3)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from sapiens_mm.registry import MODELS

__all__ = ['ForegroundDiceLoss']


@MODELS.register_module()
class ForegroundDiceLoss(nn.Module):
    """``mean over images of w_b (1 - dice_b)``, times ``loss_weight``.

    Per image b, with p = softmax(logits) and g the one-hot labels, both zeroed on ignored
    pixels, for each foreground class c (c >= 1) present in the image's labels::

        dice_bc = (2 sum(p g) + eps) / (sum(p^2) + sum(g^2) + eps)

    ``dice_b`` is the mean of ``dice_bc`` over the present classes; ``w_b`` is 0 for an image
    without any foreground label (or without any valid pixel) and 1 otherwise, and the mean is
    over all B images (the release returns the per-image values with ``reduction='none'``
    and its loss parser averages them, zeros included).

    Args:
        loss_weight (float): multiplies the loss. Defaults to 1.0.
        eps (float): smoothing of numerator and denominator. Defaults to 1e-3.
        ignore_index (int): label of pixels left out. Defaults to 255.
        loss_name (str): key in the loss dict. Defaults to ``'loss_dice'``.

    Shapes: ``logits`` (B, C, H, W); ``labels`` (B, H, W) integer. Called by mmseg's
    ``BaseDecodeHead.loss_by_feat`` as ``loss(logits, labels, weight=None, ignore_index=...)``.
    """

    def __init__(self, loss_weight: float = 1.0, eps: float = 1e-3, ignore_index: int = 255,
                 loss_name: str = 'loss_dice'):
        super().__init__()
        self.loss_weight = loss_weight
        self.eps = eps
        self.ignore_index = ignore_index
        self._loss_name = loss_name

    def forward(self, logits: Tensor, labels: Tensor, weight=None, ignore_index=None,
                **kwargs) -> Tensor:
        if logits.dim() != 4 or labels.dim() != 3:
            raise ValueError(f'{type(self).__name__}: expected logits (B, C, H, W) and labels '
                             f'(B, H, W), got {tuple(logits.shape)} and {tuple(labels.shape)}')
        ignore = self.ignore_index if ignore_index is None else ignore_index
        num_classes = logits.shape[1]
        labels = labels.long()
        valid = labels != ignore
        safe = torch.where(valid, labels, torch.zeros_like(labels))
        if (safe >= num_classes).any() or (safe < 0).any():
            raise ValueError(f'{type(self).__name__}: labels outside 0..{num_classes - 1} '
                             f'(ignore index {ignore})')
        prob = logits.float().softmax(dim=1)
        mask = valid.unsqueeze(1).to(prob.dtype)
        onehot = F.one_hot(safe, num_classes).permute(0, 3, 1, 2).to(prob.dtype)
        p = (prob * mask)[:, 1:]
        g = (onehot * mask)[:, 1:]
        inter = (p * g).sum(dim=(2, 3))
        dice = (2 * inter + self.eps) / ((p * p).sum(dim=(2, 3)) + (g * g).sum(dim=(2, 3)) +
                                         self.eps)
        present = (g.sum(dim=(2, 3)) > 0).to(prob.dtype)  # (B, C-1)
        per_image = (dice * present).sum(dim=1) / present.sum(dim=1).clamp(min=1)
        has_fg = (present.sum(dim=1) > 0).to(prob.dtype)
        loss = ((1 - per_image) * has_fg).mean()
        return self.loss_weight * loss.to(logits.dtype)

    @property
    def loss_name(self) -> str:
        return self._loss_name

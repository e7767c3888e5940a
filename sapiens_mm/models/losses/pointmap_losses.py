"""The seven losses of the Sapiens2 pointmap head (the release's
``sapiens/dense/src/models/losses/{l1_loss,silog_loss,pointmap_loss}.py`` as called by
``sapiens/dense/src/models/heads/pointmap_head.py``; weights of the release's configs
``sapiens/dense/configs/pointmap/render_people/*``).

Every class takes the same call, so the head needs no per-loss dispatch::

    loss(pred, target, valid_mask, mean_depth=, pred_scale=, target_scale=, intrinsics=)

with ``pred``, ``target`` (B, 3, H, W) canonical XYZ maps (camera frame of a camera with focal
768 px at the network input: ``XYZ_canonical = s * XYZ_metric``, ``s = 768 / fx``; the target is
0 off the person), ``valid_mask`` (B, 1, H, W) bool person mask, ``mean_depth`` (B, 1, 1, 1) the
mean canonical target depth over the mask, ``pred_scale`` (B, 1) predicted ``s``,
``target_scale`` (B, 1) the true ``s``, ``intrinsics`` (B, 3, 3) K of the network input before the
canonical rescale (pixels). Each class reads what it needs.

What the release does and these classes keep: the masked sums run over the three channels and
are divided by the number of valid *pixels*; the three depth-normalised losses are clamped to
``max_value`` (4.0) *after* the weight; non-finite results become 0 where the release calls
``nan_to_num`` (noted per class).
"""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from sapiens_mm.registry import MODELS

__all__ = [
    'PointmapDepthNormalizedL1Loss', 'PointmapUpsampledL1Loss', 'PointmapDepthSiLogLoss',
    'PointmapIntrinsicsConsistencyLoss', 'PointmapCentredL1Loss', 'PointmapNormalLoss',
    'PointmapScaleL1Loss', 'masked_l1', 'pointmap_normals'
]


def _required(value: Optional[Tensor], name: str, owner: nn.Module) -> Tensor:
    if value is None:
        raise ValueError(f'{type(owner).__name__} needs {name}=')
    return value


def _check_maps(pred: Tensor, target: Tensor, owner: nn.Module) -> None:
    if pred.shape != target.shape or pred.dim() != 4:
        raise ValueError(f'{type(owner).__name__}: pred {tuple(pred.shape)} and target '
                         f'{tuple(target.shape)} must be the same (B, C, H, W) shape')


def masked_l1(pred: Tensor, target: Tensor, valid_mask: Tensor) -> Tensor:
    """``sum |pred - target| * m`` over batch, channels and pixels, divided by the number of
    valid pixels (``max(1, sum m)``); ``0 * pred.sum()`` when no pixel is valid. The release's
    ``L1Loss`` before its weight."""
    valid = valid_mask.to(pred.dtype)
    if valid.sum() == 0:
        return pred.sum() * 0
    return ((pred - target).abs() * valid).sum() / valid.sum().clamp(min=1)


class _PointmapLoss(nn.Module):
    """Weight, name and the common call of the pointmap losses."""
    default_name = 'loss_pointmap'

    def __init__(self, loss_weight: float = 1.0, loss_name: Optional[str] = None):
        super().__init__()
        self.loss_weight = float(loss_weight)
        self._loss_name = loss_name or self.default_name

    @property
    def loss_name(self) -> str:
        return self._loss_name


class _DepthNormalizedLoss(_PointmapLoss):
    """Losses on ``P / d`` and ``G / d`` (``d`` = ``mean_depth``), clamped to ``max_value``."""

    def __init__(self, loss_weight: float = 1.0, max_value: Optional[float] = 4.0,
                 loss_name: Optional[str] = None):
        super().__init__(loss_weight, loss_name)
        self.max_value = max_value

    def value(self, pred: Tensor, target: Tensor, valid_mask: Tensor) -> Tensor:
        raise NotImplementedError

    def forward(self, pred: Tensor, target: Tensor, valid_mask: Tensor,
                mean_depth: Optional[Tensor] = None, **unused) -> Tensor:
        _check_maps(pred, target, self)
        depth = _required(mean_depth, 'mean_depth', self)
        loss = self.loss_weight * self.value(pred / depth, target / depth, valid_mask)
        loss = torch.nan_to_num(loss, nan=0.0, posinf=0.0, neginf=0.0)
        return loss if self.max_value is None else loss.clamp(max=self.max_value)


@MODELS.register_module()
class PointmapDepthNormalizedL1Loss(_DepthNormalizedLoss):
    """Masked L1 of the depth-normalised maps: ``min(w * sum|P/d - G/d| m / sum m, 4)``
    (the release's ``L1Loss`` x2 on ``pointmap / gt_mean_depth``, clamped in the head).

    Args:
        loss_weight (float): ``w``; 2.0 in the release's configs.
        max_value (float | None): clamp of the weighted loss; 4.0 as the release.
        loss_name (str): key in the loss dict; ``'loss_l1'``.
    """
    default_name = 'loss_l1'

    def value(self, pred, target, valid_mask):
        return masked_l1(pred, target, valid_mask)


@MODELS.register_module()
class PointmapUpsampledL1Loss(_DepthNormalizedLoss):
    """The same masked L1 after upsampling both normalised maps by ``scale_factor`` (bilinear,
    ``align_corners=False``) and the mask (nearest): the release's ``MultiscaleL1Loss``
    (``l1_loss.py``), which weighs pixels near the mask edge differently from the plain L1.

    Args:
        scale_factor (int): 2 in the release's configs (name ``'loss_multiscale_l1_2'``).
        mode (str): ``'bilinear'`` or ``'bicubic'``.
        loss_weight, max_value: as :class:`PointmapDepthNormalizedL1Loss` (1.0, 4.0).
    """

    def __init__(self, scale_factor: int = 2, mode: str = 'bilinear', **kwargs):
        if mode not in ('bilinear', 'bicubic'):
            raise ValueError(f"mode must be 'bilinear' or 'bicubic', got {mode!r}")
        kwargs.setdefault('loss_name', f'loss_multiscale_l1_{scale_factor}')
        super().__init__(**kwargs)
        self.scale_factor = scale_factor
        self.mode = mode

    def value(self, pred, target, valid_mask):
        up = dict(scale_factor=self.scale_factor, mode=self.mode, align_corners=False)
        mask = F.interpolate(valid_mask.to(pred.dtype), scale_factor=self.scale_factor,
                             mode='nearest')
        return masked_l1(F.interpolate(pred, **up), F.interpolate(target, **up), mask)


@MODELS.register_module()
class PointmapCentredL1Loss(_DepthNormalizedLoss):
    """Shift-invariant L1: each normalised cloud minus its own masked centroid
    (``sum P m / (sum m + 1e-6)`` per sample and channel), then the masked L1; the release's
    ``PointmapShiftInvariantL1Loss`` x1, clamped to 4.0 in the head.

    Args: as :class:`PointmapDepthNormalizedL1Loss`; name ``'loss_shift_invariant'``.
    """
    default_name = 'loss_shift_invariant'

    def value(self, pred, target, valid_mask):
        valid = valid_mask.to(pred.dtype)
        if valid.sum() == 0:
            return pred.sum() * 0
        count = valid.sum(dim=(2, 3), keepdim=True) + 1e-6
        pred = pred - (pred * valid).sum(dim=(2, 3), keepdim=True) / count
        target = target - (target * valid).sum(dim=(2, 3), keepdim=True) / count
        return masked_l1(pred, target, valid)


@MODELS.register_module()
class PointmapDepthSiLogLoss(_PointmapLoss):
    """Scale-invariant log loss of the canonical depth (channel 2), the release's ``SiLogLoss``
    (``silog_loss.py``, its ``eps=-100`` keeps every masked pixel)::

        d = log(max(G_z, 1e-4)) - log(max(P_z, 1e-4))         over mask pixels, NaN d dropped
        L = w * mean_b sqrt(mean(d^2) - 0.5 * mean(d)^2)

    Args:
        loss_weight (float): ``w``; 1.0 in the release's configs.
        loss_name (str): ``'loss_silog'``.
    """
    default_name = 'loss_silog'

    def forward(self, pred: Tensor, target: Tensor, valid_mask: Tensor, **unused) -> Tensor:
        _check_maps(pred, target, self)
        pred, target = pred[:, 2].flatten(1), target[:, 2].flatten(1)
        diff = torch.log(target.clamp(min=1e-4)) - torch.log(pred.clamp(min=1e-4))
        valid = valid_mask.flatten(1).bool() & ~torch.isnan(diff)
        diff = torch.where(valid, diff, torch.zeros_like(diff))
        count = valid.to(diff.dtype).sum(dim=1).clamp(min=1e-4)
        mean_sq = diff.pow(2).sum(dim=1) / count
        mean = diff.sum(dim=1) / count
        return self.loss_weight * torch.sqrt(mean_sq - 0.5 * mean.pow(2)).mean()


@MODELS.register_module()
class PointmapIntrinsicsConsistencyLoss(_PointmapLoss):
    """How far the predicted X and Y are from the ray through their pixel at the predicted Z::

        x = (u - cx) P_z / fx,  y = (v - cy) P_z / fy            (u column, v row, pixels)
        L = w * sum (|P_x - x| + |P_y - y|) m / sum m

    with K of the network input before the canonical rescale (``original_K``: X/Z and Y/Z do
    not change under it). The release's ``PointmapIntrinsicsConsistencyLoss`` x1; NaN -> 0.

    Args:
        loss_weight (float): ``w``; 1.0 in the release's configs.
        loss_name (str): ``'loss_K_consistency'``.
    """
    default_name = 'loss_K_consistency'

    def forward(self, pred: Tensor, target: Tensor, valid_mask: Tensor,
                intrinsics: Optional[Tensor] = None, **unused) -> Tensor:
        _check_maps(pred, target, self)
        K = _required(intrinsics, 'intrinsics', self).to(pred.dtype)
        if K.shape != (pred.shape[0], 3, 3):
            raise ValueError(f'{type(self).__name__}: intrinsics must be (B, 3, 3), got '
                             f'{tuple(K.shape)}')
        valid = valid_mask.to(pred.dtype)[:, 0]
        if valid.sum() == 0:
            return pred.sum() * 0
        height, width = pred.shape[2:]
        u = torch.arange(width, device=pred.device, dtype=pred.dtype).view(1, 1, width)
        v = torch.arange(height, device=pred.device, dtype=pred.dtype).view(1, height, 1)
        fx, fy, cx, cy = (K[:, i, j].view(-1, 1, 1) for i, j in ((0, 0), (1, 1), (0, 2), (1, 2)))
        z = pred[:, 2]
        err = (pred[:, 0] - (u - cx) * z / fx).abs() + (pred[:, 1] - (v - cy) * z / fy).abs()
        loss = (err * valid).sum() / valid.sum().clamp(min=1)
        return torch.nan_to_num(loss, nan=0.0) * self.loss_weight


def pointmap_normals(pointmap: Tensor, amplification: float = 100.0):
    """Unit normals of a (B, 3, H, W) XYZ map: ``cross(right - centre, down - centre)`` after
    reflect padding (so the last column/row uses the mirrored neighbour), both differences
    multiplied by ``amplification`` before the cross product (the release's
    ``PointmapNormalLoss.compute_normals``). Returns (normals (B, 3, H, W), magnitude > 1e-6
    (B, 1, H, W) bool); degenerate normals are 0."""
    padded = F.pad(pointmap, (1, 1, 1, 1), mode='reflect')
    centre = padded[:, :, 1:-1, 1:-1]
    dx = (padded[:, :, 1:-1, 2:] - centre) * amplification
    dy = (padded[:, :, 2:, 1:-1] - centre) * amplification
    normal = torch.cross(dx, dy, dim=1)
    magnitude = normal.norm(dim=1, keepdim=True)
    ok = magnitude > 1e-6
    return normal / magnitude.clamp(min=1e-6) * ok.to(normal.dtype), ok


@MODELS.register_module()
class PointmapNormalLoss(_PointmapLoss):
    """Surface normals of the *metric* maps (both divided by the true scale ``s``) compared
    where the target normal exists (magnitude > 1e-6) on the mask::

        L = w * sum [(1 - clamp(n_p . n_g, -1, 1)) + l1_weight * mean_c |n_p - n_g|] v / sum v

    the release's ``PointmapNormalLoss`` x2 (normals as :func:`pointmap_normals`).

    Args:
        loss_weight (float): ``w``; 2.0 in the release's configs.
        l1_weight (float): weight of the L1 term; 1.0.
        loss_name (str): ``'loss_normal'``.
    """
    default_name = 'loss_normal'

    def __init__(self, loss_weight: float = 1.0, l1_weight: float = 1.0,
                 loss_name: Optional[str] = None):
        super().__init__(loss_weight, loss_name)
        self.l1_weight = l1_weight

    def forward(self, pred: Tensor, target: Tensor, valid_mask: Tensor,
                target_scale: Optional[Tensor] = None, **unused) -> Tensor:
        _check_maps(pred, target, self)
        scale = _required(target_scale, 'target_scale', self).to(pred.dtype).view(-1, 1, 1, 1)
        if valid_mask.sum() == 0:
            return pred.sum() * 0
        pred_n, pred_ok = pointmap_normals(pred / scale)
        target_n, target_ok = pointmap_normals(target / scale)
        mask = valid_mask.bool()
        pred_n = pred_n * mask.to(pred.dtype)
        target_n = target_n * mask.to(pred.dtype)
        valid = (target_ok & mask).to(pred.dtype)
        cos = (pred_n * target_n).sum(dim=1, keepdim=True).clamp(-1.0, 1.0)
        l1 = (pred_n - target_n).abs().mean(dim=1, keepdim=True)
        per_pixel = (1 - cos) + self.l1_weight * l1
        return self.loss_weight * (per_pixel * valid).sum() / valid.sum().clamp(min=1)


@MODELS.register_module()
class PointmapScaleL1Loss(_PointmapLoss):
    """``w * mean_b |pred_scale - target_scale|``: the canonical scale ``s = 768 / fx`` of the
    scale branch (the release's ``PointmapScaleL1Loss`` x4).

    Args:
        loss_weight (float): ``w``; 4.0 in the release's configs.
        loss_name (str): ``'loss_scale_l1'``.
    """
    default_name = 'loss_scale_l1'

    def forward(self, pred: Tensor, target: Tensor, valid_mask: Tensor,
                pred_scale: Optional[Tensor] = None, target_scale: Optional[Tensor] = None,
                **unused) -> Tensor:
        pred_s = _required(pred_scale, 'pred_scale', self)
        target_s = _required(target_scale, 'target_scale', self).to(pred_s)
        return self.loss_weight * F.l1_loss(pred_s, target_s.view_as(pred_s))

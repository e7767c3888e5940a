"""Errors of predicted albedo on the person (the release's ``AlbedoEvaluator``,
``sapiens/dense/src/evaluators/albedo_evaluator.py``).

Pooled over the evaluation set: ``mae`` and ``rmse`` of the per-pixel channel-mean errors,
``psnr`` from that MSE with peak 1 (255 when the first ground truth seen exceeds 1.5),
``ssim`` = mean over valid windows of a masked SSIM (11x11 Gaussian window, sigma 1.5, local
statistics normalised by the window's mask weight; a window is valid where that weight > 0.5),
``grad_l1`` = mean channel-averaged |forward difference error| over neighbour pairs on the
person.
"""
from typing import Dict, List, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric

from sapiens_mm.registry import METRICS

__all__ = ['AlbedoMetric', 'masked_ssim_sum']


def _gaussian_window(size: int = 11, sigma: float = 1.5, dtype=torch.float64) -> torch.Tensor:
    ax = torch.arange(size, dtype=dtype) - (size - 1) / 2.0
    yy, xx = torch.meshgrid(ax, ax, indexing='ij')
    k = torch.exp(-(xx * xx + yy * yy) / (2 * sigma * sigma))
    return k / k.sum()


def masked_ssim_sum(pred: torch.Tensor, gt: torch.Tensor, mask: torch.Tensor,
                    data_range: float):
    """(sum of the channel-mean SSIM over valid windows, number of valid windows) of (3, H, W)
    maps and an (H, W) bool mask."""
    eps = 1e-8
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    x, y = pred[None].float(), gt[None].float()
    m = mask[None, None].to(x.dtype)
    k = _gaussian_window(dtype=x.dtype)[None, None]
    channels = x.shape[1]

    def conv(z):
        return F.conv2d(z, k.repeat(channels, 1, 1, 1), padding=5, groups=channels)

    weight = F.conv2d(m, k, padding=5).clamp(min=eps)
    mu_x, mu_y = conv(x * m) / weight, conv(y * m) / weight
    var_x = conv(x * x * m) / weight - mu_x ** 2
    var_y = conv(y * y * m) / weight - mu_y ** 2
    cov = conv(x * y * m) / weight - mu_x * mu_y
    ssim = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / (
        (mu_x ** 2 + mu_y ** 2 + c1) * (var_x + var_y + c2) + eps)
    valid = weight[0, 0] > 0.5
    return float(ssim.mean(dim=1)[0][valid].double().sum()), float(valid.sum())


@METRICS.register_module()
class AlbedoMetric(BaseMetric):
    """``pred_albedo_map`` against ``gt_albedo_map`` ((3, H, W), RGB) on ``gt_albedo_mask``
    ((1, H, W)); the prediction is resized bilinearly to the target if the sizes differ.

    Reported (prefix ``albedo/``): ``mae``, ``rmse``, ``psnr`` (dB), ``ssim``, ``grad_l1``.

    Args: ``collect_device``, ``prefix`` of mmengine's ``BaseMetric``.
    """
    default_prefix = 'albedo'

    def __init__(self, collect_device: str = 'cpu', prefix=None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.data_range = None

    @staticmethod
    def _tensor(field) -> torch.Tensor:
        data = field['data'] if isinstance(field, dict) else getattr(field, 'data', field)
        return torch.as_tensor(data).detach().cpu().float()

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            for key in ('pred_albedo_map', 'gt_albedo_map', 'gt_albedo_mask'):
                if key not in sample:
                    raise KeyError(f'{type(self).__name__}: data sample has no {key!r}')
            gt = self._tensor(sample['gt_albedo_map'])
            pred = self._tensor(sample['pred_albedo_map'])
            mask = self._tensor(sample['gt_albedo_mask'])[0] > 0
            if pred.shape[1:] != gt.shape[1:]:
                pred = F.interpolate(pred[None], size=gt.shape[1:], mode='bilinear',
                                     align_corners=False)[0]
            if self.data_range is None:  # the release fixes it on the first batch
                self.data_range = 255.0 if float(gt.max()) > 1.5 else 1.0
            self.results.append(self.sums(pred, gt, mask))

    def sums(self, pred: torch.Tensor, gt: torch.Tensor, mask: torch.Tensor) -> np.ndarray:
        """[sum |e|, sum e^2, pixels, sum grad |e|, pairs, sum ssim, windows] of one image."""
        if not mask.any():
            return np.zeros(7)
        diff = pred - gt
        out = [float(diff.abs().mean(0)[mask].double().sum()),
               float((diff * diff).mean(0)[mask].double().sum()), float(mask.sum())]
        grad, pairs = 0.0, 0.0
        for dim in (2, 1):
            n = pred.shape[dim] - 1
            m = mask.narrow(dim - 1, 1, n) & mask.narrow(dim - 1, 0, n)
            e = (pred.narrow(dim, 1, n) - pred.narrow(dim, 0, n)) - \
                (gt.narrow(dim, 1, n) - gt.narrow(dim, 0, n))
            grad += float(e.abs().mean(0)[m].double().sum())
            pairs += float(m.sum())
        ssim_sum, windows = masked_ssim_sum(pred, gt, mask, self.data_range or 1.0)
        return np.array(out + [grad, pairs, ssim_sum, windows])

    def compute_metrics(self, results: List[np.ndarray]) -> Dict[str, float]:
        t = np.sum(results, axis=0)
        if t[2] <= 0:
            return {}
        mse = max(t[1] / t[2], 1e-12)
        peak = float(self.data_range or 1.0)
        return dict(mae=float(t[0] / t[2]), rmse=float(np.sqrt(mse)),
                    psnr=float(10 * np.log10(peak ** 2 / mse)),
                    ssim=float(t[5] / max(t[6], 1.0)), grad_l1=float(t[3] / max(t[4], 1.0)))

"""Relative-depth metric on the person: scale-and-shift aligned and unaligned errors.

The release trains depth but ships no evaluation (``val_evaluator=None`` in its
``seg/configs/sapiens_depth/`` configs). This metric is the
usual relative-depth protocol restricted to the person: per image, on the foreground pixels,
the prediction is aligned to the ground truth by least squares

    (s, t) = argmin sum_fg (s * p + t - z)^2

and RMSE (metres), AbsRel and the threshold accuracies delta < 1.25^k are computed on
``s * p + t``. The unaligned values are the same errors for the prediction read as the model
was trained to produce it (no fitting, see ``pred_space``). Per-image values are averaged
over the images that have a person.
"""
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from sapiens_mm.registry import METRICS
from .dense_maps import prediction_and_truth

__all__ = ['HumanDepthMetric', 'depth_errors', 'align_scale_shift']

ERROR_NAMES = ('rmse', 'abs_rel', 'delta1', 'delta2', 'delta3')


def align_scale_shift(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """``s * pred + t`` with (s, t) the least-squares fit to ``gt`` (1-D arrays).

    A constant prediction has no scale to fit: it becomes the mean of ``gt``.
    """
    pred = pred.astype(np.float64)
    design = np.stack([pred, np.ones_like(pred)], axis=1)
    if np.ptp(pred) == 0:
        return np.full_like(pred, gt.mean(), dtype=np.float64)
    (scale, shift), *_ = np.linalg.lstsq(design, gt.astype(np.float64), rcond=None)
    return scale * pred + shift


def depth_errors(pred: np.ndarray, gt: np.ndarray) -> Dict[str, float]:
    """RMSE, AbsRel and delta < 1.25, 1.25^2, 1.25^3 of ``pred`` against ``gt`` > 0 (1-D).

    ``delta_k`` is the share of pixels with ``max(p / z, z / p) < 1.25^k``; a prediction
    <= 0 never passes.
    """
    pred, gt = pred.astype(np.float64), gt.astype(np.float64)
    diff = pred - gt
    with np.errstate(divide='ignore', invalid='ignore'):
        ratio = np.where(pred > 0, np.maximum(pred / gt, gt / pred), np.inf)
    return dict(
        rmse=float(np.sqrt(np.mean(diff**2))),
        abs_rel=float(np.mean(np.abs(diff) / gt)),
        delta1=float(np.mean(ratio < 1.25)),
        delta2=float(np.mean(ratio < 1.25**2)),
        delta3=float(np.mean(ratio < 1.25**3)))


@METRICS.register_module()
class HumanDepthMetric(BaseMetric):
    """Depth errors on the person, after scale-and-shift alignment and unaligned.

    Reads, per data sample, ``pred_depth_map`` (1, H, W) and ``gt_depth_map`` (1, H, W) in
    metres with 0 off the person (the evaluation pipeline loads ``LoadHumanDepth`` after
    ``Resize``, so the ground truth keeps the original size the prediction is resized to).
    The foreground is ``gt > 0``.

    Reported (prefix ``depth/``): ``aligned_{rmse,abs_rel,delta1,delta2,delta3}`` and
    ``unaligned_{...}``; RMSE in metres, the others as fractions in [0, 1].

    Args:
        pred_space (str): how an unaligned prediction is read.
            ``'relative'`` (default): as the training target, person depth min-max normalised
            to [0, 1] with near = 0; it is mapped to metres with this image's ground-truth
            range, ``z_min + p * (z_max - z_min)`` (the inverse of the target, no fitting).
            ``'metric'``: already metres; compared as it is.
        collect_device (str): ``'cpu'`` or ``'gpu'``, for distributed collection.
        prefix (str, optional): metric-name prefix. Defaults to ``'depth'``.
    """
    default_prefix = 'depth'
    PRED_SPACES = ('relative', 'metric')

    def __init__(self, pred_space: str = 'relative', collect_device: str = 'cpu',
                 prefix: Optional[str] = None, **kwargs):
        super().__init__(collect_device=collect_device, prefix=prefix, **kwargs)
        if pred_space not in self.PRED_SPACES:
            raise ValueError(f'pred_space must be one of {self.PRED_SPACES}, got {pred_space!r}')
        self.pred_space = pred_space

    def image_errors(self, pred: np.ndarray, gt: np.ndarray) -> Optional[Dict[str, float]]:
        """Errors of one image, (H, W) arrays; None when it has no person pixel."""
        fg = (gt > 0) & np.isfinite(gt)
        if not fg.any():
            return None
        p, z = pred[fg].astype(np.float64), gt[fg].astype(np.float64)
        if not np.isfinite(p).all():
            raise ValueError(f'{type(self).__name__}: the prediction has non-finite values on '
                             'the person')
        raw = z.min() + p * (z.max() - z.min()) if self.pred_space == 'relative' else p
        errors = {f'aligned_{k}': v for k, v in depth_errors(align_scale_shift(p, z), z).items()}
        errors.update({f'unaligned_{k}': v for k, v in depth_errors(raw, z).items()})
        return errors

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred, gt = prediction_and_truth(self, sample, 'depth_map', 'the depth')
            self.results.append(self.image_errors(pred.squeeze(0), gt.squeeze(0)))

    def compute_metrics(self, results: List[Optional[dict]]) -> Dict[str, float]:
        logger = MMLogger.get_current_instance()
        kept = [r for r in results if r is not None]
        if len(kept) < len(results):
            logger.warning(f'{type(self).__name__}: {len(results) - len(kept)} of '
                           f'{len(results)} images have no person pixel and are skipped')
        if not kept:
            raise ValueError(f'{type(self).__name__}: no image with person pixels to evaluate')
        sums = defaultdict(float)
        for r in kept:
            for k, v in r.items():
                sums[k] += v
        return {k: sums[k] / len(kept) for k in
                [f'{a}_{e}' for a in ('aligned', 'unaligned') for e in ERROR_NAMES]}

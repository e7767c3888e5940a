"""Angular error of surface normals on the person (the release has none:
``val_evaluator=None`` in its ``seg/configs/sapiens_normal/`` configs).

Per foreground pixel the error is the angle between the L2-normalised prediction and the
ground truth, ``arccos(clip(<p/|p|, t/|t|>, -1, 1))`` in degrees. Statistics are pooled over
all foreground pixels of the evaluation set (the usual protocol of normal benchmarks): mean,
median, RMSE and the percentage of pixels within 11.25, 22.5 and 30 degrees.

To keep memory per image small, each image contributes exact sums (count, sum, sum of
squares, threshold counts) and a histogram of 0.05-degree bins from which the median is read
(error at most one bin, 0.05 degrees).
"""
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from sapiens_mm.registry import METRICS
from sapiens_mm.utils.masks import normal_foreground
from .dense_maps import prediction_and_truth

__all__ = ['SurfaceNormalMetric', 'angular_errors']


def angular_errors(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Angles in degrees between (N, 3) vectors ``pred`` and ``gt`` (each normalised)."""
    pred = pred.astype(np.float64)
    gt = gt.astype(np.float64)
    pred = pred / np.maximum(np.linalg.norm(pred, axis=1, keepdims=True), 1e-12)
    gt = gt / np.maximum(np.linalg.norm(gt, axis=1, keepdims=True), 1e-12)
    return np.degrees(np.arccos(np.clip((pred * gt).sum(axis=1), -1.0, 1.0)))


#: Bin width (degrees) and bin count of the Sapiens2 release's median histogram.
RELEASE_BIN = 0.5
RELEASE_BINS = 360


@METRICS.register_module()
class SurfaceNormalMetric(BaseMetric):
    """Angular error of ``pred_normal_map`` against ``gt_normal_map`` on the person.

    Reads, per data sample, ``pred_normal_map`` and ``gt_normal_map`` (3, H, W), same frame
    (OpenCV camera frame in sapiens_mm); the foreground is ``|gt| > 0.5`` (the ground truth is
    unit on the person and 0 elsewhere).

    Reported (prefix ``normal/``): ``mean``, ``median``, ``rmse`` (degrees) and ``a11.25``,
    ``a22.5``, ``a30`` (percent of foreground pixels within that many degrees; ``a5`` too with
    ``thresholds=(5, 11.25, 22.5, 30)``, the Sapiens2 release's set). ``median`` spreads the
    pixels evenly within a 0.05 degree bin; ``median_bin_centre`` is the Sapiens2 release's
    median (``sapiens/dense/src/evaluators/normal_evaluator.py``): the centre of the 0.5 degree
    bin that holds the ``count/2``-th pixel (reported beside the project's median, so the two
    can be compared; it can differ from it by up to 0.25 degree).

    Args:
        thresholds (Sequence[float]): angles for the within-threshold percentages.
            Defaults to (11.25, 22.5, 30).
        bin_width (float): histogram bin width in degrees for the median. Defaults to 0.05.
        collect_device (str): ``'cpu'`` or ``'gpu'``, for distributed collection.
        prefix (str, optional): metric-name prefix. Defaults to ``'normal'``.
    """
    default_prefix = 'normal'

    def __init__(self, thresholds: Sequence[float] = (11.25, 22.5, 30.0),
                 bin_width: float = 0.05, collect_device: str = 'cpu',
                 prefix: Optional[str] = None, **kwargs):
        super().__init__(collect_device=collect_device, prefix=prefix, **kwargs)
        self.thresholds = tuple(float(t) for t in thresholds)
        self.bin_width = float(bin_width)
        self.num_bins = int(np.ceil(180.0 / self.bin_width))

    def image_stats(self, pred: np.ndarray, gt: np.ndarray) -> dict:
        """Sums of one image from (3, H, W) arrays."""
        fg = normal_foreground(gt, axis=0)
        angles = angular_errors(pred[:, fg].T, gt[:, fg].T)
        if not np.isfinite(angles).all():
            raise ValueError(f'{type(self).__name__}: the prediction has non-finite values on '
                             'the person')
        bins = np.minimum((angles / self.bin_width).astype(np.int64), self.num_bins - 1)
        coarse = np.minimum(np.floor(angles / RELEASE_BIN).astype(np.int64), RELEASE_BINS - 1)
        return dict(count=angles.size, sum=float(angles.sum()),
                    release_hist=np.bincount(coarse, minlength=RELEASE_BINS).astype(np.int64),
                    sum_sq=float((angles**2).sum()),
                    within=[int((angles < t).sum()) for t in self.thresholds],
                    hist=np.bincount(bins, minlength=self.num_bins).astype(np.int64))

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred, gt = prediction_and_truth(self, sample, 'normal_map', 'the normals')
            self.results.append(self.image_stats(pred, gt))

    def _value_at_rank(self, cumulative: np.ndarray, rank: int) -> float:
        """Angle of the ``rank``-th smallest pixel (1-based), spread evenly within its bin."""
        idx = int(np.searchsorted(cumulative, rank))
        before = cumulative[idx - 1] if idx > 0 else 0
        in_bin = cumulative[idx] - before
        return float((idx + (rank - before - 0.5) / in_bin) * self.bin_width)

    def _median(self, hist: np.ndarray, count: int) -> float:
        """Median (mean of the two middle pixels for an even count), from the histogram."""
        cumulative = np.cumsum(hist)
        if count % 2:
            return self._value_at_rank(cumulative, (count + 1) // 2)
        return 0.5 * (self._value_at_rank(cumulative, count // 2) +
                      self._value_at_rank(cumulative, count // 2 + 1))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        count = sum(r['count'] for r in results)
        if count == 0:
            raise ValueError(f'{type(self).__name__}: no person pixel to evaluate')
        empty = sum(r['count'] == 0 for r in results)
        if empty:
            MMLogger.get_current_instance().warning(
                f'{type(self).__name__}: {empty} of {len(results)} images have no person pixel')
        total = sum(r['sum'] for r in results)
        total_sq = sum(r['sum_sq'] for r in results)
        hist = np.sum([r['hist'] for r in results], axis=0)
        metrics = dict(mean=total / count, median=self._median(hist, count),
                       rmse=float(np.sqrt(total_sq / count)))
        if all('release_hist' in r for r in results):
            cdf = np.cumsum(np.sum([r['release_hist'] for r in results], axis=0))
            idx = min(int(np.searchsorted(cdf, 0.5 * count)), RELEASE_BINS - 1)
            metrics['median_bin_centre'] = (idx + 0.5) * RELEASE_BIN
        for i, t in enumerate(self.thresholds):
            metrics[f'a{t:g}'] = 100.0 * sum(r['within'][i] for r in results) / count
        return metrics

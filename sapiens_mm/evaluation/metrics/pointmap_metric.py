"""Errors of canonical pointmaps on the person (the release's ``PointmapEvaluator``,
``sapiens/dense/src/evaluators/pointmap_evaluator.py``).

Scored on the *canonical* maps at the network input (the validation pipeline builds the
canonical target at that size; the predicted scale is not scored), so distances are in
canonical units (metres of the focal-768 camera, ``s = 768 / fx`` times the metric ones).
Per person pixel: the L2 distance, the absolute x / y / z errors, and the angle between the
normals of the two maps (``cv2.Sobel`` ksize 5 on the *full* (H, W, 3) maps, x and y
derivatives crossed, normalised with + 1e-6; read on the person). All are pooled over the
pixels of the evaluation set.

With ``align_mean_depth`` (not in the release) each prediction is first scaled about the
camera centre so that its mean depth on the person equals the target's
(:func:`align_to_mean_depth`): the score of the shape once the distance of the person is given,
which a single image cannot fix (a person and a larger one further away look the same). A
baseline placed at the person's true mean depth gets that for free, so the demo compares
models with it on this footing as well.

With ``on_true_rays`` (not in the release; implies ``align_mean_depth``) the aligned
prediction's depth is then put on the target's camera rays (:func:`place_on_true_rays`):
x and y follow from z through the true camera, as for a baseline back-projected through the
image's intrinsics. In the canonical frame x and y scale with ``s = 768 / fx``, which one
image barely shows, while z does not (a person's canonical depth follows from its size in
pixels); what remains is the depth along the body, the shape.
"""
from typing import Dict, List, Sequence

import cv2
import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from sapiens_mm.registry import METRICS

__all__ = ['PointmapMetric', 'align_to_mean_depth', 'place_on_true_rays', 'sobel_normals']


def sobel_normals(points: np.ndarray) -> np.ndarray:
    """(H, W, 3) XYZ -> (H, W, 3) normals ``cross(d/dx, d/dy) / (|.| + 1e-6)`` with 5x5 Sobel
    derivatives (float32, OpenCV's default border: reflect-101)."""
    points = np.ascontiguousarray(points, dtype=np.float32)
    gx = cv2.Sobel(points, cv2.CV_32F, 1, 0, ksize=5)
    gy = cv2.Sobel(points, cv2.CV_32F, 0, 1, ksize=5)
    normals = np.cross(gx, gy)
    return normals / (np.linalg.norm(normals, axis=2, keepdims=True) + 1e-6)


def align_to_mean_depth(pred: np.ndarray, gt: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(H, W, 3) predicted and target maps, (H, W) bool person mask -> the prediction times
    ``mean(gt z) / mean(pred z)`` over the person (every point stays on its camera ray; the
    normals do not change). Returned unchanged when the mask is empty or the predicted mean
    depth is not positive (no scale puts such a map in front of the camera)."""
    if not valid.any():
        return pred
    pred_z = float(pred[valid, 2].astype(np.float64).mean())
    if not pred_z > 0:
        return pred
    return (pred * (gt[valid, 2].astype(np.float64).mean() / pred_z)).astype(pred.dtype)


def place_on_true_rays(pred: np.ndarray, gt: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(H, W, 3) predicted and target maps, (H, W) bool person mask -> the prediction with x
    and y replaced, on the person, by ``pred z * (gt x / gt z, gt y / gt z)``: its depths on the
    target's rays (the true camera's, read off the target map; pixels with ``gt z <= 0`` are
    left as predicted)."""
    out = pred.copy()
    ok = valid & (gt[..., 2] > 0)
    ray = gt[ok, :2].astype(np.float64) / gt[ok, 2:3].astype(np.float64)
    out[ok, :2] = (ray * pred[ok, 2:3].astype(np.float64)).astype(pred.dtype)
    return out


@METRICS.register_module()
class PointmapMetric(BaseMetric):
    """``pred_canonical_pointmap`` against ``gt_pointmap`` (both (3, H, W)) on
    ``gt_pointmap_mask`` (the prediction is resized bilinearly to the target if their sizes
    differ, as the release).

    Reported (prefix ``pointmap/``, the release's names): ``l2_mean``, ``x_mae``, ``y_mae``,
    ``z_mae``, ``rmse`` (canonical units), ``normal_mae``, ``normal_rmse`` (degrees),
    ``within_05_cm``, ``within_10_cm``, ``within_20_cm`` (fraction of pixels closer than
    0.05 / 0.10 / 0.20), ``within_5_0_deg``, ``within_11_25_deg``, ``within_22_5_deg``,
    ``within_30_0_deg`` (fraction of normals within that many degrees).

    Args:
        distance_thresholds (Sequence[float]): (0.05, 0.10, 0.20) as the release.
        angle_thresholds (Sequence[float]): (5, 11.25, 22.5, 30) degrees.
        align_mean_depth (bool): scale each prediction to the target's mean depth on the
            person first (module docstring; not in the release). Defaults to False.
        on_true_rays (bool): then also put its depths on the target's camera rays (module
            docstring; not in the release). Defaults to False.
        collect_device, prefix: as mmengine's ``BaseMetric`` (prefix ``'pointmap'``).
    """
    default_prefix = 'pointmap'

    def __init__(self, distance_thresholds: Sequence[float] = (0.05, 0.10, 0.20),
                 angle_thresholds: Sequence[float] = (5.0, 11.25, 22.5, 30.0),
                 align_mean_depth: bool = False, on_true_rays: bool = False,
                 collect_device: str = 'cpu', prefix=None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.on_true_rays = bool(on_true_rays)
        self.align_mean_depth = bool(align_mean_depth) or self.on_true_rays
        self.distance_thresholds = tuple(float(t) for t in distance_thresholds)
        self.angle_thresholds = tuple(float(t) for t in angle_thresholds)

    @staticmethod
    def _array(field) -> np.ndarray:
        data = field['data'] if isinstance(field, dict) else getattr(field, 'data', field)
        return data.detach().cpu().float().numpy() if hasattr(data, 'detach') else \
            np.asarray(data, np.float32)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        import torch
        import torch.nn.functional as F
        for sample in data_samples:
            for key in ('pred_canonical_pointmap', 'gt_pointmap', 'gt_pointmap_mask'):
                if key not in sample:
                    raise KeyError(f'{type(self).__name__}: data sample has no {key!r} (use '
                                   'PointmapEstimator and PackPointmapInputs)')
            gt = self._array(sample['gt_pointmap'])
            valid = self._array(sample['gt_pointmap_mask'])[0] > 0
            pred = self._array(sample['pred_canonical_pointmap'])
            if pred.shape[1:] != gt.shape[1:]:
                pred = F.interpolate(torch.from_numpy(pred)[None], size=gt.shape[1:],
                                     mode='bilinear', align_corners=False)[0].numpy()
            pred, gt = pred.transpose(1, 2, 0), gt.transpose(1, 2, 0)
            if self.align_mean_depth:
                pred = align_to_mean_depth(pred, gt, valid)
            if self.on_true_rays:
                pred = place_on_true_rays(pred, gt, valid)
            self.results.append(self.sums(pred, gt, valid))

    def sums(self, pred: np.ndarray, gt: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """(H, W, 3) maps and (H, W) bool -> the per-image sums the metrics pool: l2, |x|, |y|,
        |z|, l2^2, angle, angle^2, count, distance counts, angle counts (float64)."""
        n_d, n_a = len(self.distance_thresholds), len(self.angle_thresholds)
        if not valid.any():
            return np.zeros(8 + n_d + n_a)
        diff = (pred[valid] - gt[valid]).astype(np.float64)
        dist = np.linalg.norm(diff, axis=1)
        dot = (sobel_normals(gt)[valid] * sobel_normals(pred)[valid]).sum(1)
        angle = np.degrees(np.arccos(np.clip(dot, -1.0, 1.0))).astype(np.float64)
        return np.array([dist.sum(), *np.abs(diff).sum(0), (dist ** 2).sum(), angle.sum(),
                         (angle ** 2).sum(), float(len(dist)),
                         *[(dist < t).sum() for t in self.distance_thresholds],
                         *[(angle < t).sum() for t in self.angle_thresholds]])

    def compute_metrics(self, results: List[np.ndarray]) -> Dict[str, float]:
        total = np.sum(results, axis=0)
        count = total[7]
        if count <= 0:
            MMLogger.get_current_instance().warning(
                f'{type(self).__name__}: no person pixel in the evaluation set')
            return {}
        metrics = dict(l2_mean=total[0] / count, x_mae=total[1] / count,
                       y_mae=total[2] / count, z_mae=total[3] / count,
                       rmse=np.sqrt(total[4] / count), normal_mae=total[5] / count,
                       normal_rmse=np.sqrt(total[6] / count))
        n_d = len(self.distance_thresholds)
        for i, t in enumerate(self.distance_thresholds):
            metrics[f'within_{int(t * 100):02d}_cm'] = total[8 + i] / count
        for j, t in enumerate(self.angle_thresholds):
            metrics[f'within_{str(t).replace(".", "_")}_deg'] = total[8 + n_d + j] / count
        return {k: float(v) for k, v in metrics.items()}

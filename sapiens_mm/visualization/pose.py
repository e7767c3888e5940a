"""Drawing skeletons with OpenCV (mmpose's visualizer breaks on numpy 2 with scalar radii)."""
from typing import Optional

import cv2
import numpy as np

__all__ = ['draw_pose']


def _bgr(color) -> tuple:
    r, g, b = (int(c) for c in np.asarray(color).reshape(-1)[:3])
    return (b, g, r)


def draw_pose(img: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, dataset_meta: dict,
              kpt_thr: float = 0.3, bboxes: Optional[np.ndarray] = None, radius: int = 2,
              thickness: int = 1) -> np.ndarray:
    """Skeleton links, keypoints and boxes on a copy of ``img``.

    Args:
        img: (H, W, 3) uint8 BGR.
        keypoints: (N, K, 2) pixel coordinates (x, y).
        scores: (N, K) confidences or visibilities; points at or below ``kpt_thr`` are skipped.
        dataset_meta: mmpose metainfo with ``skeleton_links``, ``skeleton_link_colors`` and
            ``keypoint_colors`` (RGB).
        bboxes: optional (N, 4) xyxy boxes.
    Returns:
        (H, W, 3) uint8 BGR picture.
    """
    out = img.copy()
    links = dataset_meta.get('skeleton_links', [])
    link_colors = dataset_meta.get('skeleton_link_colors', [(0, 255, 0)] * len(links))
    kpt_colors = dataset_meta.get('keypoint_colors', None)
    for n in range(len(keypoints)):
        pts, ok = keypoints[n], scores[n] > kpt_thr
        if bboxes is not None:
            x0, y0, x1, y1 = (int(round(v)) for v in bboxes[n])
            cv2.rectangle(out, (x0, y0), (x1, y1), (0, 255, 0), thickness)
        for (a, b), color in zip(links, link_colors):
            if ok[a] and ok[b]:
                cv2.line(out, tuple(int(round(v)) for v in pts[a]),
                         tuple(int(round(v)) for v in pts[b]), _bgr(color), thickness,
                         cv2.LINE_AA)
        for k in np.flatnonzero(ok):
            color = _bgr(kpt_colors[k]) if kpt_colors is not None else (0, 0, 255)
            cv2.circle(out, tuple(int(round(v)) for v in pts[k]), radius, color, -1, cv2.LINE_AA)
    return out

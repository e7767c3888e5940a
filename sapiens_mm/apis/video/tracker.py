"""Track identities of people between video frames: IoU (or OKS) matching, one ID per person.

Each frame's person instances are matched to the live tracks by the similarity of their boxes
(IoU) or keypoints (OKS), one-to-one, maximising the total similarity (Hungarian assignment,
``scipy.optimize.linear_sum_assignment``; greedy best-first when scipy is missing); a pair
counts only above ``thr``. A detection left unmatched starts a new track with a new ID (IDs
count up from 0 and are never reused); a track left unmatched is kept for ``max_missed``
frames, so a person missed for a few frames (occluded, a detector miss, out of the picture for
a moment) gets their ID back. A missed track is compared both where it was last seen and where
its constant velocity would have carried it; a track seen in the previous frame (with at least
two sightings) only where its velocity carries it. This is the tracking of mmpose's
``PoseTracker`` / rtmlib's ``PoseTracker`` (greedy IoU of the previous frame's boxes) with an
optimal assignment and a miss budget.
"""
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

__all__ = ['Track', 'PersonTracker', 'box_iou', 'keypoint_oks']


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of boxes ``a`` (N, 4) and ``b`` (M, 4), xyxy px -> (N, M)."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=2)
    area_a = np.prod(np.clip(a[:, 2:] - a[:, :2], 0, None), axis=1)
    area_b = np.prod(np.clip(b[:, 2:] - b[:, :2], 0, None), axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def keypoint_oks(a: np.ndarray, b: np.ndarray, area: np.ndarray, sigmas: np.ndarray,
                 visible: Optional[np.ndarray] = None) -> np.ndarray:
    """COCO object keypoint similarity of keypoint sets ``a`` (N, K, 2) and ``b`` (M, K, 2)
    [px], with ``area`` (M,) the scale s² [px²] of each ``b`` and ``sigmas`` (K,) per keypoint;
    ``visible`` (M, K) marks the keypoints of ``b`` that count (all by default) -> (N, M)."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    d2 = ((a[:, None] - b[None]) ** 2).sum(-1)  # (N, M, K)
    var = (2 * np.asarray(sigmas, np.float64)) ** 2
    e = d2 / (2 * var[None, None] * (np.asarray(area, np.float64)[None, :, None] + 1e-9))
    vis = np.ones(b.shape[:2], bool) if visible is None else np.asarray(visible, bool)
    count = np.maximum(vis.sum(1), 1)[None, :]
    return (np.exp(-e) * vis[None]).sum(-1) / count


def _assign(sim: np.ndarray, thr: float) -> List[tuple]:
    """One-to-one (row, col) pairs with ``sim`` >= ``thr``, maximising the total."""
    if sim.size == 0:
        return []
    try:
        from scipy.optimize import linear_sum_assignment
        rows, cols = linear_sum_assignment(-sim)
        pairs = list(zip(rows.tolist(), cols.tolist()))
    except ImportError:  # greedy: best pair first
        pairs, used_r, used_c = [], set(), set()
        for flat in np.argsort(-sim, axis=None):
            r, c = np.unravel_index(flat, sim.shape)
            if r not in used_r and c not in used_c:
                pairs.append((int(r), int(c)))
                used_r.add(r)
                used_c.add(c)
    return [(r, c) for r, c in pairs if sim[r, c] >= thr]


@dataclass
class Track:
    """One person: ``id``, last ``box`` (4,) xyxy px, last ``keypoints`` (K, 2) or None,
    ``velocity`` (4,) px/frame of the box, frames since last seen (``missed``), ``hits``."""
    id: int
    box: np.ndarray
    keypoints: Optional[np.ndarray] = None
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(4))
    missed: int = 0
    hits: int = 1

    def predicted_box(self) -> np.ndarray:
        """Where constant velocity carries the box after ``missed + 1`` frames."""
        return self.box + self.velocity * (self.missed + 1)


class PersonTracker:
    """Person IDs across frames. ``update(boxes, keypoints)`` once per frame -> the IDs.

    Args:
        metric: ``'iou'`` (boxes) or ``'oks'`` (keypoints; needs ``keypoints`` in
            :meth:`update`).
        thr: the least similarity of a match (IoU, or OKS) (default 0.3).
        max_missed: frames a track survives without a match (default 10; 0: only matches
            with the previous frame).
        sigmas: per-keypoint OKS sigmas (K,); default 0.1 for every keypoint.
        momentum: weight of the newest box displacement in the velocity estimate (0..1).
    """

    def __init__(self, metric: str = 'iou', thr: float = 0.3, max_missed: int = 10,
                 sigmas: Optional[np.ndarray] = None, momentum: float = 0.5):
        if metric not in ('iou', 'oks'):
            raise ValueError(f'PersonTracker: metric {metric!r} is not iou or oks')
        if max_missed < 0:
            raise ValueError(f'PersonTracker: max_missed={max_missed} must be >= 0')
        self.metric, self.thr, self.max_missed = metric, float(thr), int(max_missed)
        self.sigmas, self.momentum = sigmas, float(momentum)
        self.reset()

    def reset(self) -> None:
        """Forget every track (a new video); IDs start again from 0."""
        self.tracks: List[Track] = []
        self.next_id = 0

    def _similarity(self, boxes: np.ndarray, keypoints: Optional[np.ndarray]) -> np.ndarray:
        tracks = self.tracks
        if self.metric == 'oks' and keypoints is not None and \
                all(t.keypoints is not None for t in tracks):
            k = keypoints.shape[1]
            sigmas = np.full(k, 0.1) if self.sigmas is None else np.asarray(self.sigmas)
            wh = boxes[:, 2:] - boxes[:, :2]
            area = np.clip(wh[:, 0] * wh[:, 1], 1.0, None)
            return keypoint_oks(np.stack([t.keypoints for t in tracks]), keypoints, area, sigmas)
        last = box_iou(np.stack([t.box for t in tracks]), boxes)
        moved = box_iou(np.stack([t.predicted_box() for t in tracks]), boxes)
        # a track seen in the previous frame with a velocity is where its motion carries it
        # (two people crossing swap places: their last boxes alone would swap their IDs);
        # a missed one may also have stopped where it was last seen
        steady = np.array([t.missed == 0 and t.hits >= 2 for t in tracks])[:, None]
        return np.where(steady, moved, np.maximum(last, moved))

    def update(self, boxes: np.ndarray, keypoints: Optional[np.ndarray] = None) -> np.ndarray:
        """Match this frame's persons: ``boxes`` (N, 4) xyxy px, ``keypoints`` (N, K, 2) px
        (optional with IoU). Returns their track IDs, (N,) int64."""
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        kpts = None if keypoints is None else np.asarray(keypoints, np.float64)
        ids = np.full(len(boxes), -1, np.int64)
        pairs = _assign(self._similarity(boxes, kpts), self.thr) \
            if self.tracks and len(boxes) else []
        matched = set()
        for r, c in pairs:
            t = self.tracks[r]
            step = (boxes[c] - t.box) / (t.missed + 1)
            t.velocity = self.momentum * step + (1 - self.momentum) * t.velocity
            t.box, t.missed, t.hits = boxes[c].copy(), 0, t.hits + 1
            t.keypoints = None if kpts is None else kpts[c].copy()
            ids[c] = t.id
            matched.add(r)
        kept = []
        for r, t in enumerate(self.tracks):
            if r not in matched:
                t.missed += 1
            if t.missed <= self.max_missed:
                kept.append(t)
        for c in np.flatnonzero(ids < 0):
            kept.append(Track(self.next_id, boxes[c].copy(),
                              None if kpts is None else kpts[c].copy()))
            ids[c] = self.next_id
            self.next_id += 1
        self.tracks = kept
        return ids

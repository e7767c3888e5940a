"""Pose across the frames of a video or stream: boxes between detections, track IDs, smoothing.

:class:`PoseTemporal` is given to ``SapiensInferencer`` (``temporal=``) and called for every
batch of frames of one video (it starts over at each new video):

* :meth:`~PoseTemporal.boxes` before the model: with ``det_every = N > 1`` the detector runs
  on frames 0, N, 2N ...; the frames in between take their person boxes from the previous
  frame's keypoints (the box of the keypoints scoring over ``kpt_thr``, enlarged by
  ``box_expand`` about its centre), as mmpose's and rtmlib's pose trackers do. This needs the
  frames one at a time (``batch_size=1``), which the command line sets;
* :meth:`~PoseTemporal.update` after decoding: track IDs (:class:`~.tracker.PersonTracker`,
  IoU of the boxes) into ``pred_instances.track_ids``, then, with ``smoother``, the
  keypoints smoothed per track (:class:`~.one_euro.TrackSmoother`), before anything is drawn
  or written.
"""
from typing import List, Optional

import numpy as np

from .one_euro import TrackSmoother
from .tracker import PersonTracker

__all__ = ['PoseTemporal', 'boxes_from_keypoints', 'draw_track_ids']


def boxes_from_keypoints(keypoints: np.ndarray, scores: np.ndarray, kpt_thr: float = 0.3,
                         expand: float = 1.2, shape=None) -> np.ndarray:
    """Person boxes (N, 4) xyxy px around keypoints (N, K, 2) px: the keypoints scoring over
    ``kpt_thr`` (all when fewer than 2 do), the box enlarged ``expand`` times about its
    centre and clipped to ``shape`` = (H, W) when given."""
    out = []
    for k, s in zip(np.asarray(keypoints, np.float32), np.asarray(scores, np.float32)):
        good = k[s > kpt_thr] if (s > kpt_thr).sum() >= 2 else k
        lo, hi = good.min(0), good.max(0)
        c, half = (lo + hi) / 2, np.maximum((hi - lo) / 2 * expand, 1.0)
        box = np.concatenate([c - half, c + half])
        if shape is not None:
            box = np.clip(box, 0, [shape[1], shape[0], shape[1], shape[0]])
        out.append(box)
    return np.asarray(out, np.float32).reshape(-1, 4)


def draw_track_ids(picture: np.ndarray, sample) -> np.ndarray:
    """``id N`` at the top-left corner of each person's box (BGR picture, in place)."""
    import cv2
    inst = getattr(sample, 'pred_instances', None)
    if inst is None or 'track_ids' not in inst:
        return picture
    scale = max(picture.shape[0], picture.shape[1]) / 1000
    for box, tid in zip(np.asarray(inst.bboxes), np.asarray(inst.track_ids)):
        org = (int(box[0]), max(int(box[1]) - 4, 12))
        for color, width in (((0, 0, 0), 4), ((255, 255, 255), 1)):
            cv2.putText(picture, f'id {int(tid)}', org, cv2.FONT_HERSHEY_SIMPLEX,
                        max(0.5, scale), color, max(1, int(width * max(1.0, scale))),
                        cv2.LINE_AA)
    return picture


class PoseTemporal:
    """Tracking, smoothing and detection every N frames (see the module docstring).

    Args:
        tracker: a :class:`PersonTracker` (default: IoU, ``max_missed=10``).
        smoother: a :class:`TrackSmoother` or None (no smoothing).
        det_every: run the detector every N frames (1: every frame).
        kpt_thr, box_expand: the boxes taken from keypoints between detections.
    """

    def __init__(self, tracker: Optional[PersonTracker] = None,
                 smoother: Optional[TrackSmoother] = None, det_every: int = 1,
                 kpt_thr: float = 0.3, box_expand: float = 1.2):
        if det_every < 1:
            raise ValueError(f'det_every={det_every}: must be >= 1')
        self.tracker = tracker or PersonTracker()
        self.smoother, self.det_every = smoother, int(det_every)
        self.kpt_thr, self.box_expand = kpt_thr, box_expand
        self.video = None
        self.frame = 0
        self.last = None  # (keypoints (N, K, 2), scores (N, K), image shape)

    def reset(self) -> None:
        """Forget the video (a new run starts from frame 0 with new IDs)."""
        self.video = object()
        self.start(None)

    def start(self, video) -> None:
        """Begin ``video`` (any hashable; a new one resets IDs and filters)."""
        if video != self.video:
            self.video, self.frame, self.last = video, 0, None
            self.tracker.reset()
            if self.smoother is not None:
                self.smoother.reset()

    def boxes(self, video, n_frames: int) -> Optional[List[Optional[np.ndarray]]]:
        """Boxes for the next ``n_frames`` frames of ``video`` (None: run the detector)."""
        self.start(video)
        if self.det_every == 1 or self.last is None:
            return None
        out: List[Optional[np.ndarray]] = []
        for i in range(n_frames):
            f = self.frame + i
            if f % self.det_every == 0 or i > 0 or not len(self.last[0]):
                out.append(None)
            else:
                out.append(boxes_from_keypoints(self.last[0], self.last[1], self.kpt_thr,
                                                self.box_expand, self.last[2]))
        return out if any(b is not None for b in out) else None

    def update(self, video, imgs, preds: List[dict]) -> None:
        """Track IDs (and smoothed keypoints) into each result's ``pose`` sample, in frame
        order."""
        self.start(video)
        for img, res in zip(imgs, preds):
            sample = res.get('pose')
            inst = getattr(sample, 'pred_instances', None)
            if inst is None or not len(inst):
                self.tracker.update(np.zeros((0, 4)))
                self.last = (np.zeros((0, 1, 2)), np.zeros((0, 1)), img.shape[:2])
                self.frame += 1
                continue
            kpts = np.asarray(inst.keypoints, np.float32)
            scores = np.asarray(inst.keypoint_scores, np.float32)
            ids = self.tracker.update(np.asarray(inst.bboxes, np.float32), kpts)
            if self.smoother is not None:
                kpts = self.smoother(ids, kpts, scores)
                inst.keypoints = kpts
            inst.track_ids = ids.astype(np.int64)
            self.last = (kpts, scores, img.shape[:2])
            self.frame += 1

"""Temporal smoothing of keypoints: the One-Euro filter, per track and keypoint.

The 1€ filter (Casiez, Roussel and Vogel, "1€ Filter: A Simple Speed-based Low-pass Filter for
Noisy Input in Interactive Systems", CHI 2012) is an exponential low-pass filter whose cut-off
frequency rises with the signal's speed: a keypoint that stands still is smoothed hard (its
jitter removed), one that moves fast is followed closely (little lag). Per sample, with
``te = 1 / fps`` seconds between frames:

* ``dx = (x - x_prev_filtered) / te`` (px/s), low-passed at ``d_cutoff`` Hz -> ``dx_hat``;
* cut-off ``fc = min_cutoff + beta * |dx_hat|`` (Hz);
* ``x_hat = a * x + (1 - a) * x_hat_prev`` with ``a = 1 / (1 + 1 / (2 pi fc te))``.

Parameters (keypoints in pixels of the original frame):

* ``min_cutoff`` (Hz, default 1.0): the cut-off of a still keypoint; lower = smoother, laggier
  at low speed;
* ``beta`` (1/px, default 0.1): how fast the cut-off rises with speed; higher = less lag on fast
  motion, more jitter let through. At 30 fps and 5 px/frame (150 px/s) the defaults give
  ``fc = 16`` Hz, a lag of 0.3 frame;
* ``d_cutoff`` (Hz, default 1.0): the cut-off of the speed estimate;
* ``fps``: frames per second of the video (the time step); a camera's or the file's.
"""
from typing import Dict, Iterable, Optional

import numpy as np

__all__ = ['OneEuroFilter', 'TrackSmoother']


def _alpha(cutoff, te: float):
    tau = 1.0 / (2 * np.pi * cutoff)
    return 1.0 / (1.0 + tau / te)


class OneEuroFilter:
    """A 1€ filter over arrays of any fixed shape (e.g. (K, 2) keypoints), element-wise.

    ``__call__(x, mask=None)`` feeds the next frame and returns the filtered array; ``mask``
    (x's shape, bool) marks the elements that are measurements in this frame: the others are
    passed through as given, and their filter restarts from the value when they are measured
    again (a hidden joint's guess neither drags the filter nor is frozen).
    """

    def __init__(self, fps: float = 30.0, min_cutoff: float = 1.0, beta: float = 0.1,
                 d_cutoff: float = 1.0):
        if fps <= 0 or min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise ValueError(f'OneEuroFilter: need fps, min_cutoff, d_cutoff > 0 and beta >= 0 '
                             f'(got fps={fps}, min_cutoff={min_cutoff}, beta={beta}, '
                             f'd_cutoff={d_cutoff})')
        self.te = 1.0 / float(fps)
        self.min_cutoff, self.beta, self.d_cutoff = float(min_cutoff), float(beta), float(d_cutoff)
        self.x_hat: Optional[np.ndarray] = None
        self.dx_hat: Optional[np.ndarray] = None

    def __call__(self, x: np.ndarray, mask: Optional[np.ndarray] = None) -> np.ndarray:
        x = np.asarray(x, np.float64)
        if self.x_hat is None or self.x_hat.shape != x.shape:
            self.x_hat, self.dx_hat = x.copy(), np.zeros_like(x)
            self.seen = np.ones(x.shape, bool) if mask is None else np.asarray(mask, bool).copy()
            return x.copy()
        m = np.ones(x.shape, bool) if mask is None else np.asarray(mask, bool)
        filtered = m & self.seen  # measured now and in the frame before
        dx = (x - self.x_hat) / self.te
        dx_hat = self.dx_hat + _alpha(self.d_cutoff, self.te) * (dx - self.dx_hat)
        a = _alpha(self.min_cutoff + self.beta * np.abs(dx_hat), self.te)
        x_hat = self.x_hat + a * (x - self.x_hat)
        self.x_hat = np.where(filtered, x_hat, x)  # others: the value itself, a fresh start
        self.dx_hat = np.where(filtered, dx_hat, 0.0)
        self.seen = m
        return self.x_hat.copy()


class TrackSmoother:
    """One :class:`OneEuroFilter` per track over its (K, 2) keypoints.

    ``__call__(track_ids, keypoints, scores=None)`` once per frame: keypoints (N, K, 2) px
    of the N persons with IDs ``track_ids`` -> smoothed (N, K, 2). A keypoint whose score is
    below ``score_thr`` is not a measurement: it is passed through as predicted and its filter
    restarts when it scores again (so a hidden joint's guess does not drag the track). Filters of tracks not seen for
    ``max_missed`` frames are dropped. Filter parameters: see the module docstring.
    """

    def __init__(self, fps: float = 30.0, min_cutoff: float = 1.0, beta: float = 0.1,
                 d_cutoff: float = 1.0, score_thr: float = 0.0, max_missed: int = 30):
        OneEuroFilter(fps, min_cutoff, beta, d_cutoff)  # checks the parameters
        self.params = dict(fps=fps, min_cutoff=min_cutoff, beta=beta, d_cutoff=d_cutoff)
        self.score_thr, self.max_missed = float(score_thr), int(max_missed)
        self.filters: Dict[int, OneEuroFilter] = {}
        self.last_seen: Dict[int, int] = {}
        self.frame = 0

    def reset(self) -> None:
        self.filters.clear()
        self.last_seen.clear()
        self.frame = 0

    def __call__(self, track_ids: Iterable[int], keypoints: np.ndarray,
                 scores: Optional[np.ndarray] = None) -> np.ndarray:
        kpts = np.asarray(keypoints, np.float64)
        out = np.empty_like(kpts)
        for n, tid in enumerate(track_ids):
            tid = int(tid)
            f = self.filters.get(tid)
            if f is None:
                f = self.filters[tid] = OneEuroFilter(**self.params)
            mask = None
            if scores is not None:
                mask = np.repeat((np.asarray(scores[n]) >= self.score_thr)[:, None], 2, axis=1)
            out[n] = f(kpts[n], mask)
            self.last_seen[tid] = self.frame
        for tid in [t for t, s in self.last_seen.items() if self.frame - s > self.max_missed]:
            del self.filters[tid], self.last_seen[tid]
        self.frame += 1
        return out.astype(np.float32)

"""COCO OKS AP/AR over a subset of keypoints, with stock xtcocotools.

Stock xtcocotools evaluates 'keypoints' for any number K of keypoints when given K sigmas, but
only whole-skeleton OKS. A group (hands, face, ...) is evaluated by slicing both ground truth and
detections to the group's keypoints (and sigmas) and running the same ``COCOeval`` — which is
what COCO-WholeBody's per-part evaluation computes, without needing a modified xtcocotools.
"""
import contextlib
import copy
import io
from typing import List, Sequence

import numpy as np
from xtcocotools.coco import COCO
from xtcocotools.cocoeval import COCOeval

__all__ = ['STATS_NAMES', 'slice_keypoints', 'keypoint_oks_eval']

STATS_NAMES = ('AP', 'AP .5', 'AP .75', 'AP (M)', 'AP (L)', 'AR', 'AR .5', 'AR .75', 'AR (M)',
               'AR (L)')


def slice_keypoints(flat: Sequence[float], indices: Sequence[int]) -> List[float]:
    """(x, y, v|score) * K flat list -> the same for the keypoints at ``indices``."""
    arr = np.asarray(flat, dtype=np.float64).reshape(-1, 3)
    return arr[list(indices)].reshape(-1).tolist()


def keypoint_oks_eval(gt: dict, dts: List[dict], indices: Sequence[int],
                      sigmas: Sequence[float], use_area: bool = True,
                      verbose: bool = False) -> np.ndarray:
    """OKS AP/AR (the 10 :data:`STATS_NAMES`) of detections on the keypoints ``indices``.

    Args:
        gt: a COCO keypoint dataset dict (``images``, ``annotations``, ``categories``) whose
            ``keypoints`` have K entries.
        dts: detection results: ``image_id``, ``category_id``, ``keypoints`` (K x 3), ``score``.
        indices: the keypoints to score (a group, or all K).
        sigmas: the K per-keypoint OKS sigmas.
    Returns:
        (10,) float array; -1 where nothing could be scored (no labelled keypoint in the group).
    """
    indices = list(indices)
    gt = copy.deepcopy(gt)
    for ann in gt['annotations']:
        ann['keypoints'] = slice_keypoints(ann['keypoints'], indices)
        ann['num_keypoints'] = int((np.asarray(ann['keypoints'][2::3]) > 0).sum())
    dts = [dict(d, keypoints=slice_keypoints(d['keypoints'], indices)) for d in dts]
    with contextlib.redirect_stdout(io.StringIO()) as out:
        coco_gt = COCO()
        coco_gt.dataset = gt
        coco_gt.createIndex()
        if not dts:
            return np.full(len(STATS_NAMES), -1.0)
        coco_dt = coco_gt.loadRes(dts)
        ev = COCOeval(coco_gt, coco_dt, 'keypoints', np.asarray(sigmas)[indices], use_area)
        ev.params.useSegm = None
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    if verbose:
        print(out.getvalue())
    return np.asarray(ev.stats, dtype=np.float64)

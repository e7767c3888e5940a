"""COCO-style annotation records of rendered people: Goliath-308, COCO-17, COCO-WholeBody-133.

All three files list the same people with the same annotation ids (a person is kept when its
box has both sides >= ``MIN_BOX_SIDE`` pixels and at least ``MIN_VISIBLE`` of its 308 keypoints
are visible). Keypoints are flat [x, y, v] lists in the pixel-index convention (pixel centre
(i, j) at x = j, y = i); v = 2 visible, 1 in the image but occluded, 0 outside (x = y = 0).
"""
from typing import Dict, List

import numpy as np

from .vocab import (COCO17_NAMES, COCO_WB_PARTS, coco17_indices, coco_wholebody_names,
                    goliath_info, wholebody_to_goliath)

__all__ = ['MIN_BOX_SIDE', 'MIN_VISIBLE', 'keep_person', 'rle_encode', 'goliath_record',
           'coco17_record', 'wholebody_record', 'categories']

MIN_BOX_SIDE = 8   # pixels
MIN_VISIBLE = 1    # visible keypoints (of 308)


def keep_person(bbox, keypoints: np.ndarray) -> bool:
    """``bbox`` [x, y, w, h] pixels, ``keypoints`` (308, 3)."""
    visible = int((keypoints[:, 2] == 2).sum())
    return min(bbox[2], bbox[3]) >= MIN_BOX_SIDE and visible >= MIN_VISIBLE


def rle_encode(mask: np.ndarray) -> dict:
    """Uncompressed COCO RLE of a boolean (H, W) mask (column-major runs, starting with 0s)."""
    flat = np.asarray(mask, bool).T.reshape(-1)
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0]:
        counts = [0] + counts
    return dict(counts=[int(c) for c in counts], size=[int(mask.shape[0]), int(mask.shape[1])])


def _flat(kpts: np.ndarray) -> List[float]:
    out = np.where(kpts[:, 2:3] > 0, kpts, 0.0)
    return [round(float(a), 3) if i % 3 != 2 else int(a)
            for i, a in enumerate(out.reshape(-1))]


def _base(ann_id: int, image_id: int, bbox, area: int, segmentation: dict) -> dict:
    return dict(id=int(ann_id), image_id=int(image_id), category_id=1,
                bbox=[float(b) for b in bbox], area=float(area), iscrowd=0,
                segmentation=segmentation)


def goliath_record(ann_id, image_id, bbox, area, segmentation, kpts: np.ndarray) -> dict:
    rec = _base(ann_id, image_id, bbox, area, segmentation)
    rec.update(keypoints=_flat(kpts), num_keypoints=int((kpts[:, 2] > 0).sum()))
    return rec


def coco17_record(ann_id, image_id, bbox, area, segmentation, kpts: np.ndarray) -> dict:
    body = kpts[coco17_indices()]
    rec = _base(ann_id, image_id, bbox, area, segmentation)
    rec.update(keypoints=_flat(body), num_keypoints=int((body[:, 2] > 0).sum()))
    return rec


def _kpt_box(points: np.ndarray) -> List[float]:
    """Tight [x, y, w, h] of the labelled (v > 0) points, [0, 0, 0, 0] if none."""
    p = points[points[:, 2] > 0]
    if not len(p):
        return [0.0, 0.0, 0.0, 0.0]
    lo, hi = p[:, :2].min(0), p[:, :2].max(0)
    return [round(float(lo[0]), 3), round(float(lo[1]), 3), round(float(hi[0] - lo[0]), 3),
            round(float(hi[1] - lo[1]), 3)]


def wholebody_record(ann_id, image_id, bbox, area, segmentation, kpts: np.ndarray) -> dict:
    """COCO-WholeBody v1.0 record: the 53 keypoints shared with Goliath (by name) filled, the
    others (all 68 face points, hand roots, finger ``*1``) zero."""
    wb = np.zeros((133, 3))
    for w, g in wholebody_to_goliath().items():
        wb[w] = kpts[g]
    rec = _base(ann_id, image_id, bbox, area, segmentation)
    for part, start, count in COCO_WB_PARTS:
        rec[part] = _flat(wb[start:start + count])
        valid_key = {'keypoints': 'body_valid'}.get(part, part.replace('_kpts', '_valid'))
        rec[valid_key] = bool((wb[start:start + count, 2] > 0).any())
    rec['num_keypoints'] = int((wb[:17, 2] > 0).sum())
    groups = goliath_info()['groups']
    index = goliath_info()['index']
    face = groups['face'] + [index[n] for n in ('nose', 'left_eye', 'right_eye', 'left_ear',
                                                 'right_ear')]
    rec['face_box'] = _kpt_box(kpts[face])
    rec['lefthand_box'] = _kpt_box(kpts[groups['left_hand'] + [index['left_wrist']]])
    rec['righthand_box'] = _kpt_box(kpts[groups['right_hand'] + [index['right_wrist']]])
    return rec


def categories(kind: str) -> List[Dict]:
    """The single 'person' category with keypoint names and 1-based skeleton links."""
    info = goliath_info()
    if kind == 'goliath_308':
        names = info['names']
        skeleton = [[a + 1, b + 1] for a, b in info['skeleton']]
    else:  # COCO-17 and WholeBody list the 17 body names, as the COCO-WholeBody files do
        names = list(COCO17_NAMES)
        pos = {g: i for i, g in enumerate(coco17_indices())}
        skeleton = [[pos[a] + 1, pos[b] + 1] for a, b in info['skeleton']
                    if a in pos and b in pos]
    cat = dict(id=1, name='person', supercategory='person', keypoints=list(names),
               skeleton=skeleton)
    if kind == 'coco_wholebody_133':
        cat['wholebody_keypoints'] = coco_wholebody_names()
    return [cat]

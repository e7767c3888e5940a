"""Keypoint formats at output: Goliath-308, COCO-WholeBody-133, COCO-17, OpenPose-18.

A pose model predicts K keypoints in its own order (308 Goliath for the Sapiens pose models;
133 or 17 for the COCO configs). :func:`convert_keypoints` lays them out in another format
through the mappings evaluation uses (:mod:`sapiens_mm.datasets.pose.keypoint_mappings`):

* ``goliath308``: as predicted (a 308-keypoint model only);
* ``coco_wholebody133``: COCO-WholeBody v1.0 order; from 308 only the 53 name-matched
  keypoints are filled (face, hand roots and finger bases have no Goliath name), the others
  are (0, 0) with score 0, as the release's COCO-WholeBody evaluation fills them;
* ``coco17``: the COCO body keypoints in COCO order;
* ``openpose18``: OpenPose's COCO-18 body order (nose, neck, r-shoulder, r-elbow, r-wrist,
  l-shoulder, l-elbow, l-wrist, r-hip, r-knee, r-ankle, l-hip, l-knee, l-ankle, r-eye, l-eye,
  r-ear, l-ear) with the neck the mean of the two shoulders and its score the smaller of
  their scores (as mmpose's ``openpose`` skeleton style and OpenPose's COCO training data
  define it; the release's ``pose/scripts/demo/local/keypoints*_openpose.sh`` draw this style).

:func:`openpose_document` writes OpenPose's per-image JSON layout (``version``, ``people[]``
with ``person_id``, ``pose_keypoints_2d`` = 18 x (x, y, c), ``face_keypoints_2d`` (70 x 3,
or empty when the format has no face points mapped, as OpenPose writes it without face
detection), ``hand_left_keypoints_2d`` / ``hand_right_keypoints_2d`` (21 x 3, the WholeBody
hand order, which is OpenPose's; the hand root, point 0, is OpenPose's wrist: taken from the
body wrist when the source has no hand root), and empty ``*_3d`` arrays).
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

__all__ = ['KEYPOINT_FORMATS', 'format_size', 'convert_keypoints', 'openpose_people',
           'openpose_document', 'format_pose_records', 'format_coco_records']

KEYPOINT_FORMATS = ('goliath308', 'coco_wholebody133', 'coco17', 'openpose18')

#: OpenPose COCO-18 body point -> COCO-17 index (-1: the neck, mean of the shoulders 5, 6).
OPENPOSE18_FROM_COCO17 = (0, -1, 6, 8, 10, 5, 7, 9, 12, 14, 16, 11, 13, 15, 2, 1, 4, 3)
#: the WholeBody hand slices (left, right) and the COCO-17 wrists (left 9, right 10).
_HANDS = ((91, 9), (112, 10))


def format_size(fmt: str) -> int:
    """Number of keypoints of a format name (raises ValueError naming the known ones)."""
    sizes = dict(goliath308=308, coco_wholebody133=133, coco17=17, openpose18=18)
    if fmt not in sizes:
        raise ValueError(f'keypoint format {fmt!r} is not one of {", ".join(KEYPOINT_FORMATS)}')
    return sizes[fmt]


def _source_maps(num_keypoints: int) -> Tuple[List[int], Dict[int, int]]:
    """(COCO-17 -> source index, WholeBody -> source index) of a K-keypoint prediction."""
    if num_keypoints == 308:
        from sapiens_mm.datasets.pose.keypoint_mappings import (goliath_to_coco17,
                                                                 wholebody_to_goliath)
        return goliath_to_coco17(), wholebody_to_goliath()
    if num_keypoints == 133:
        return list(range(17)), {i: i for i in range(133)}
    if num_keypoints == 17:
        return list(range(17)), {i: i for i in range(17)}
    raise ValueError(f'keypoint formats: predictions with {num_keypoints} keypoints cannot be '
                     'converted (308 Goliath, 133 COCO-WholeBody or 17 COCO keypoints can)')


def _gather(kpts: np.ndarray, scores: np.ndarray, index: Sequence[int]) -> tuple:
    """Keypoints at ``index`` (-1: (0, 0) with score 0)."""
    index = np.asarray(index, np.int64)
    out_k = kpts[:, np.maximum(index, 0)].copy()
    out_s = scores[:, np.maximum(index, 0)].copy()
    out_k[:, index < 0] = 0
    out_s[:, index < 0] = 0
    return out_k, out_s


def convert_keypoints(keypoints: np.ndarray, scores: np.ndarray, fmt: str
                      ) -> Tuple[np.ndarray, np.ndarray]:
    """Keypoints (N, K, 2) px and scores (N, K) -> the format's (N, K', 2) and (N, K').

    ``K`` is 308, 133 or 17 (the model's own order); ``fmt`` one of :data:`KEYPOINT_FORMATS`.
    Keypoints without a source are (0, 0) with score 0.
    """
    kpts = np.asarray(keypoints, np.float32)
    scr = np.asarray(scores, np.float32)
    if kpts.ndim == 2:
        kpts, scr = kpts[None], scr[None]
    if kpts.ndim != 3 or kpts.shape[-1] != 2 or scr.shape != kpts.shape[:2]:
        raise ValueError(f'convert_keypoints: keypoints {kpts.shape} and scores {scr.shape} '
                         'are not (N, K, 2) and (N, K)')
    k = kpts.shape[1]
    size = format_size(fmt)
    if fmt == 'goliath308':
        if k != 308:
            raise ValueError(f'keypoint format goliath308 needs a 308-keypoint model; this one '
                             f'predicts {k}')
        return kpts.copy(), scr.copy()
    coco17, wholebody = _source_maps(k)
    if fmt == 'coco17':
        return _gather(kpts, scr, coco17)
    if fmt == 'coco_wholebody133':
        return _gather(kpts, scr, [wholebody.get(i, -1) for i in range(size)])
    body_k, body_s = _gather(kpts, scr, coco17)
    out_k, out_s = _gather(body_k, body_s, [max(i, 0) for i in OPENPOSE18_FROM_COCO17])
    out_k[:, 1] = (body_k[:, 5] + body_k[:, 6]) / 2
    out_s[:, 1] = np.minimum(body_s[:, 5], body_s[:, 6])
    return out_k, out_s


def _triplets(kpts: np.ndarray, scores: np.ndarray) -> List[float]:
    return [round(float(v), 3) for v in
            np.concatenate([kpts, scores[:, None]], axis=1).reshape(-1)]


def openpose_people(keypoints: np.ndarray, scores: np.ndarray,
                    track_ids: Optional[Sequence[int]] = None) -> List[dict]:
    """OpenPose ``people`` records of N persons (keypoints (N, K, 2), scores (N, K); K = 308,
    133 or 17); ``person_id`` = ``[track id]``, or ``[-1]`` as OpenPose writes without
    tracking."""
    kpts = np.asarray(keypoints, np.float32).reshape(-1, np.shape(keypoints)[-2], 2)
    scr = np.asarray(scores, np.float32).reshape(kpts.shape[:2])
    body_k, body_s = convert_keypoints(kpts, scr, 'openpose18')
    _, wholebody = _source_maps(kpts.shape[1])
    wb_k, wb_s = convert_keypoints(kpts, scr, 'coco_wholebody133')
    wb17_k, wb17_s = convert_keypoints(kpts, scr, 'coco17')
    has_face = any(23 <= i < 91 for i in wholebody)
    people = []
    for n in range(len(kpts)):
        person = dict(person_id=[int(track_ids[n]) if track_ids is not None else -1],
                      pose_keypoints_2d=_triplets(body_k[n], body_s[n]))
        if has_face:  # OpenPose's 70 face points: the 68 of WholeBody + 2 pupils (unknown)
            fk = np.concatenate([wb_k[n, 23:91], np.zeros((2, 2), np.float32)])
            fs = np.concatenate([wb_s[n, 23:91], np.zeros(2, np.float32)])
            person['face_keypoints_2d'] = _triplets(fk, fs)
        else:
            person['face_keypoints_2d'] = []
        for side, (start, wrist) in zip(('left', 'right'), _HANDS):
            hk, hs = wb_k[n, start:start + 21].copy(), wb_s[n, start:start + 21].copy()
            if start not in wholebody:  # OpenPose's hand point 0 is the wrist
                hk[0], hs[0] = wb17_k[n, wrist], wb17_s[n, wrist]
            person[f'hand_{side}_keypoints_2d'] = _triplets(hk, hs)
        person.update(pose_keypoints_3d=[], face_keypoints_3d=[], hand_left_keypoints_3d=[],
                      hand_right_keypoints_3d=[])
        people.append(person)
    return people


def openpose_document(keypoints: np.ndarray, scores: np.ndarray,
                      track_ids: Optional[Sequence[int]] = None) -> dict:
    """One image's OpenPose JSON: ``{'version': 1.3, 'people': [...]}``."""
    return dict(version=1.3, people=openpose_people(keypoints, scores, track_ids))


def format_pose_records(records: List[dict], fmt: Optional[str]):
    """mmpose's per-image records (``keypoints`` (K, 2), ``keypoint_scores`` (K,), ``bbox``,
    ``bbox_score``, optional ``track_id``) in format ``fmt``: the same records with the
    keypoints converted, or for ``openpose18`` an OpenPose document (:func:`openpose_document`);
    ``fmt=None``: as they are.
    """
    if fmt is None:
        return records
    format_size(fmt)
    if not records:
        return dict(version=1.3, people=[]) if fmt == 'openpose18' else records
    kpts = np.asarray([r['keypoints'] for r in records], np.float32)
    scores = np.asarray([r['keypoint_scores'] for r in records], np.float32)
    if fmt == 'openpose18':
        ids = [r['track_id'] for r in records] if all('track_id' in r for r in records) \
            else None
        return openpose_document(kpts, scores, ids)
    out_k, out_s = convert_keypoints(kpts, scores, fmt)
    return [dict(r, keypoints=k.tolist(), keypoint_scores=s.tolist())
            for r, k, s in zip(records, out_k, out_s)]


def format_coco_records(records: List[dict], fmt: Optional[str]) -> List[dict]:
    """COCO keypoint results (``keypoints`` = K x (x, y, score), flat) in format ``fmt``
    (``openpose18``: 18 triplets in OpenPose's order; None: as they are); ``score`` is kept
    (the model's mean over its own keypoints)."""
    if fmt is None:
        return records
    format_size(fmt)
    if fmt == 'goliath308' or not records:
        if records and len(records[0]['keypoints']) != 3 * 308:
            raise ValueError('keypoint format goliath308 needs a 308-keypoint model')
        return records
    out = []
    for r in records:
        trip = np.asarray(r['keypoints'], np.float32).reshape(-1, 3)
        k, s = convert_keypoints(trip[None, :, :2], trip[None, :, 2], fmt)
        out.append(dict(r, keypoints=_triplets(k[0], s[0])))
    return out

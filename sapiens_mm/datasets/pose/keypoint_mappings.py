"""Goliath-308 keypoints -> COCO-17 and COCO-WholeBody-133: the one place of both mappings.

Both come from the 308-keypoint metainfo config ``configs/_base_/metainfo/goliath.py``, the
file evaluation reads (:class:`~sapiens_mm.evaluation.GoliathMetric` groups,
:class:`~sapiens_mm.datasets.CocoWholeBodyGoliathDataset`):

* COCO-17 = its ``keypoint_groups['body']``, the Goliath index of each COCO body keypoint in
  COCO order (Goliath keeps the COCO names but not the order: its wrists are 62 / 41, after
  the hands);
* COCO-WholeBody-133 = its ``coco_wholebody_to_goliath`` (WholeBody index -> Goliath index),
  the release's name matching of ``pose/configs/_base_/datasets/goliath.py``
  (``coco_wholebody_to_goliath_mapping``): 53 shared keypoints (17 body, 6 feet, 15 per hand).
  The 68 ``face-*`` points, the hand roots and the finger bases (``*1``) have no name match;
  the release fills them with zeros and score 0, and so do the inference output formats.

The synthetic-data writers (``sapiens_mm.synthetic.vocab``) and the inference output formats
(``sapiens_mm.apis.inferencers.keypoint_formats``) read them from here.
"""
from functools import lru_cache
from typing import Dict, List, Tuple

__all__ = ['COCO17_NAMES', 'COCO_WB_PARTS', 'coco_wholebody_names', 'goliath_to_coco17',
           'wholebody_to_goliath']

COCO17_NAMES = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder',
                'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
                'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle')

#: COCO-WholeBody v1.0 layout: (part, first index, count) in the flat 133-vector.
COCO_WB_PARTS: Tuple[Tuple[str, int, int], ...] = (
    ('keypoints', 0, 17), ('foot_kpts', 17, 6), ('face_kpts', 23, 68),
    ('lefthand_kpts', 91, 21), ('righthand_kpts', 112, 21))


@lru_cache(maxsize=1)
def _extras() -> dict:
    from .metainfo import load_goliath_extras
    return load_goliath_extras()


def goliath_to_coco17() -> List[int]:
    """The Goliath index of each COCO-17 keypoint, in COCO order (17 ints)."""
    return list(_extras()['keypoint_groups']['body'])


def wholebody_to_goliath() -> Dict[int, int]:
    """COCO-WholeBody index (0..132) -> Goliath index, for the 53 names both share."""
    return dict(_extras()['coco_wholebody_to_goliath'])


@lru_cache(maxsize=1)
def coco_wholebody_names() -> List[str]:
    """The 133 COCO-WholeBody keypoint names, as mmpose's ``coco_wholebody.py`` spells them."""
    names = list(COCO17_NAMES)
    names += ['left_big_toe', 'left_small_toe', 'left_heel', 'right_big_toe', 'right_small_toe',
              'right_heel']
    names += [f'face-{i}' for i in range(68)]
    for side in ('left', 'right'):
        names.append(f'{side}_hand_root')
        for finger in ('thumb', 'forefinger', 'middle_finger', 'ring_finger', 'pinky_finger'):
            names += [f'{side}_{finger}{j}' for j in range(1, 5)]
    assert len(names) == 133
    return names

"""Label vocabularies the synthetic humans are annotated in.

* Goliath 308 keypoints (names, flip partners, skeleton links), read from the repository's own
  mmpose metainfo ``configs/_base_/metainfo/goliath.py`` so there is one source of truth.
* The 28 Sapiens body-part classes (index = class id, ``Background`` = 0) with their palette
  (RGB) and the Left/Right pairs swapped by a horizontal flip.
* COCO-17 (body) as Goliath indices, in COCO order, the 133 COCO-WholeBody v1.0 names and
  the WholeBody → Goliath index map (53 shared keypoints): from
  :mod:`sapiens_mm.datasets.pose.keypoint_mappings`, the one place of both mappings.
"""
import runpy
from functools import lru_cache
from typing import Dict, List, Tuple

from sapiens_mm.datasets.body_part_classes import BODY_PART_CLASSES, BODY_PART_PALETTE
from sapiens_mm.datasets.pose.keypoint_mappings import (COCO17_NAMES, COCO_WB_PARTS,
                                                        coco_wholebody_names, goliath_to_coco17,
                                                        wholebody_to_goliath)
from sapiens_mm.datasets.pose.metainfo import GOLIATH_METAINFO

__all__ = [
    'SEG_CLASSES', 'SEG_PALETTE', 'SEG_FLIP_PAIRS', 'CLASS_ID', 'seg_flip_lut', 'goliath_info',
    'coco17_indices', 'coco_wholebody_names', 'wholebody_to_goliath', 'COCO_WB_PARTS'
]

# The 28 classes and their palette are the task vocabulary (one definition for the datasets,
# the heads' configs and the generator).
SEG_CLASSES: Tuple[str, ...] = BODY_PART_CLASSES
SEG_PALETTE: Tuple[Tuple[int, int, int], ...] = BODY_PART_PALETTE

CLASS_ID: Dict[str, int] = {name: i for i, name in enumerate(SEG_CLASSES)}

# Left_X <-> Right_X, the pairs a horizontal flip swaps.
SEG_FLIP_PAIRS: Tuple[Tuple[int, int], ...] = tuple(
    (CLASS_ID[n], CLASS_ID['Right_' + n[len('Left_'):]]) for n in SEG_CLASSES
    if n.startswith('Left_'))


def seg_flip_lut() -> List[int]:
    """Class id -> class id after a horizontal flip (Left_* <-> Right_*), length 28."""
    lut = list(range(len(SEG_CLASSES)))
    for a, b in SEG_FLIP_PAIRS:
        lut[a], lut[b] = b, a
    return lut


@lru_cache(maxsize=1)
def goliath_info() -> dict:
    """Goliath metainfo: ``names`` (308), ``swap`` (index of each flip partner, self if none),
    ``skeleton`` (65 links as 0-based index pairs), ``colors`` (RGB) and ``groups``."""
    cfg = runpy.run_path(GOLIATH_METAINFO)
    info = cfg['dataset_info']
    kinfo = info['keypoint_info']
    names = [kinfo[i]['name'] for i in range(len(kinfo))]
    index = {n: i for i, n in enumerate(names)}
    swap = [index[kinfo[i]['swap']] if kinfo[i]['swap'] else i for i in range(len(names))]
    skeleton = [(index[s['link'][0]], index[s['link'][1]])
                for _, s in sorted(info['skeleton_info'].items())]
    return dict(names=names, index=index, swap=swap, skeleton=skeleton,
                colors=[tuple(kinfo[i]['color']) for i in range(len(names))],
                groups=cfg.get('keypoint_groups', {}))


def coco17_indices() -> List[int]:
    """Goliath index of each COCO-17 keypoint, in COCO order (Goliath keeps the COCO names but
    not the COCO order: its wrists are 62/41, after the hands)."""
    return goliath_to_coco17()



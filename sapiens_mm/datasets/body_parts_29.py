"""The 29-class Sapiens2 body-part vocabulary and its mapping to and from v1's 28 classes.

The vocabulary is a metainfo config, ``configs/_base_/metainfo/body_parts_29.py`` (the release's
``sapiens/dense/src/datasets/seg/seg_utils.py``, ``DOME_CLASSES_29``): v1's 28 classes with
``Eyeglass`` inserted at index 2.

Mappings (label maps, (H, W) integer arrays; 255 is the ignore index in both directions):

* v1 -> v2 (:func:`v1_to_v2_labels`): every v1 class has a v2 class of the same name, index
  ``i`` for ``i < 2`` and ``i + 1`` otherwise. v1-labelled data thereby trains a v2 model; it
  never contains ``Eyeglass`` (v1 data sets label eyeglass pixels 255).
* v2 -> v1 (:func:`v2_to_v1_labels`): ``Eyeglass`` has no v1 class and becomes 255. This is
  what v1 itself did: the 34-class source annotation's ``Eyeglass_Frame`` and
  ``Eyeglass_Lenses`` are mapped to the ignore index in v1's training labels (the release's
  ``seg/mmseg/datasets/goliath.py``), so v1 models were never taught what eyeglass pixels are.
  Comparing v1 and v2 predictions in the v1 space therefore leaves eyeglass pixels out rather
  than crediting either model with a guess (``Face_Neck`` would be the nearest region).
"""
from functools import lru_cache
from typing import Tuple

import numpy as np
from mmengine.config import Config

from ..utils.config_paths import get_config_path
from .body_part_classes import BODY_PART_CLASSES, IGNORE_INDEX

__all__ = ['BODY_PARTS_29_METAINFO', 'load_body_parts_29', 'V1_TO_V2', 'V2_TO_V1',
           'v1_to_v2_labels', 'v2_to_v1_labels']

#: The metainfo config of the 29 classes.
BODY_PARTS_29_METAINFO = get_config_path('_base_/metainfo/body_parts_29.py')


@lru_cache(maxsize=1)
def load_body_parts_29() -> dict:
    """``classes`` (tuple of 29 names), ``palette`` (29 RGB tuples), ``class_weight`` (29
    floats) and ``flip_pairs`` of the metainfo config."""
    cfg = Config.fromfile(BODY_PARTS_29_METAINFO)
    out = dict(classes=tuple(cfg.classes),
               palette=tuple(tuple(int(v) for v in c) for c in cfg.palette),
               class_weight=tuple(float(w) for w in cfg.class_weight),
               flip_pairs=tuple(tuple(p) for p in cfg.flip_pairs))
    n = len(out['classes'])
    for key in ('palette', 'class_weight'):
        if len(out[key]) != n:
            raise ValueError(f'{BODY_PARTS_29_METAINFO}: {key} has {len(out[key])} entries '
                             f'for {n} classes')
    return out


def _lookup_tables() -> Tuple[np.ndarray, np.ndarray]:
    v2 = load_body_parts_29()['classes']
    v1_to_v2 = np.full(256, IGNORE_INDEX, np.uint8)
    v2_to_v1 = np.full(256, IGNORE_INDEX, np.uint8)
    for i, name in enumerate(BODY_PART_CLASSES):
        v1_to_v2[i] = v2.index(name)  # every v1 class exists in v2 (checked by the tests)
    for j, name in enumerate(v2):
        if name in BODY_PART_CLASSES:
            v2_to_v1[j] = BODY_PART_CLASSES.index(name)
    return v1_to_v2, v2_to_v1


#: (256,) lookup tables: ``V1_TO_V2[label]`` (255 -> 255; values >= 28 -> 255).
V1_TO_V2, V2_TO_V1 = _lookup_tables()


def _apply(table: np.ndarray, labels: np.ndarray, num_classes: int, name: str) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.dtype.kind not in 'iu':
        raise TypeError(f'{name}: label map must be integer, got {labels.dtype}')
    bad = (labels != IGNORE_INDEX) & ((labels < 0) | (labels >= num_classes))
    if bad.any():
        raise ValueError(f'{name}: {int(bad.sum())} labels outside 0..{num_classes - 1} and '
                         f'{IGNORE_INDEX}, e.g. {int(labels[bad][0])}')
    return table[labels.astype(np.int64)].astype(labels.dtype if labels.dtype != np.int8
                                                 else np.uint8)


def v1_to_v2_labels(labels: np.ndarray) -> np.ndarray:
    """v1 (28-class) label map -> v2 (29-class) label map, same shape and dtype."""
    return _apply(V1_TO_V2, labels, len(BODY_PART_CLASSES), 'v1_to_v2_labels')


def v2_to_v1_labels(labels: np.ndarray) -> np.ndarray:
    """v2 (29-class) label map -> v1 (28-class); ``Eyeglass`` -> 255 (see the module doc)."""
    return _apply(V2_TO_V1, labels, len(load_body_parts_29()['classes']), 'v2_to_v1_labels')

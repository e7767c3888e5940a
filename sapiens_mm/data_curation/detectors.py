"""Person detectors for image curation: the protocol, an adapter, and a rule-based stand-in.

A **person detector** is any callable ``detector(img) -> (boxes, scores)`` with ``img`` a BGR
uint8 (H, W, 3) array, ``boxes`` an (N, 4) float array of xyxy pixel boxes and ``scores`` an
(N,) float array in [0, 1]. A detector that sets ``wants_path = True`` is called as
``detector(img, img_path=path)`` (for detectors that look images up by name, such as
:class:`CocoBoxDetector`). ``name`` (optional) identifies it in the curation ledger.

:class:`sapiens_mm.apis.MMDetPersonDetector` (an mmdet config + checkpoint; the release used
RTMDet) fits through its ``detect`` method; :func:`as_person_detector` wraps either.
"""
import os
import os.path as osp
from collections import defaultdict
from typing import Callable, Dict, List, Optional, Protocol, Tuple, runtime_checkable

import numpy as np

from sapiens_mm.utils.detection import detector_failure
from .coco_file import load_coco_json
from sapiens_mm.utils.content_hash import file_digest, text_digest  # noqa: F401 (re-exported)

__all__ = ['PersonDetector', 'as_person_detector', 'CocoBoxDetector', 'detector_name']

Detections = Tuple[np.ndarray, np.ndarray]


@runtime_checkable
class PersonDetector(Protocol):
    """``__call__(img_bgr) -> (boxes (N, 4) xyxy px, scores (N,))``."""

    def __call__(self, img: np.ndarray) -> Detections:
        ...


class IdentifiedDetector:
    """A detector given as ``module:attribute`` (and JSON arguments), recorded in ledgers
    under the attribute and the hash of its arguments; calls go to the wrapped detector."""

    def __init__(self, detector, spec: str, args_json: Optional[str] = None):
        import json
        self.detector = detector
        args = json.dumps(json.loads(args_json), sort_keys=True) if args_json else '{}'
        self.name = f'{detector_name(detector)}:{spec}:args-sha256={text_digest(args)}'
        self.wants_path = bool(getattr(detector, 'wants_path', False))
        if hasattr(detector, 'detect') and callable(detector.detect):
            self.detect = detector.detect

    def __call__(self, *args, **kwargs):
        return self.detector(*args, **kwargs)


def detector_name(detector) -> str:
    """The name a detector is recorded under: its ``name`` attribute, else its type."""
    name = getattr(detector, 'name', None)
    if isinstance(name, str) and name:
        return name
    return getattr(detector, '__qualname__', None) or type(detector).__qualname__


def _check_detections(out, name: str) -> Detections:
    if isinstance(out, tuple) and len(out) == 2:
        boxes, scores = out
    else:
        arr = np.asarray(out, dtype=np.float32)
        if arr.ndim == 2 and arr.shape[1] == 5:  # (N, 5): x0, y0, x1, y1, score
            boxes, scores = arr[:, :4], arr[:, 4]
        else:
            raise TypeError(f'person detector {name} must return (boxes (N, 4), scores (N,)) '
                            f'or an (N, 5) array; got {type(out).__name__} of shape '
                            f'{getattr(arr, "shape", None)} (curation needs the scores)')
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float32).reshape(-1)
    if len(boxes) != len(scores):
        raise ValueError(f'person detector {name} returned {len(boxes)} boxes but '
                         f'{len(scores)} scores')
    return boxes, scores


def as_person_detector(detector) -> Callable[[np.ndarray, str], Detections]:
    """A function ``(img, img_path) -> (boxes (N, 4) float32, scores (N,) float32)``.

    Accepts a :class:`PersonDetector` callable, one with ``wants_path = True``, or an object
    with a ``detect(img)`` method (``MMDetPersonDetector``). Outputs are checked (shapes,
    matching lengths) with an error naming the detector; a detector that raises is a
    :class:`~sapiens_mm.utils.detection.DetectorError` naming the detector and the image.
    """
    name = detector_name(detector)
    if hasattr(detector, 'detect') and callable(detector.detect):
        call = detector.detect
    elif callable(detector):
        call = detector
    else:
        raise TypeError(f'{name} is not a person detector (not callable, no detect method)')
    wants_path = bool(getattr(detector, 'wants_path', False))

    def run(img: np.ndarray, img_path: str) -> Detections:
        try:
            out = call(img, img_path=img_path) if wants_path else call(img)
        except Exception as e:  # one line naming the detector and the image, not a traceback
            raise detector_failure(name, img_path, e) from e
        return _check_detections(out, name)

    return run


class CocoBoxDetector:
    """Deterministic stand-in detector: the person boxes a COCO file lists for an image.

    Meant for the synthetic humans (``annotations/coco_17.json`` of
    ``tools/make_synthetic_humans.py``) and for tests and throughput runs without detector
    weights. The image is found by its path: the image whose ``file_name`` is a suffix of the
    path (compared on '/'-separated parts). An image that is not in the file is an error
    (``KeyError`` naming it), as a real detector would never be silent about it.

    Boxes are the annotations' ``bbox`` (xywh -> xyxy) of the person category; crowd
    annotations are skipped. Scores follow a fixed rule:

    * ``score_rule='keypoints'`` (default): the fraction of the annotation's keypoints that
      lie in the image (visibility > 0), i.e. how much of the body is in the frame (a person
      cut by the image border scores low, as with a real detector);
    * ``score_rule='visible'``: the fraction with visibility 2 (not occluded, self-occlusion
      included, so this is low for most people);
    * ``score_rule='fill'``: the annotation's pixel area over its box area (also what the
      two rules above fall back to for annotations without keypoints);
    * ``score_rule='one'``: 1.0 for every box.

    Args:
        ann_file (str): COCO json with ``images``, ``annotations`` and ``categories``.
        score_rule (str): see above.
        person_name (str): category name of people. Defaults to ``'person'``.
    """
    wants_path = True
    SCORE_RULES = ('keypoints', 'visible', 'fill', 'one')

    def __init__(self, ann_file: str, score_rule: str = 'keypoints',
                 person_name: str = 'person'):
        if score_rule not in self.SCORE_RULES:
            raise ValueError(f'score_rule must be one of {self.SCORE_RULES}, got {score_rule!r}')
        coco = load_coco_json(ann_file, ('images', 'annotations', 'categories'),
                              context='CocoBoxDetector: ')
        person_ids = {c['id'] for c in coco['categories'] if c.get('name') == person_name}
        if not person_ids:
            raise ValueError(f'CocoBoxDetector: {ann_file} has no category named '
                             f'{person_name!r}')
        self.ann_file, self.score_rule = ann_file, score_rule
        #: identifies the detector in curation ledgers: the boxes file by its content
        self.name = (f'coco-boxes:{osp.basename(ann_file)}:sha256={file_digest(ann_file)}:'
                     f'{score_rule}:{person_name}')
        by_image: Dict[int, List[dict]] = defaultdict(list)
        for ann in coco['annotations']:
            if ann.get('category_id') in person_ids and not ann.get('iscrowd', 0):
                by_image[ann['image_id']].append(ann)
        #: '/'-separated parts of file_name, reversed -> detections
        self._by_parts: Dict[Tuple[str, ...], Detections] = {}
        self._by_basename: Dict[str, List[Tuple[str, ...]]] = defaultdict(list)
        for img in coco['images']:
            parts = tuple(reversed(img['file_name'].replace('\\', '/').split('/')))
            self._by_parts[parts] = self._detections(by_image.get(img['id'], []))
            self._by_basename[parts[0]].append(parts)

    def _score(self, ann: dict) -> float:
        rule = self.score_rule
        kpts = ann.get('keypoints') or []
        if rule in ('keypoints', 'visible') and len(kpts) >= 3:
            vis = np.asarray(kpts, dtype=np.float32).reshape(-1, 3)[:, 2]
            return float((vis > 0).mean() if rule == 'keypoints' else (vis == 2).mean())
        if rule == 'one':
            return 1.0
        w, h = ann['bbox'][2], ann['bbox'][3]
        area = ann.get('area', w * h)
        return float(min(1.0, area / max(w * h, 1e-6)))

    def _detections(self, anns: List[dict]) -> Detections:
        boxes = np.array([[a['bbox'][0], a['bbox'][1], a['bbox'][0] + a['bbox'][2],
                           a['bbox'][1] + a['bbox'][3]] for a in anns],
                         dtype=np.float32).reshape(-1, 4)
        scores = np.array([self._score(a) for a in anns], dtype=np.float32)
        return boxes, scores

    def lookup(self, img_path: str) -> Detections:
        """Boxes and scores of the image at ``img_path`` (KeyError if it is not listed)."""
        parts = tuple(reversed(os.path.normpath(img_path).replace('\\', '/').split('/')))
        for cand in self._by_basename.get(parts[0], []):
            if parts[:len(cand)] == cand:
                return self._by_parts[cand]
        raise KeyError(f'CocoBoxDetector: image {img_path} is not listed in {self.ann_file}')

    def __call__(self, img: np.ndarray, img_path: Optional[str] = None) -> Detections:
        if img_path is None:
            raise ValueError('CocoBoxDetector finds images by path: call it with img_path=')
        boxes, scores = self.lookup(img_path)
        return boxes.copy(), scores.copy()

"""Person boxes given to the inferencer (``--bboxes B.json``, ``bboxes=``): parsing, matching
them to the inputs, and checking each image's boxes against the image.

Two forms (:class:`PersonBoxes`):

* a dict ``{key: rows}``: ``key`` is an input's output name (``sub/x``), its relative file
  name (``sub/x.png``), its path as given, or -- when that names exactly one input -- a base
  name (``x``, ``x.png``); a video frame is ``{video}_{frame:06d}``. A key that matches no
  input, a base name that matches several, and two keys for one input are errors naming the
  keys (:meth:`PersonBoxes.resolve`, before anything runs);
* a list: entry ``i`` is the boxes of the ``i``-th image of the call (the listing's order, a
  video's frames one entry each, unreadable images counted too, so one unreadable image does
  not shift the boxes of the next ones).

``rows`` is ``[[x1, y1, x2, y2], ...]`` or ``[[x1, y1, x2, y2, score], ...]`` in image pixels
(one box may be given flat, ``[x1, y1, x2, y2(, score)]``); the score is kept as the pose
result's ``bbox_score`` (1 when not given). ``[]`` is an image with nobody; ``null`` (or a
missing key / short list) falls back to the detector or the whole image. Rows of another
width, or values that are not numbers, are an error naming the source, the key and the row.

Per image (:func:`boxes_for_image`): a box with a non-finite value, an inverted or empty box
(``x2 <= x1`` or ``y2 <= y1``: maybe xywh given as xyxy) or one lying wholly outside the image
makes that image fail with a message naming the box (:class:`BoxError`; the run goes on); a box
reaching outside the image is clipped to it, with a warning counted in the summary.
"""
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .output_names import FRAME_NAME, frame_name

__all__ = ['BoxError', 'PersonBoxes', 'load_bboxes_file', 'boxes_for_image']


class BoxError(ValueError):
    """An image's boxes cannot be used (non-finite, inverted, outside the image)."""


def load_bboxes_file(path: str) -> 'PersonBoxes':
    """The :class:`PersonBoxes` of a JSON file; malformed JSON is a ``ValueError`` naming the
    file, line, column and character position."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise FileNotFoundError(f'--bboxes {path}: cannot be read ({e.strerror or e})') from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f'--bboxes {path}: not valid JSON at line {e.lineno} column '
                         f'{e.colno} (character {e.pos}): {e.msg}') from None
    return PersonBoxes(obj, source=path)


def _rows(value, source: str, key) -> Optional[np.ndarray]:
    """(N, 5) float64 [x1, y1, x2, y2, score] of one image's entry; None stays None."""
    if value is None:
        return None
    where = f'{source}: boxes of {key!r}'
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f'{where} are not rows of numbers ({e})') from None
    if arr.size == 0:
        return np.zeros((0, 5), np.float64)
    if arr.ndim == 1:
        arr = arr[None]
    if arr.ndim != 2 or arr.shape[1] not in (4, 5):
        raise ValueError(f'{where}: expected rows of 4 values [x1, y1, x2, y2] or 5 '
                         f'[x1, y1, x2, y2, score], got an array of shape {arr.shape}')
    if arr.shape[1] == 4:
        arr = np.concatenate([arr, np.ones((len(arr), 1))], axis=1)
    return arr


class PersonBoxes:
    """Person boxes per image (see the module docstring); ``source`` names them in messages
    (the ``--bboxes`` file, or ``'bboxes'`` for the API argument)."""

    def __init__(self, boxes, source: str = 'bboxes'):
        self.source = source
        self.by_key: Optional[Dict[str, Optional[np.ndarray]]] = None
        self.by_index: Optional[List[Optional[np.ndarray]]] = None
        self.by_name: Dict[str, Optional[np.ndarray]] = {}
        if isinstance(boxes, dict):
            self.by_key = {str(k): _rows(v, source, k) for k, v in boxes.items()}
        elif isinstance(boxes, (list, tuple)):
            self.by_index = [_rows(v, source, i) for i, v in enumerate(boxes)]
        else:
            raise ValueError(f'{source}: expected {{image name: [[x1, y1, x2, y2(, score)], '
                             f'...]}} or a list with one entry per image, got '
                             f'{type(boxes).__name__}')

    @classmethod
    def of(cls, boxes, source: str = 'bboxes') -> Optional['PersonBoxes']:
        if boxes is None or isinstance(boxes, PersonBoxes):
            return boxes
        return cls(boxes, source)

    def resolve(self, items: Sequence, frame_counts: Optional[Dict[str, int]] = None
                ) -> 'PersonBoxes':
        """Match the dict keys to the output names of ``items`` (:class:`~.inputs.InputItem`
        s, names already unique); ``frame_counts``: declared frames per video name (a frame
        key past them matches nothing). Raises ``ValueError`` naming the keys that match no
        input or several, or several keys of one input."""
        if self.by_key is None:
            return self
        self.by_name = {}
        exact: Dict[str, list] = {}
        base: Dict[str, list] = {}
        videos: Dict[str, list] = {}
        for it in items:
            src = it.path or it.video
            forms = {it.name}
            if src:
                ext = osp.splitext(src)[1]
                forms |= {src, it.name if it.name.endswith(ext) else it.name + ext}
            for f in forms:
                exact.setdefault(f, []).append(it)
            for f in {osp.basename(f) for f in forms if f != src} | (
                    {osp.basename(src)} if src else set()):
                base.setdefault(f, []).append(it)
            if it.video is not None:
                for v in {it.name, osp.basename(it.name)}:
                    videos.setdefault(v, []).append(it)
        unmatched, ambiguous, targets = [], [], {}
        for key, rows in self.by_key.items():
            found = _unique(exact.get(key, [])) or _unique(base.get(key, []))
            name = found[0].name if found and len(found) == 1 and found[0].video is None \
                else None
            if found and len(found) > 1:
                ambiguous.append(f'{key!r} ({", ".join(sorted(i.name for i in found))})')
                continue
            if name is None:
                m = FRAME_NAME.fullmatch(key)
                owners = _unique(videos.get(m.group(1), [])) if m else []
                if len(owners) > 1:
                    ambiguous.append(f'{key!r} (frames of {", ".join(i.name for i in owners)})')
                    continue
                if owners:
                    n = (frame_counts or {}).get(owners[0].name, 0)
                    if n <= 0 or int(m.group(2)) < n:
                        name = frame_name(owners[0].name, int(m.group(2)))
            if name is None:
                unmatched.append(key)
                continue
            targets.setdefault(name, []).append(key)
            self.by_name[name] = rows
        if unmatched:
            examples = ', '.join(repr(it.name) for it in list(items)[:3])
            raise ValueError(f'{self.source}: {len(unmatched)} key(s) match no input image: '
                             f'{unmatched[:10]}{" ..." if len(unmatched) > 10 else ""} (the '
                             f'inputs are named like {examples}, or by their file names)')
        if ambiguous:
            raise ValueError(f'{self.source}: key(s) matching several inputs by base name: '
                             f'{"; ".join(ambiguous[:10])}; use the output name or the '
                             'relative path')
        twice = {n: ks for n, ks in targets.items() if len(ks) > 1}
        if twice:
            n, ks = next(iter(twice.items()))
            raise ValueError(f'{self.source}: keys {ks} all give the boxes of input {n!r} '
                             f'({len(twice)} such input(s))')
        return self

    def rows(self, name: str, index: int) -> Optional[np.ndarray]:
        """The (N, 5) rows of the image ``name`` at position ``index`` of the call (None:
        not given)."""
        if self.by_index is not None:
            return self.by_index[index] if index < len(self.by_index) else None
        return self.by_name.get(name)


def _unique(items: list) -> list:
    seen, out = set(), []
    for it in items:
        if id(it) not in seen:
            seen.add(id(it))
            out.append(it)
    return out


def boxes_for_image(rows: np.ndarray, shape: Tuple[int, int], name: str
                    ) -> Tuple[np.ndarray, List[str]]:
    """Check and clip one image's (N, 5) rows against its ``shape`` (H, W).

    Returns ``(boxes (N, 5) float32, warnings)``; raises :class:`BoxError` naming ``name``
    and the box for a non-finite value, an inverted or empty box, or a box wholly outside the
    image."""
    h, w = shape
    rows = np.asarray(rows, np.float64).reshape(-1, 5)
    for j, r in enumerate(rows):
        box = [round(float(v), 2) for v in r[:4]]
        if not np.isfinite(r).all():
            raise BoxError(f'{name}: box {j} {r.tolist()} has a non-finite value')
        if r[2] <= r[0] or r[3] <= r[1]:
            raise BoxError(f'{name}: box {j} {box} is inverted or empty (x2 <= x1 or '
                           'y2 <= y1; boxes are [x1, y1, x2, y2], not [x, y, w, h])')
        if r[2] <= 0 or r[3] <= 0 or r[0] >= w or r[1] >= h:
            raise BoxError(f'{name}: box {j} {box} lies wholly outside the {w}x{h} image')
    clipped = rows.copy()
    clipped[:, [0, 2]] = clipped[:, [0, 2]].clip(0, w)
    clipped[:, [1, 3]] = clipped[:, [1, 3]].clip(0, h)
    n = int((clipped[:, :4] != rows[:, :4]).any(axis=1).sum())
    warnings = [f'{name}: {n} box(es) reaching outside the {w}x{h} image clipped to it'] \
        if n else []
    return clipped.astype(np.float32), warnings

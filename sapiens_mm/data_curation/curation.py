"""Keep the images that show a clearly visible person (the Sapiens pretraining-set filter).

The paper keeps an image when an off-the-shelf person detector finds a person with score > 0.9
and a box larger than 300 px. Here an image is **kept** when at least one detection has
``score > score_thr`` and a box side above ``min_box_side`` pixels, where the side is
``max(w, h)`` (``box_side='max'``, the default: "larger than 300 px" in either direction) or
``min(w, h)`` (``box_side='min'``: both sides), and every extra filter accepts it.

Rejected images get one reason, the first that applies:

* ``unreadable``: the file is missing, empty, truncated or undecodable (see
  :func:`sapiens_mm.utils.fileio.read_image_checked`);
* ``no_person``: the detector returned nothing;
* ``low_score``: no detection scored above ``score_thr``;
* ``small_box``: detections scored above it, but none of them had a large enough box;
* ``filter:NAME``: an extra filter (e.g. a watermark, text or artwork classifier) said no.

The expensive part (reading + detection + filters) is written per image to an append-only
ledger (:class:`.ledger.Ledger`) with the raw boxes and scores; the decisions are computed from
the ledger when the outputs are written, so a re-run skips done images and a change of the
thresholds only needs the outputs rewritten, not the detector rerun. Each record holds the
SHA-256 of the image's bytes; a resumed run redoes an image whose bytes changed (an image
replaced under the same name), never reusing its old decision. Non-finite boxes or scores from
the detector are dropped (with a warning naming the image) and never count as a person. No
output file may be one of the inputs (``OutputOverwritesInputError``).
"""
import logging
import os.path as osp
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.logging import print_log
from mmengine.utils import ProgressBar

from .detectors import as_person_detector, detector_name
from sapiens_mm.utils.content_hash import file_digest
from sapiens_mm.utils.fileio import (ImageReadError, check_not_input, input_keys,
                                     read_image_checked)
from .ledger import Ledger

__all__ = ['CurationCriteria', 'ExtraFilter', 'curate_images', 'decide', 'summarize',
           'LEDGER_NAME', 'REASONS', 'OUTPUT_NAMES', 'check_outputs_not_inputs']

#: A filter ``fn(img_bgr) -> bool`` (True = keep); e.g. a watermark or text detector.
ExtraFilter = Callable[[np.ndarray], bool]
#: File names inside the output folder.
LEDGER_NAME = 'decisions.jsonl'
#: Rejection reasons in the order they are checked (``filter:NAME`` comes last).
REASONS = ('unreadable', 'no_person', 'low_score', 'small_box')


@dataclass(frozen=True)
class CurationCriteria:
    """When an image counts as showing a person (defaults: the paper's).

    Args:
        score_thr (float): a detection must score strictly above it. Defaults to 0.9.
        min_box_side (float): its box side must be strictly above it [px]. Defaults to 300.
        box_side (str): ``'max'`` compares ``max(w, h)`` (default), ``'min'`` ``min(w, h)``.
    """
    score_thr: float = 0.9
    min_box_side: float = 300.0
    box_side: str = 'max'

    def __post_init__(self):
        if self.box_side not in ('max', 'min'):
            raise ValueError(f"box_side must be 'max' or 'min', got {self.box_side!r}")

    def sides(self, boxes: np.ndarray) -> np.ndarray:
        """(N,) box side [px] of (N, 4) xyxy boxes as this criterion measures it."""
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        wh = np.stack([boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]], axis=1)
        return wh.max(axis=1) if self.box_side == 'max' else wh.min(axis=1)


def decide(record: dict, criteria: CurationCriteria) -> Tuple[bool, str]:
    """(kept, reason) of one ledger record; reason is ``'kept'`` for kept images."""
    if record.get('error') is not None:
        return False, 'unreadable'
    scores = np.asarray(record['scores'], dtype=np.float64).reshape(-1)
    boxes = np.asarray(record['boxes'], dtype=np.float64).reshape(-1, 4)
    # a non-finite box or score (inf, NaN) is no detection (records of older versions)
    finite = np.isfinite(boxes).all(axis=1) & np.isfinite(scores)
    boxes, scores = boxes[finite], scores[finite]
    if scores.size == 0:
        return False, 'no_person'
    confident = scores > criteria.score_thr
    if not confident.any():
        return False, 'low_score'
    if not (criteria.sides(boxes)[confident] > criteria.min_box_side).any():
        return False, 'small_box'
    for name, ok in (record.get('filters') or {}).items():
        if not ok:
            return False, f'filter:{name}'
    return True, 'kept'


def _read(root: str, path: str):
    """(image or None, error or None, SHA-256 digest of the file's bytes)."""
    full = path if osp.isabs(path) else osp.join(root, path)
    digest = file_digest(full)
    try:
        return read_image_checked(full), None, digest
    except ImageReadError as e:
        return None, str(e), digest


def _digests(root: str, paths: Sequence[str], threads: int) -> List[str]:
    """Content digests of ``paths`` (``'missing'`` for absent files), ``threads`` at a time."""
    def one(p):
        return file_digest(p if osp.isabs(p) else osp.join(root, p))
    if threads <= 0:
        return [one(p) for p in paths]
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, paths))


def _prefetched(root: str, paths: Sequence[str], threads: int) -> Iterable:
    """(path, img or None, error or None, digest) in order; images decoded ahead by
    ``threads``."""
    if threads <= 0:
        for p in paths:
            yield (p, *_read(root, p))
        return
    with ThreadPoolExecutor(threads) as pool:
        window = deque()
        it = iter(paths)
        for p in it:
            window.append((p, pool.submit(_read, root, p)))
            if len(window) >= 4 * threads:
                break
        while window:
            p, fut = window.popleft()
            nxt = next(it, None)
            if nxt is not None:
                window.append((nxt, pool.submit(_read, root, nxt)))
            yield (p, *fut.result())


def _round(a: np.ndarray, nd: int) -> list:
    """Nested lists of ``a`` rounded to ``nd`` decimals (JSON-friendly)."""
    return np.round(np.asarray(a, dtype=np.float64), nd).tolist()


def curate_images(paths: Sequence[str], root: str, out_dir: str, detector,
                  criteria: CurationCriteria = CurationCriteria(),
                  extra_filters: Optional[Dict[str, ExtraFilter]] = None,
                  restart: bool = False, sync_every: int = 32, read_threads: int = 2,
                  progress: bool = True, write_outputs: bool = True) -> dict:
    """Run the detector (and filters) over ``paths`` not yet in the ledger; write the outputs.

    Args:
        paths (Sequence[str]): image paths, relative to ``root`` (or absolute); they are the
            keys of the ledger, so use the same strings when resuming.
        root (str): folder the relative paths are under.
        out_dir (str): output folder: ``decisions.jsonl`` (ledger), ``kept.txt``,
            ``rejected.tsv``, ``report.json``, ``histograms.png`` (see :func:`summarize`).
        detector: a person detector (see :mod:`.detectors`).
        criteria (CurationCriteria): thresholds.
        extra_filters (dict, optional): name -> ``fn(img_bgr) -> bool`` (True = keep).
        restart (bool): discard an existing ledger.
        sync_every (int): ``fsync`` the ledger every this many images.
        read_threads (int): threads decoding images ahead of the detector (0: none).
        progress (bool): show a progress bar.
        write_outputs (bool): write the kept list and report at the end.

    Returns:
        dict: the report (see :func:`summarize`) with ``this_run`` (images processed here,
        seconds, images/s).

    A detector or filter exception stops the run (after everything before it was written);
    rerunning continues after the last recorded image.
    """
    if len(set(paths)) != len(paths):
        raise ValueError('curate_images: the image paths contain duplicates')
    extra_filters = dict(extra_filters or {})
    run_detector = as_person_detector(detector)
    header = dict(detector=detector_name(detector), filters=sorted(extra_filters))
    ledger = Ledger(osp.join(out_dir, LEDGER_NAME), header, sync_every=sync_every,
                    restart=restart)
    check_outputs_not_inputs(out_dir, root, paths)
    done_paths = [p for p in paths if p in ledger.records]
    # a decision is reused only for the same bytes: an image replaced under its name is redone
    changed = [p for p, d in zip(done_paths, _digests(root, done_paths, read_threads))
               if ledger.records[p].get('sha256') != d]
    redo = set(changed)
    todo = [p for p in paths if p not in ledger.records or p in redo]
    if ledger.records:
        print_log(f'resuming {ledger.path}: {len(paths) - len(todo)} of {len(paths)} images '
                  f'done{" (dropped a cut-off last line)" if ledger.dropped_partial_line else ""}'
                  + (f'; {len(changed)} image(s) changed content since (or were recorded '
                     f'without a content hash) and are redone, e.g. {changed[0]}'
                     if changed else ''), logger='current')
    bar = ProgressBar(len(todo)) if progress and todo else None
    start = time.perf_counter()
    done = 0
    try:
        for path, img, error, digest in _prefetched(root, todo, read_threads):
            record = dict(path=path, sha256=digest)
            if error is not None:
                record['error'] = error
            else:
                full = path if osp.isabs(path) else osp.join(root, path)
                boxes, scores = run_detector(img, full)
                finite = np.isfinite(boxes).all(axis=1) & np.isfinite(scores)
                if not finite.all():
                    print_log(f'{full}: the detector returned {int((~finite).sum())} '
                              'non-finite box(es) or score(s); they are not recorded',
                              logger='current', level=logging.WARNING)
                    boxes, scores = boxes[finite], scores[finite]
                    record['dropped_nonfinite'] = int((~finite).sum())
                record.update(hw=list(img.shape[:2]), boxes=_round(boxes, 1),
                              scores=_round(scores, 4),
                              filters={n: bool(f(img)) for n, f in extra_filters.items()})
            ledger.append(record)
            done += 1
            if bar is not None:
                bar.update()
    finally:
        ledger.close()
        if bar is not None and done < len(todo):
            print('')
    seconds = time.perf_counter() - start
    records = [ledger.records[p] for p in paths]
    report = summarize(records, criteria, header)
    report['this_run'] = dict(processed=done, seconds=round(seconds, 3),
                              images_per_s=round(done / seconds, 2) if seconds > 0 else None)
    if write_outputs:
        from .report import write_outputs as _write
        _write(out_dir, records, report, criteria)
    return report


#: the files :func:`curate_images` writes into its output folder
OUTPUT_NAMES = (LEDGER_NAME, 'kept.txt', 'rejected.tsv', 'report.json', 'histograms.png')


def check_outputs_not_inputs(out_dir: str, root: str, paths: Sequence[str]) -> None:
    """:class:`OutputOverwritesInputError` if an output file of ``out_dir`` is an input."""
    keys = input_keys(p if osp.isabs(p) else osp.join(root, p) for p in paths)
    for name in OUTPUT_NAMES:
        check_not_input(osp.join(out_dir, name), keys)


def summarize(records: List[dict], criteria: CurationCriteria, header: dict) -> dict:
    """Counts and decisions of ``records`` (in input order).

    Returns a dict with ``criteria``, ``detector``, ``filters``, ``num_images``, ``num_kept``,
    ``reasons`` (reason -> count, ``kept`` included), ``kept`` (paths), ``rejected``
    ([path, reason, detail]) and ``num_detections``.
    """
    kept, rejected, reasons = [], [], Counter()
    for rec in records:
        ok, reason = decide(rec, criteria)
        reasons[reason] += 1
        if ok:
            kept.append(rec['path'])
        else:
            rejected.append([rec['path'], reason, rec.get('error') or ''])
    return dict(criteria=asdict(criteria), detector=header.get('detector'),
                filters=header.get('filters', []), num_images=len(records),
                num_kept=len(kept), reasons=dict(reasons), kept=kept, rejected=rejected,
                num_detections=int(sum(len(r.get('scores', [])) for r in records)))

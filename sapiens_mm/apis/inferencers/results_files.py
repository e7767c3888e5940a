"""The files gathering results over calls: ``keypoints.json`` (COCO keypoint results) and
``image_ids.json`` (``[{id, file_name}]``) under an output folder.

Several calls may write into one folder (the README's example calls the inferencer three
times into ``out/``), so a call **merges** its results with what is there, never replaces them
silently: images are identified by their output name (``file_name``); an image seen before
keeps its id and its old records are replaced by the new call's (a re-run of the same image),
a new image gets the next free id. Existing files that cannot be read, do not hold these
lists, or disagree (a record whose ``image_id`` is not in ``image_ids.json``, only one of the
two files present) are an error naming the file, raised before the call runs
(:func:`read_results`) so nothing is lost.

The file ids are those of the folder; the records a call returns in memory (``coco``) number
that call's images from 1.
"""
import json
import os.path as osp
from typing import Dict, List, Optional, Tuple

from .writing import write_json

__all__ = ['read_results', 'merge_results', 'KEYPOINTS', 'IMAGE_IDS']

KEYPOINTS, IMAGE_IDS = 'keypoints.json', 'image_ids.json'


def _load(path: str, what: str):
    try:
        with open(path) as f:
            obj = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f'{path}: an earlier run\'s {what} that cannot be read ({e}); the '
                         'new results are merged into it, so move it away or choose another '
                         'output folder') from None
    if not isinstance(obj, list) or not all(isinstance(x, dict) for x in obj):
        raise ValueError(f'{path}: expected a JSON list of records ({what}), got '
                         f'{type(obj).__name__}; move it away or choose another output folder')
    return obj


def read_results(out_dir: str) -> Tuple[List[dict], List[dict]]:
    """``(image_ids, keypoints)`` already in ``out_dir`` (empty lists if none); checked."""
    kpt_path, ids_path = osp.join(out_dir, KEYPOINTS), osp.join(out_dir, IMAGE_IDS)
    has_k, has_i = osp.exists(kpt_path), osp.exists(ids_path)
    if not has_k and not has_i:
        return [], []
    if has_k != has_i:
        there, missing = (kpt_path, ids_path) if has_k else (ids_path, kpt_path)
        raise ValueError(f'{there}: found without {missing} (they are written together); the '
                         'results cannot be merged: move it away or choose another folder')
    ids = _load(ids_path, 'image id list')
    kpts = _load(kpt_path, 'COCO keypoint results')
    try:
        known = {int(d['id']) for d in ids}
        names = [str(d['file_name']) for d in ids]
    except (KeyError, TypeError, ValueError):
        raise ValueError(f'{ids_path}: records must be {{"id": int, "file_name": str}}') \
            from None
    if len(known) != len(ids) or len(set(names)) != len(names):
        raise ValueError(f'{ids_path}: an id or file name is listed twice')
    stray = sorted({k.get('image_id') for k in kpts} - known, key=str)
    if stray:
        raise ValueError(f'{kpt_path}: records of image ids {stray[:5]} that {ids_path} does '
                         'not list; the two files do not belong together')
    return ids, kpts


def merge_results(out_dir: str, names: List[str], coco: List[dict],
                  guard=None) -> Optional[str]:
    """Merge one call's results into ``out_dir`` (see the module docstring).

    Args:
        names: the output names of the call's images, in order.
        coco: their COCO records, ``image_id`` = position in ``names`` + 1.
        guard: an :class:`~.output_files.OutputGuard` checking the files written.

    Returns:
        The path of ``keypoints.json``.
    """
    ids, kpts = read_results(out_dir)
    id_of: Dict[str, int] = {d['file_name']: int(d['id']) for d in ids}
    next_id = max(id_of.values(), default=0) + 1
    new_id, rerun = [], set()
    for n in names:
        if n in id_of:
            rerun.add(id_of[n])
        else:
            id_of[n] = next_id
            ids.append(dict(id=next_id, file_name=n))
            next_id += 1
        new_id.append(id_of[n])
    kept = [k for k in kpts if k.get('image_id') not in rerun]
    merged = kept + [dict(k, image_id=new_id[k['image_id'] - 1]) for k in coco]
    merged.sort(key=lambda k: k['image_id'])  # stable: each image's records stay in order
    kpt_path, ids_path = osp.join(out_dir, KEYPOINTS), osp.join(out_dir, IMAGE_IDS)
    if guard is not None:
        guard.check(ids_path)
        guard.check(kpt_path)
    write_json(ids_path, ids)  # ids first: a crash between the two leaves no stray record
    write_json(kpt_path, merged)
    return kpt_path

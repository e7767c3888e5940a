"""Reading a COCO-format annotation file with errors that name the file and the problem."""
import json
import os.path as osp
from typing import Sequence

__all__ = ['load_coco_json']


def load_coco_json(ann_file: str, keys: Sequence[str] = ('images', 'annotations'),
                   context: str = '') -> dict:
    """The parsed COCO dict of ``ann_file``; each of ``keys`` must hold a list.

    ``context`` (e.g. ``'CocoBoxDetector: '``) starts every error message. Raises
    ``FileNotFoundError`` for a missing file and ``ValueError`` for invalid JSON or a missing list.
    """
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'{context}COCO annotation file {ann_file} does not exist')
    with open(ann_file) as f:
        try:
            coco = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f'{context}{ann_file} is not valid JSON ({e})') from e
    for key in keys:
        if not isinstance(coco.get(key), list):
            raise ValueError(f'{context}{ann_file} has no {key!r} list; is it a COCO file?')
    return coco

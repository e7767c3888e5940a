"""Non-human background images for ``RandomBackground`` (pasting people onto new scenes).

Sources:

* a COCO-format dataset (:func:`build_background_set`): the images none of whose annotations
  is a person (images without any annotation count as person-free, as the annotation says
  nothing is there). With ``crop_persons=True`` the images *with* people also contribute their
  largest axis-aligned rectangle that overlaps no person box (crowd boxes included), when both
  its sides reach ``min_crop_side`` pixels. People nobody annotated cannot be excluded.
* the synthetic generator: ``tools/make_synthetic_humans.py`` writes every image's background
  without its people to ``DIR/backgrounds/``, usable as it is;
  :func:`sapiens_mm.synthetic.write_synthetic_backgrounds` renders backgrounds only (no
  people), faster.

:func:`sapiens_mm.datasets.transforms.random_background.list_background_files` turns a folder
or a list file into the file list that ``RandomBackground`` draws from.
"""
import json
import os
import os.path as osp
import shutil
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.utils import ProgressBar

from .coco_file import load_coco_json
from sapiens_mm.utils.content_hash import file_digest
from sapiens_mm.utils.fileio import (ImageReadError, atomic_write_text, check_not_input,
                                     input_keys, path_inside_root, read_image_checked)
from sapiens_mm.utils.run_dirs import earlier_listed, remove_unlisted

__all__ = ['person_category_ids', 'largest_free_rect', 'build_background_set']

def person_category_ids(coco: dict, names: Sequence[str] = ('person', ),
                        ids: Optional[Iterable[int]] = None, source: str = 'COCO file') -> set:
    """Ids of the person categories: ``ids`` if given, else those whose name is in ``names``."""
    if ids is not None:
        return set(int(i) for i in ids)
    found = {c['id'] for c in coco.get('categories', []) if c.get('name') in names}
    if not found:
        raise ValueError(f'{source} has no category named {list(names)}; pass the person '
                         'category id(s) explicitly (--person-category-id)')
    return found


def largest_free_rect(width: int, height: int,
                      boxes: np.ndarray) -> Optional[Tuple[int, int, int, int]]:
    """Largest-area axis-aligned rectangle of the image that overlaps none of ``boxes``.

    Args:
        width, height (int): image size [px].
        boxes (np.ndarray): (N, 4) xyxy boxes [px]; each is grown to whole pixels.

    Returns:
        (x0, y0, x1, y1) integer pixel bounds (x1, y1 exclusive), or None if every pixel is
        covered. Exact: the box edges cut the image into a grid of cells that are either fully
        covered or free, and every maximal free rectangle lies on that grid.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    x0 = np.clip(np.floor(boxes[:, 0]), 0, width).astype(int)
    y0 = np.clip(np.floor(boxes[:, 1]), 0, height).astype(int)
    x1 = np.clip(np.ceil(boxes[:, 2]), 0, width).astype(int)
    y1 = np.clip(np.ceil(boxes[:, 3]), 0, height).astype(int)
    keep = (x1 > x0) & (y1 > y0)
    x0, y0, x1, y1 = x0[keep], y0[keep], x1[keep], y1[keep]
    xs = np.unique(np.concatenate([[0, width], x0, x1]))
    ys = np.unique(np.concatenate([[0, height], y0, y1]))
    covered = np.zeros((len(ys) - 1, len(xs) - 1), bool)
    for a, b, c, d in zip(np.searchsorted(xs, x0), np.searchsorted(xs, x1),
                          np.searchsorted(ys, y0), np.searchsorted(ys, y1)):
        covered[c:d, a:b] = True
    widths = np.diff(xs)
    best, best_area = None, 0
    for top in range(len(ys) - 1):
        free = np.ones(len(xs) - 1, bool)
        for bottom in range(top, len(ys) - 1):
            free &= ~covered[bottom]
            if not free.any():
                break
            # longest run of free columns, weighted by the column widths
            w_free = np.where(free, widths, 0)
            run_start, run_w, j_best, w_best = 0, 0, None, 0
            for j, (f, w) in enumerate(zip(free, w_free)):
                if f:
                    if run_w == 0:
                        run_start = j
                    run_w += w
                    if run_w > w_best:
                        w_best, j_best = run_w, (run_start, j)
                else:
                    run_w = 0
            area = w_best * (ys[bottom + 1] - ys[top])
            if area > best_area:
                best_area = area
                best = (int(xs[j_best[0]]), int(ys[top]), int(xs[j_best[1] + 1]),
                        int(ys[bottom + 1]))
    return best


def build_background_set(ann_file: str, image_root: str, out_dir: str,
                         crop_persons: bool = False, min_crop_side: int = 128,
                         mode: str = 'copy', skip_missing: bool = False,
                         person_names: Sequence[str] = ('person', ),
                         person_ids: Optional[Iterable[int]] = None,
                         progress: bool = True) -> dict:
    """Collect the person-free images of a COCO dataset into ``out_dir``.

    Args:
        ann_file (str): COCO json (``images``, ``annotations``, ``categories``).
        image_root (str): folder the images' ``file_name`` are relative to.
        out_dir (str): output folder; gets ``backgrounds.txt`` (one image path a line,
            relative to ``out_dir`` for copies, absolute for ``mode='list'``), ``summary.json``
            and, unless listing only, ``images/`` with the copies and crops.
        crop_persons (bool): also write the largest person-free crop of images with people.
        min_crop_side (int): a crop needs both sides >= this [px]. Defaults to 128.
        mode (str): ``'copy'`` the files (default), or ``'list'`` them where they are (no
            crops then).
        skip_missing (bool): leave out images whose file is missing instead of failing.
        person_names, person_ids: which categories are people (see
            :func:`person_category_ids`).
        progress (bool): show a progress bar.

    Returns:
        dict: the summary (counts; also in ``summary.json``).

    Every ``file_name`` must stay inside ``image_root`` and every output inside ``out_dir``
    (:func:`~sapiens_mm.utils.fileio.path_inside_root`: ``UnsafePathError`` names the file
    and image id); no output may replace an input (``OutputOverwritesInputError``). Every
    image must decode whole (:func:`~sapiens_mm.utils.fileio.read_image_checked`); truncated
    or undecodable ones are skipped and listed in ``unreadable``.

    Rerun into the same ``out_dir`` (verified by content): a copy from an earlier run is kept
    only when its bytes equal the source's (``num_copies_reused``), otherwise it is copied
    again; crops are always rewritten; files an earlier run listed that this run does not are
    removed, so ``images/`` and ``backgrounds.txt`` hold this run only.
    """
    if mode not in ('copy', 'list'):
        raise ValueError(f"mode must be 'copy' or 'list', got {mode!r}")
    if crop_persons and mode == 'list':
        raise ValueError('crop_persons writes new image files; it needs mode="copy"')
    if not osp.isdir(image_root):
        raise FileNotFoundError(f'image folder {image_root} does not exist')
    coco = load_coco_json(ann_file)
    pids = person_category_ids(coco, person_names, person_ids, source=ann_file)
    person_boxes: Dict[int, List[list]] = {}
    for ann in coco['annotations']:
        if ann.get('category_id') in pids:
            person_boxes.setdefault(ann['image_id'], []).append(ann['bbox'])
    free = [im for im in coco['images'] if im['id'] not in person_boxes]
    with_people = [im for im in coco['images'] if im['id'] in person_boxes] \
        if crop_persons else []
    jobs = [(im, None) for im in free] + [(im, person_boxes[im['id']]) for im in with_people]
    # every file_name stays inside image_root (UnsafePathError names the file and image)
    root_real = osp.realpath(image_root)
    sources = [path_inside_root(image_root, im.get('file_name'),
                                f'{ann_file} (image id {im.get("id")})') for im, _ in jobs]
    missing = [src for src in sources if not osp.isfile(src)]
    if missing and not skip_missing:
        shown = '\n  '.join(missing[:10])
        raise FileNotFoundError(f'{len(missing)} image file(s) of {ann_file} are missing under '
                                f'{image_root} (use --skip-missing to leave them out):\n  '
                                f'{shown}')
    missing = set(missing)
    inputs = input_keys([ann_file] + [s for s in sources if s not in missing])
    list_path, summary_path = (osp.join(out_dir, n) for n in ('backgrounds.txt', 'summary.json'))
    for out in (list_path, summary_path):
        check_not_input(out, inputs)
    earlier = earlier_listed(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    # output names: copies keep their path under images/; a crop is NAME_crop.EXT, made unique
    # against every copy's name and every other crop's
    copy_rels = {'images/' + osp.relpath(src, root_real).replace(os.sep, '/')
                 for (im, boxes), src in zip(jobs, sources) if boxes is None}
    taken = set(copy_rels)
    listed, n_copied, n_cropped, n_no_crop, n_unreadable = [], 0, 0, 0, []
    n_reused, listed_set = 0, set()
    bar = ProgressBar(len(jobs)) if progress and jobs else None
    for (im, boxes), src in zip(jobs, sources):
        if bar is not None:
            bar.update()
        if src in missing:
            continue
        try:  # copied, listed or cropped: it must decode whole (not empty/truncated)
            img = read_image_checked(src)
        except ImageReadError as e:
            n_unreadable.append(f'{src}: {e}')
            continue
        if mode == 'list':
            listed.append(src)
            continue
        rel = 'images/' + osp.relpath(src, root_real).replace(os.sep, '/')
        if boxes is None:
            if rel in listed_set:
                continue  # the same file listed twice in the annotation file
            dst = path_inside_root(out_dir, rel, f'output of {ann_file}')
            check_not_input(dst, inputs)
            os.makedirs(osp.dirname(dst), exist_ok=True)
            # an earlier copy is kept only when its bytes are the source's (by content)
            if osp.isfile(dst) and file_digest(dst) == file_digest(src):
                n_reused += 1
            else:
                shutil.copyfile(src, dst)
            if osp.getsize(dst) != osp.getsize(src):
                raise OSError(f'{dst}: copy of {src} is incomplete (full disk?)')
            listed.append(rel)
            listed_set.add(rel)
            n_copied += 1
            continue
        xyxy = np.array([[x, y, x + w, y + h] for x, y, w, h in boxes], np.float64)
        rect = largest_free_rect(img.shape[1], img.shape[0], xyxy)
        if rect is None or min(rect[2] - rect[0], rect[3] - rect[1]) < min_crop_side:
            n_no_crop += 1
            continue
        stem, ext = osp.splitext(rel)
        rel, k = f'{stem}_crop{ext or ".png"}', 1
        while rel in taken:
            k += 1
            rel = f'{stem}_crop_{k}{ext or ".png"}'
        taken.add(rel)
        dst = path_inside_root(out_dir, rel, f'output of {ann_file}')
        check_not_input(dst, inputs)
        os.makedirs(osp.dirname(dst), exist_ok=True)
        if not cv2.imwrite(dst, img[rect[1]:rect[3], rect[0]:rect[2]]):
            raise OSError(f'could not write {dst}')
        listed.append(rel)
        n_cropped += 1
    summary = dict(ann_file=osp.abspath(ann_file), image_root=osp.abspath(image_root),
                   mode=mode, num_images=len(coco['images']), person_category_ids=sorted(pids),
                   num_person_free=len(free), num_with_people=len(person_boxes),
                   num_copied=n_copied, num_copies_reused=n_reused, num_cropped=n_cropped,
                   num_too_small_to_crop=n_no_crop, num_missing=len(missing),
                   unreadable=n_unreadable, num_listed=len(listed),
                   crop_persons=crop_persons, min_crop_side=min_crop_side)
    atomic_write_text(list_path, ''.join(p + '\n' for p in listed))
    atomic_write_text(summary_path, json.dumps(summary, indent=1) + '\n')
    # files an earlier run copied or cropped that this run does not list (stale data)
    remove_unlisted(out_dir, earlier, listed, inputs)
    return summary

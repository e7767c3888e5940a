"""Distil single-task Sapiens teachers into one multi-task student: the teacher-label pass.

The four released Sapiens task models (Khirodkar et al., ECCV 2024, Sec. 4) each run their own
backbone. :func:`write_teacher_labels` runs N single-task teachers (config + checkpoint each)
in inference mode (``SapiensInferencer``, its fused fast path) on a folder of unlabelled images
and writes their outputs as a labelled folder in the layout of
:class:`~sapiens_mm.datasets.HumanMultiTaskDataset`, so that the student trains on them with
the stock runner and the same pipeline as on real labels (``tools/distill_multitask.py``):

* ``seg/{id}.png``: the segmentation teacher's labels (argmax of its logits) in v1's 28
  classes, the layout's; a Sapiens2 teacher's 29 are mapped by
  :func:`~sapiens_mm.datasets.body_parts_29.v2_to_v1_labels` (Eyeglass -> 255, ignored), so a
  Sapiens2 student reads them back with ``map_seg_v1_to_v2`` like any other v1 labels;
* ``mask/{id}.png``: 255 where those labels are not background (the person), else 0; without
  a segmentation teacher every pixel is the person;
* ``depth/{id}.npy``: the depth teacher's relative depth on the mask, shifted to start at 1
  (``p - min(p) + 1``: positive, so ``LoadHumanDepth`` keeps it; the min-max normalised
  training target is unchanged by the shift), 0 off the mask;
* ``normal/{id}.npy``: the normal teacher's unit normals on the mask, 0 off it;
* ``annotations/goliath_308.json``: the pose teacher's keypoints, top-down on the mask's
  bounding box; a keypoint is labelled (v = 2) when its score is >= ``kpt_thr``, else v = 0;
* ``images/{id}.png``: the image; ``teachers.json``: what made the labels.

The labels are hard (argmax labels, decoded keypoints), not soft logits or heatmaps.

Ids: an image's id is its file stem; two images with the same stem (``x.png``, ``x.jpg``) get
``x_png`` and ``x_jpg`` (and a number if that is taken too), unique against every other id.
Images that do not decode whole (empty, truncated, undecodable:
:func:`~sapiens_mm.utils.fileio.read_image_checked`) are skipped, counted and named in a
warning and in ``teachers.json``.

The folder is the cache, keyed by content: a second call reuses it only when the teachers are
the same (each config's resolved content and each checkpoint file's SHA-256) and so are the
images (names and SHA-256 of their bytes) and ``kpt_thr``; what was reused, or why not, is
logged. Otherwise the whole folder is replaced atomically once the new labels are complete
(:func:`~sapiens_mm.utils.run_dirs.staged_run_dir`), so labels of another image set never stay
beside the new ones; a non-empty folder that is not a labels folder, or one holding an input,
is refused.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.logging import MMLogger

from sapiens_mm.utils.content_hash import file_digest, text_digest
from sapiens_mm.utils.fileio import ImageReadError, read_image_checked
from sapiens_mm.utils.multitask import MULTITASK_TASKS
from sapiens_mm.utils.run_dirs import staged_run_dir
from .inferencers.inputs import IMAGE_EXTENSIONS
from .inferencers.writing import write_image, write_json, write_npy

__all__ = ['list_images', 'write_teacher_labels', 'TeacherSpec', 'unique_ids']

#: (task, config, checkpoint) of one teacher.
TeacherSpec = Tuple[str, str, Optional[str]]
_MANIFEST = 'teachers.json'


def list_images(folder: str) -> List[str]:
    """Sorted image files directly in ``folder`` (errors name the folder)."""
    if not osp.isdir(folder):
        raise NotADirectoryError(f'image folder {folder} does not exist or is not a folder')
    names = sorted(n for n in os.listdir(folder)
                   if n.lower().endswith(IMAGE_EXTENSIONS) and osp.isfile(osp.join(folder, n)))
    if not names:
        raise FileNotFoundError(f'image folder {folder} has no image '
                                f'({", ".join(IMAGE_EXTENSIONS)})')
    return [osp.join(folder, n) for n in names]


def _checkpoint_key(ckpt: Optional[str]) -> dict:
    """A teacher checkpoint by content: a file's SHA-256; a released name as it is; or none."""
    if ckpt is None or str(ckpt).lower() == 'none':
        return dict(checkpoint=None)
    if not osp.isfile(ckpt):
        return dict(checkpoint=str(ckpt))  # a released name: resolved by the inferencer
    return dict(checkpoint_sha256=file_digest(ckpt))


def _config_digest(config: str) -> str:
    """SHA-256 of a config's resolved content (``_base_`` files included)."""
    from mmengine.config import Config
    cfg = Config.fromfile(config).to_dict()
    return text_digest(json.dumps(cfg, sort_keys=True, default=repr))


def unique_ids(paths: Sequence[str]) -> List[str]:
    """One id per path, unique: the file stem, or ``STEM_EXT`` for stems that several paths
    share (``x.png``, ``x.jpg`` -> ``x_png``, ``x_jpg``), numbered ``_2``, ``_3``... where
    even that is taken by another path's id."""
    stems = [osp.splitext(osp.basename(p))[0] for p in paths]
    counts: Dict[str, int] = {}
    for stem in stems:
        counts[stem] = counts.get(stem, 0) + 1
    taken = {stem for stem in stems if counts[stem] == 1}
    ids = []
    for path, stem in zip(paths, stems):
        if counts[stem] == 1:
            ids.append(stem)
            continue
        base = f'{stem}_{osp.splitext(path)[1].lstrip(".").lower() or "noext"}'
        cand, k = base, 1
        while cand in taken:
            k += 1
            cand = f'{base}_{k}'
        taken.add(cand)
        ids.append(cand)
    return ids


def _manifest_key(teachers: Sequence[TeacherSpec], images: Sequence[str], ids: Sequence[str],
                  kpt_thr: float) -> dict:
    """What the labels depend on, by content (see the module docstring)."""
    return dict(version=2,
                teachers=[dict(task=t, config_sha256=_config_digest(c), **_checkpoint_key(k))
                          for t, c, k in teachers],
                images=[[osp.basename(p), i, file_digest(p)] for p, i in zip(images, ids)],
                kpt_thr=kpt_thr)


def _is_labels_folder(folder: str) -> bool:
    """A folder this pass wrote: it has ``teachers.json``, or only the layout's folders (a
    run stopped before writing it)."""
    if osp.isfile(osp.join(folder, _MANIFEST)):
        return True
    return set(os.listdir(folder)) <= {'images', 'mask', 'seg', 'depth', 'normal',
                                        'annotations'}


def _why_not_reused(done: Optional[dict], key: dict) -> str:
    if done is None:
        return 'no earlier labels'
    old = done.get('key')
    if not isinstance(old, dict):
        return 'the earlier labels were made by an older version'
    why = []
    if old.get('teachers') != key['teachers']:
        why.append('other teachers (config or checkpoint content)')
    old_images = {n: h for n, _, h in old.get('images', [])}
    new_images = {n: h for n, _, h in key['images']}
    if old_images != new_images:
        changed = sum(1 for n in new_images if n in old_images and old_images[n] != new_images[n])
        why.append(f'other images ({len(set(new_images) - set(old_images))} new, '
                   f'{len(set(old_images) - set(new_images))} gone, {changed} changed content)')
    if old.get('kpt_thr') != key['kpt_thr']:
        why.append(f'kpt_thr {old.get("kpt_thr")} -> {key["kpt_thr"]}')
    return ', '.join(why) or 'reuse was turned off'


def _check_teachers(teachers: Sequence[TeacherSpec]) -> Dict[str, Tuple[str, Optional[str]]]:
    out = {}
    for task, config, ckpt in teachers:
        if task not in MULTITASK_TASKS:
            raise ValueError(f'teacher task {task!r}: tasks are {MULTITASK_TASKS}')
        if task in out:
            raise ValueError(f'two {task} teachers given; give one per task')
        if not osp.isfile(config):
            raise FileNotFoundError(f'{task} teacher config {config} not found')
        out[task] = (config, ckpt)
    if not out:
        raise ValueError('give at least one teacher (--teacher TASK CONFIG CHECKPOINT)')
    return out


def _read_manifest(out_dir: str) -> Optional[dict]:
    path = osp.join(out_dir, _MANIFEST)
    if not osp.isfile(path):
        return None
    try:
        with open(path) as f:
            done = json.load(f)
        return done if isinstance(done, dict) else None
    except (OSError, ValueError):
        return None


def _check_teacher_task(inferencer, task: str, config: str) -> None:
    built = list(inferencer.models)
    if built != [task]:
        raise ValueError(f'the {task} teacher config {config} builds a {built[0]} model')


def write_teacher_labels(teachers: Sequence[TeacherSpec], image_dir: str, out_dir: str,
                         kpt_thr: float = 0.3, device: str = 'cpu', precision: str = 'fp32',
                         batch_size: int = 4, max_images: Optional[int] = None,
                         reuse: bool = True) -> dict:
    """Run the teachers on the images of ``image_dir``; write the labelled folder ``out_dir``.

    Args:
        teachers: ``(task, config, checkpoint)`` per teacher, tasks from pose, seg, depth,
            normal, one teacher per task; a checkpoint may be a file or a released name.
        image_dir: folder of images (no labels needed).
        out_dir: the labelled folder to write (layout in the module docstring).
        kpt_thr: keypoint score from which a pose keypoint is labelled.
        device, precision, batch_size: of the teachers' ``SapiensInferencer``.
        max_images: label only the first N images (sorted by name).
        reuse: keep an existing ``out_dir`` made by the same teachers from the same images
            (both by content); otherwise it is replaced as a whole.

    Returns:
        ``dict(out_dir, tasks, num_images, num_pose, reused, skipped)``: ``num_images``
        labelled, ``skipped`` the ``'path: reason'`` of images that did not decode whole.

    Raises:
        ExistingOutputError: ``out_dir`` is a non-empty folder this pass did not write.
        OutputOverwritesInputError: ``out_dir`` holds the images, a config or a checkpoint.
    """
    from mmengine.utils import ProgressBar
    from sapiens_mm.apis.inferencers import SapiensInferencer
    specs = _check_teachers(teachers)
    if not 0 <= kpt_thr <= 1:
        raise ValueError(f'kpt_thr must be in [0, 1], got {kpt_thr}')
    images = list_images(image_dir)
    if max_images is not None:
        if int(max_images) < 1:
            raise ValueError(f'max_images must be >= 1, got {max_images}')
        images = images[:int(max_images)]
    ids = unique_ids(images)
    tasks = [t for t in MULTITASK_TASKS if t in specs]
    key = _manifest_key([(t, *specs[t]) for t in tasks], images, ids, kpt_thr)
    logger = MMLogger.get_current_instance()
    done = _read_manifest(out_dir)
    if reuse and done is not None and done.get('key') == key:
        logger.info(f'teacher labels: reusing {out_dir}: the same {len(tasks)} teacher(s) '
                    f'({", ".join(tasks)}; configs and checkpoints by content) already '
                    f'labelled the same {len(images)} images (by content)')
        return dict(out_dir=out_dir, tasks=tasks, num_images=done.get('num_images', 0),
                    num_pose=done.get('num_pose', 0), reused=True,
                    skipped=done.get('skipped', []))
    if done is not None:
        logger.info(f'teacher labels: not reusing {out_dir} '
                    f'({_why_not_reused(done, key) if reuse else "reuse turned off"}); '
                    'it is replaced as a whole when the new labels are complete')
    inputs = [image_dir, *images, *(c for c, _ in specs.values()),
              *(k for _, k in specs.values() if k is not None and osp.isfile(k))]
    with staged_run_dir(out_dir, _is_labels_folder, 'teacher labels', inputs=inputs,
                        log=logger.info) as run:
        result = _label(specs, tasks, images, ids, run.path, kpt_thr, device, precision,
                        batch_size, logger, ProgressBar, SapiensInferencer)
        write_json(osp.join(run.path, _MANIFEST),
                   dict(key=key, num_images=result['num_images'], num_pose=result['num_pose'],
                        skipped=result['skipped'], image_dir=osp.abspath(image_dir),
                        teacher_files={t: [osp.abspath(c), k] for t, (c, k) in specs.items()}))
    logger.info(f'teacher labels: wrote {result["num_images"]} images to {out_dir}'
                + (f' ({result["num_pose"]} with a pose label)' if 'pose' in tasks else ''))
    return dict(out_dir=out_dir, tasks=tasks, reused=False, **result)


def _label(specs, tasks, images, ids, out_dir, kpt_thr, device, precision, batch_size, logger,
           ProgressBar, SapiensInferencer) -> dict:
    """Run the teachers and write the labels into ``out_dir`` (the staged folder)."""
    from sapiens_mm.datasets.body_parts_29 import load_body_parts_29, v2_to_v1_labels
    dense_tasks = [t for t in tasks if t != 'pose']
    dense = None
    if dense_tasks:
        dense = SapiensInferencer([specs[t] for t in dense_tasks], device=device,
                                  precision=precision, batch_size=batch_size,
                                  share_backbone=False)
        for t in dense_tasks:
            if t not in dense.models:
                raise ValueError(f'the {t} teacher config {specs[t][0]} builds a '
                                 f'{sorted(dense.models)} model, not {t}')
    # a Sapiens2 seg teacher (29 classes): its labels are written in v1's 28 (module doc)
    seg_v2 = 'seg' in specs and dense.models['seg'].model.decode_head.num_classes == len(
        load_body_parts_29()['classes'])
    pose = None
    if 'pose' in specs:
        pose = SapiensInferencer([specs['pose']], device=device, precision=precision,
                                 batch_size=batch_size, flip_test=False)
        _check_teacher_task(pose, 'pose', specs['pose'][0])
    if 'seg' not in specs and (set(tasks) & {'depth', 'normal', 'pose'}):
        logger.warning('teacher labels: no seg teacher, so no person mask: depth and normals '
                       'are taken on the whole image and pose boxes are the whole image')

    coco_images, coco_anns, skipped = [], [], []
    logger.info(f'teacher labels: {", ".join(tasks)} on {len(images)} images')
    bar = ProgressBar(len(images))
    step = max(1, batch_size) * 8
    for start in range(0, len(images), step):
        chunk, chunk_ids, imgs = [], [], []
        for path, sid in zip(images[start:start + step], ids[start:start + step]):
            bar.update()
            try:  # a truncated file must not be labelled from its partial decode
                img = read_image_checked(path)
            except ImageReadError as e:
                skipped.append(f'{path}: {e}')
                logger.warning(f'teacher labels: skipping {path} ({e})')
                continue
            chunk.append(path)
            chunk_ids.append(sid)
            imgs.append(img)
        if not chunk:
            continue
        preds = [dict() for _ in chunk]
        if dense is not None:
            out = dense(imgs, batch_size=batch_size, write_keypoints=False)
            if out['failed']:
                raise ValueError(f'teacher labels: the teachers failed on {out["failed"]}')
            preds = out['predictions']
        masks = []
        for img, p in zip(imgs, preds):
            masks.append(p['seg'] > 0 if 'seg' in p else np.ones(img.shape[:2], bool))
        poses = [None] * len(chunk)
        if pose is not None:
            boxes = []
            for m in masks:
                ys, xs = np.nonzero(m)
                boxes.append(None if xs.size == 0 else
                             [[float(xs.min()), float(ys.min()), float(xs.max() + 1),
                               float(ys.max() + 1)]])
            keep = [i for i, b in enumerate(boxes) if b is not None]
            if keep:
                out = pose([imgs[i] for i in keep], bboxes=[boxes[i] for i in keep],
                           batch_size=batch_size, write_keypoints=False)
                if out['failed']:
                    raise ValueError(f'teacher labels: the pose teacher failed on '
                                     f'{out["failed"]}')
                for i, p in zip(keep, out['predictions']):
                    poses[i] = (p['pose'], boxes[i][0])
        for offset, (sid, img, p, m) in enumerate(zip(chunk_ids, imgs, preds, masks)):
            image_id = len(coco_images) + 1
            write_image(osp.join(out_dir, 'images', sid + '.png'), img)
            write_image(osp.join(out_dir, 'mask', sid + '.png'), (m * 255).astype(np.uint8))
            if 'seg' in p:
                seg = p['seg'].astype(np.uint8)
                if seg_v2:
                    seg = v2_to_v1_labels(seg)
                write_image(osp.join(out_dir, 'seg', sid + '.png'), seg)
            if 'depth' in p and m.any():
                d = p['depth'].astype(np.float32)
                d = np.where(m, d - d[m].min() + 1.0, 0).astype(np.float32)
                write_npy(osp.join(out_dir, 'depth', sid + '.npy'), d)
            if 'normal' in p and m.any():
                n = np.where(m[..., None], p['normal'], 0).astype(np.float32)
                write_npy(osp.join(out_dir, 'normal', sid + '.npy'), n)
            h, w = img.shape[:2]
            coco_images.append(dict(id=image_id, file_name=f'images/{sid}.png', height=h,
                                    width=w))
            if poses[offset] is not None:
                records, box = poses[offset]
                ann = _pose_annotation(records, box, m, kpt_thr, len(coco_anns) + 1, image_id)
                if ann is not None:
                    coco_anns.append(ann)
    if skipped:
        logger.warning(f'teacher labels: skipped {len(skipped)} of {len(images)} images that do '
                       f'not decode whole, e.g. {skipped[0]}')
    if not coco_images:
        raise ValueError(f'teacher labels: none of the {len(images)} images could be read '
                         f'(e.g. {skipped[0]})')
    if pose is not None:
        write_json(osp.join(out_dir, 'annotations', 'goliath_308.json'),
                   dict(images=coco_images, annotations=coco_anns,
                        categories=[dict(id=1, name='person', supercategory='person')]))
    return dict(num_images=len(coco_images), num_pose=len(coco_anns), skipped=skipped)


def _pose_annotation(records: list, box, mask: np.ndarray, kpt_thr: float, ann_id: int,
                     image_id: int) -> Optional[dict]:
    """COCO annotation of the pose teacher's person (None without a labelled keypoint)."""
    if not records:
        return None
    rec = records[0]
    kpts = np.asarray(rec['keypoints'], np.float32).reshape(-1, 2)
    scores = np.asarray(rec['keypoint_scores'], np.float32).reshape(-1)
    vis = scores >= kpt_thr
    if not vis.any():
        return None
    flat = np.zeros((kpts.shape[0], 3), np.float32)
    flat[vis, :2] = kpts[vis]
    flat[vis, 2] = 2
    x1, y1, x2, y2 = box
    return dict(id=ann_id, image_id=image_id, category_id=1, iscrowd=0,
                bbox=[x1, y1, x2 - x1, y2 - y1], area=float(mask.sum()),
                num_keypoints=int(vis.sum()), keypoints=[round(float(v), 3) for v in
                                                         flat.reshape(-1)])

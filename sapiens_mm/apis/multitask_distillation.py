"""Distil single-task Sapiens teachers into one multi-task student: the teacher-label pass.

The four released Sapiens task models (Khirodkar et al., ECCV 2024, Sec. 4) each run their own
backbone. :func:`write_teacher_labels` runs N single-task teachers (config + checkpoint each)
in inference mode (``SapiensInferencer``, its fused fast path) on a folder of unlabelled images
and writes their outputs as a labelled folder in the layout of
:class:`~sapiens_mm.datasets.HumanMultiTaskDataset`, so that the student trains on them with
the stock runner and the same pipeline as on real labels (``tools/distill_multitask.py``):

* ``seg/{id}.png``: the segmentation teacher's labels (argmax of its logits, 28 classes);
* ``mask/{id}.png``: 255 where those labels are not background (the person), else 0; without
  a segmentation teacher every pixel is the person;
* ``depth/{id}.npy``: the depth teacher's relative depth on the mask, shifted to start at 1
  (``p - min(p) + 1``: positive, so ``LoadHumanDepth`` keeps it; the min-max normalised
  training target is unchanged by the shift), 0 off the mask;
* ``normal/{id}.npy``: the normal teacher's unit normals on the mask, 0 off it;
* ``annotations/goliath_308.json``: the pose teacher's keypoints, top-down on the mask's
  bounding box; a keypoint is labelled (v = 2) when its score is >= ``kpt_thr``, else v = 0;
* ``images/{id}.png``: the image; ``teachers.json``: what made the labels.

The labels are hard (argmax labels, decoded keypoints), not soft logits or heatmaps. The folder
is the cache: a second call with the same teachers and images reuses it.
"""
import hashlib
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.logging import MMLogger

from sapiens_mm.utils.multitask import MULTITASK_TASKS
from .inferencers.inputs import IMAGE_EXTENSIONS
from .inferencers.writing import write_image, write_json, write_npy

__all__ = ['list_images', 'write_teacher_labels', 'TeacherSpec']

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


def _file_key(path: Optional[str]) -> Optional[str]:
    if path is None or str(path).lower() == 'none':
        return None
    if not osp.isfile(path):
        return str(path)  # a released name: resolved by the inferencer
    st = os.stat(path)
    return f'{osp.abspath(path)}:{st.st_size}:{int(st.st_mtime)}'


def _manifest(teachers: Sequence[TeacherSpec], images: Sequence[str], kpt_thr: float) -> dict:
    digest = hashlib.sha1('\n'.join(_file_key(p) for p in images).encode()).hexdigest()
    return dict(teachers=[dict(task=t, config=osp.abspath(c) if osp.isfile(c) else c,
                               checkpoint=_file_key(k)) for t, c, k in teachers],
                num_images=len(images), images_sha1=digest, kpt_thr=kpt_thr)


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


def _cached(out_dir: str, manifest: dict) -> bool:
    path = osp.join(out_dir, _MANIFEST)
    if not osp.isfile(path):
        return False
    try:
        with open(path) as f:
            done = json.load(f)
        done.pop('num_pose', None)
        return done == json.loads(json.dumps(manifest))
    except (OSError, json.JSONDecodeError):
        return False


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
        reuse: keep an existing ``out_dir`` made by the same teachers from the same images.

    Returns:
        ``dict(out_dir, tasks, num_images, num_pose, reused)``.
    """
    from mmengine.utils import ProgressBar
    from sapiens_mm.apis.inferencers import SapiensInferencer
    specs = _check_teachers(teachers)
    if not 0 <= kpt_thr <= 1:
        raise ValueError(f'kpt_thr must be in [0, 1], got {kpt_thr}')
    images = list_images(image_dir)
    if max_images is not None:
        images = images[:max(0, int(max_images))]
    tasks = [t for t in MULTITASK_TASKS if t in specs]
    manifest = _manifest([(t, *specs[t]) for t in tasks], images, kpt_thr)
    logger = MMLogger.get_current_instance()
    if reuse and _cached(out_dir, manifest):
        with open(osp.join(out_dir, _MANIFEST)) as f:
            done = json.load(f)
        logger.info(f'teacher labels: reusing {out_dir} ({len(images)} images, same teachers)')
        return dict(out_dir=out_dir, tasks=tasks, num_images=len(images),
                    num_pose=done.get('num_pose', 0), reused=True)
    stale = osp.join(out_dir, _MANIFEST)
    if osp.exists(stale):
        os.remove(stale)  # a half-rewritten folder must not pass for a finished one

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
    pose = None
    if 'pose' in specs:
        pose = SapiensInferencer([specs['pose']], device=device, precision=precision,
                                 batch_size=batch_size, flip_test=False)
        _check_teacher_task(pose, 'pose', specs['pose'][0])
    if 'seg' not in specs and (set(tasks) & {'depth', 'normal', 'pose'}):
        logger.warning('teacher labels: no seg teacher, so no person mask: depth and normals '
                       'are taken on the whole image and pose boxes are the whole image')

    coco_images, coco_anns = [], []
    logger.info(f'teacher labels: {", ".join(tasks)} on {len(images)} images -> {out_dir}')
    bar = ProgressBar(len(images))
    for start in range(0, len(images), max(1, batch_size) * 8):
        chunk = images[start:start + max(1, batch_size) * 8]
        imgs = []
        for path in chunk:
            img = cv2.imread(path, cv2.IMREAD_COLOR)
            if img is None:
                raise ValueError(f'teacher labels: cannot read image {path}')
            imgs.append(img)
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
        for offset, (path, img, p, m) in enumerate(zip(chunk, imgs, preds, masks)):
            index = start + offset
            sid = osp.splitext(osp.basename(path))[0]
            write_image(osp.join(out_dir, 'images', sid + '.png'), img)
            write_image(osp.join(out_dir, 'mask', sid + '.png'), (m * 255).astype(np.uint8))
            if 'seg' in p:
                write_image(osp.join(out_dir, 'seg', sid + '.png'), p['seg'].astype(np.uint8))
            if 'depth' in p and m.any():
                d = p['depth'].astype(np.float32)
                d = np.where(m, d - d[m].min() + 1.0, 0).astype(np.float32)
                write_npy(osp.join(out_dir, 'depth', sid + '.npy'), d)
            if 'normal' in p and m.any():
                n = np.where(m[..., None], p['normal'], 0).astype(np.float32)
                write_npy(osp.join(out_dir, 'normal', sid + '.npy'), n)
            h, w = img.shape[:2]
            coco_images.append(dict(id=index + 1, file_name=f'images/{sid}.png', height=h,
                                    width=w))
            if poses[offset] is not None:
                records, box = poses[offset]
                ann = _pose_annotation(records, box, m, kpt_thr, len(coco_anns) + 1, index + 1)
                if ann is not None:
                    coco_anns.append(ann)
            bar.update()
    if pose is not None:
        write_json(osp.join(out_dir, 'annotations', 'goliath_308.json'),
                   dict(images=coco_images, annotations=coco_anns,
                        categories=[dict(id=1, name='person', supercategory='person')]))
    write_json(osp.join(out_dir, _MANIFEST), dict(manifest, num_pose=len(coco_anns)))
    logger.info(f'teacher labels: wrote {len(images)} images to {out_dir}'
                + (f' ({len(coco_anns)} with a pose label)' if pose is not None else ''))
    return dict(out_dir=out_dir, tasks=tasks, num_images=len(images), num_pose=len(coco_anns),
                reused=False)


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

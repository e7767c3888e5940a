"""One sample per image with every label the image has: pose, body parts, depth, normals.

The multi-task counterpart of the four single-task datasets, on the layout the synthetic
generator writes (the same images carry all four labels)::

    DIR/images/{id}.png                 RGB image (BGR on disk)
    DIR/seg/{id}.png                    body-part labels (v1's 28 classes, 255 = ignore)
    DIR/mask/{id}.png                   person mask (depth, normals)
    DIR/depth/{id}.npy                  camera z in metres, 0 off the person
    DIR/normal/{id}.npy                 unit normals (H, W, 3), 0 off the person
    DIR/annotations/goliath_308.json    COCO keypoints, 308 Goliath points per person

A sample may carry only some labels: a task whose files are missing for an image (or, for
pose, an image without exactly one annotated person: the whole-image pose head predicts one
person) has no label for that task, and :class:`~sapiens_mm.models.SapiensMultiTask` adds no
loss for it. How many samples carry each task's label is logged; a task asked for that no
sample carries is an error naming the folder, and so is a depth or normal task none of whose
labels has a target (every person mask empty, or every depth on it zero: the task would train
at loss 0; checked up to the first label with a target). Errors name the file and entry: a pose
annotation with another keypoint count than the Goliath 308, an image listed twice in the pose
file, a bool or all-negative depth map.

For a Sapiens2 model (29 body-part classes, ``Eyeglass`` at index 2) ``map_seg_v1_to_v2=True``
gives the 29-class metainfo and has the loading transform map each label map with
:func:`~sapiens_mm.datasets.body_parts_29.v1_to_v2_labels`.
"""
import json
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Sequence

import numpy as np
from mmengine import fileio
from mmengine.logging import print_log

from sapiens_mm.registry import DATASETS
from .body_part_classes import BODY_PART_CLASSES, BODY_PART_PALETTE
from .body_parts_29 import load_body_parts_29
from .human_dense_dataset import HumanDenseDataset
from .human_depth_dataset import depth_has_target
from .human_normal_dataset import NORMAL_CONVENTIONS

__all__ = ['HumanMultiTaskDataset', 'MULTITASK_TASKS']

#: The tasks of a multi-task sample, in a fixed order.
MULTITASK_TASKS = ('pose', 'seg', 'depth', 'normal')
#: task -> data-info key -> (default folder, suffix) of the files its label needs.
TASK_FILES: Dict[str, Dict[str, tuple]] = {
    'seg': {'seg_map_path': ('seg', '.png')},
    'depth': {'depth_map_path': ('depth', '.npy'), 'mask_path': ('mask', '.png')},
    'normal': {'normal_map_path': ('normal', '.npy'), 'mask_path': ('mask', '.png')},
}


@DATASETS.register_module()
class HumanMultiTaskDataset(HumanDenseDataset):
    """Images of ``data_root/images`` with whichever labels exist for them.

    Each data info has ``img_path``, ``tasks`` (the tasks labelled for this image), the
    annotation paths of the dense tasks it has (``seg_map_path``, ``depth_map_path``,
    ``normal_map_path``, ``mask_path``) and for pose ``pose_keypoints`` (1, K, 2) float32
    pixels of the original image, ``pose_keypoints_visible`` (1, K) (1 where v > 0),
    ``pose_bbox`` (1, 4) xyxy, ``pose_img_id``, ``pose_ann_id``.

    The metainfo has the body-part ``classes``/``palette`` (v1's 28, or Sapiens2's 29 with
    ``map_seg_v1_to_v2``) and ``task_metainfo``: per task the metainfo its metric needs (seg:
    those classes; pose: the Goliath-308 metainfo with sigmas and keypoint groups), which
    :class:`~sapiens_mm.evaluation.MultiTaskEvaluator` hands to each metric.

    Args:
        data_root (str): the split directory.
        tasks (Sequence[str]): tasks to read labels for (subset of pose, seg, depth, normal).
        pose_ann_file (str): COCO keypoint file, relative to ``data_root`` (or absolute).
        normal_convention (str): axis convention of the normal files (``'opencv'``,
            ``'opengl'``), as :class:`HumanNormalDataset`.
        labels_required (bool): True (default): every task in ``tasks`` must be labelled for
            some sample. False: images without any label are kept (image-only folders).
        map_seg_v1_to_v2 (bool): False (default): the seg labels are v1's 28 classes as on
            disk. True: for a Sapiens2 seg head (29 classes): ``LoadMultiTaskAnnotations``
            maps each label map read from disk with ``v1_to_v2_labels`` (index ``i`` for
            ``i < 2``, ``i + 1`` from ``Face_Neck`` on; 255 stays), once per read, and the
            metainfo holds the 29 classes and palette. Such data never labels ``Eyeglass``.
        **kwargs: see :class:`HumanDenseDataset` (``pipeline``, ``test_mode``, ``ann_file``).
    """
    METAINFO = dict(classes=BODY_PART_CLASSES, palette=BODY_PART_PALETTE, task='multitask')
    ANNOTATIONS: Dict[str, tuple] = {}

    def __init__(self,
                 tasks: Sequence[str] = MULTITASK_TASKS,
                 pose_ann_file: str = 'annotations/goliath_308.json',
                 normal_convention: str = 'opencv',
                 labels_required: bool = True,
                 map_seg_v1_to_v2: bool = False,
                 **kwargs):
        tasks = tuple(tasks)
        unknown = [t for t in tasks if t not in MULTITASK_TASKS]
        if unknown or not tasks:
            raise ValueError(f'{type(self).__name__}: tasks must be a non-empty subset of '
                             f'{MULTITASK_TASKS}, got {tasks}')
        if normal_convention not in NORMAL_CONVENTIONS:
            raise ValueError(f'normal_convention must be one of {sorted(NORMAL_CONVENTIONS)}, '
                             f'got {normal_convention!r}')
        self.tasks = tasks
        self.pose_ann_file = pose_ann_file
        self.normal_convention = normal_convention
        self.labels_required = labels_required
        self.map_seg_v1_to_v2 = bool(map_seg_v1_to_v2)
        super().__init__(**kwargs)
        self._metainfo['tasks'] = tasks
        self._metainfo['normal_convention'] = normal_convention
        classes, palette = BODY_PART_CLASSES, BODY_PART_PALETTE
        if self.map_seg_v1_to_v2:
            if self.label_map is not None:
                raise ValueError(f'{type(self).__name__}: map_seg_v1_to_v2 maps to all 29 '
                                 'classes; a class subset in metainfo is not supported with it')
            meta29 = load_body_parts_29()
            classes, palette = meta29['classes'], [list(c) for c in meta29['palette']]
            self._metainfo.update(classes=classes, palette=palette)
        task_meta = dict(seg=dict(classes=classes, palette=palette))
        if 'pose' in tasks:
            from .pose import Goliath308Dataset
            task_meta['pose'] = Goliath308Dataset._load_metainfo()
        self._metainfo['task_metainfo'] = task_meta

    def sample_info(self) -> dict:
        info = super().sample_info()
        # num_label_values: the labels on disk are v1's 28 classes (checked on loading)
        info.update(num_label_values=len(BODY_PART_CLASSES), ignore_index=self.ignore_index,
                    normal_convention=self.normal_convention,
                    map_seg_v1_to_v2=self.map_seg_v1_to_v2)
        return info

    # ------------------------------------------------------------------ pose labels
    def _pose_labels(self, num_keypoints: int) -> Dict[str, dict]:
        """Image file name (relative to images/) -> pose fields, for one-person images.

        Errors name the annotation file and the entry: an image id or image file name listed
        twice, an annotation whose keypoint count is not ``num_keypoints``.
        """
        path = self.pose_ann_file
        if not osp.isabs(path):
            path = osp.join(self.data_root or '', path)
        if not fileio.exists(path, backend_args=self.backend_args):
            raise FileNotFoundError(f'{type(self).__name__}: pose annotation file {path} not '
                                    "found (drop 'pose' from tasks for a folder without one)")
        try:
            raw = json.loads(fileio.get_text(path, backend_args=self.backend_args))
            images, by_name = {}, {}
            for im in raw['images']:
                img_id, name = int(im['id']), osp.basename(im['file_name'])
                if img_id in images:
                    raise ValueError(f'{path}: image id {img_id} is listed twice '
                                     f'({images[img_id]!r} and {im["file_name"]!r})')
                if name in by_name:
                    raise ValueError(f'{path}: image {name!r} is listed twice (ids '
                                     f'{by_name[name]} and {img_id}); each image once')
                images[img_id], by_name[name] = im['file_name'], img_id
            anns = raw['annotations']
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as e:
            raise ValueError(f'{path}: not a COCO keypoint file ({type(e).__name__}: {e})') \
                from e
        per_image = defaultdict(list)
        for ann in anns:
            if ann.get('iscrowd', 0):
                continue
            if ann.get('image_id') not in images:
                raise ValueError(f'{path}: annotation {ann.get("id")} refers to image '
                                 f'{ann.get("image_id")}, which the file does not list')
            kpts = ann.get('keypoints')
            if isinstance(kpts, list) and len(kpts) != 3 * num_keypoints:
                raise ValueError(f'{path}: annotation {ann.get("id")} (image '
                                 f'{images[ann["image_id"]]!r}) has {len(kpts) / 3:g} keypoints; '
                                 f'the pose task needs {num_keypoints}')
            per_image[ann['image_id']].append(ann)
        labels = {}
        for img_id, file_name in images.items():
            people = per_image.get(img_id, [])
            if len(people) != 1:
                continue  # the whole-image pose head predicts one person
            ann = people[0]
            kpts = np.asarray(ann['keypoints'], np.float32)
            if kpts.size % 3 or not np.isfinite(kpts).all():
                raise ValueError(f'{path}: annotation {ann["id"]} has {kpts.size} keypoint '
                                 'values, not a finite multiple of 3')
            kpts = kpts.reshape(-1, 3)
            if len(kpts) != num_keypoints:
                raise ValueError(f'{path}: annotation {ann["id"]} (image {file_name!r}) has '
                                 f'{len(kpts)} keypoints; the pose task needs {num_keypoints}')
            if not (kpts[:, 2] > 0).any():
                continue
            x, y, w, h = (float(v) for v in ann['bbox'])
            labels[osp.basename(file_name)] = dict(
                pose_keypoints=kpts[None, :, :2].copy(),
                pose_keypoints_visible=(kpts[None, :, 2] > 0).astype(np.float32),
                pose_bbox=np.array([[x, y, x + w, y + h]], np.float32),
                pose_img_id=img_id, pose_ann_id=int(ann['id']))
        return labels

    def load_data_list(self) -> List[dict]:
        img_dir, ids = self._image_ids()
        pose = {}
        if 'pose' in self.tasks:
            from .pose import Goliath308Dataset
            pose = self._pose_labels(Goliath308Dataset._load_metainfo()['num_keypoints'])
        base = osp.dirname(img_dir.rstrip('/')) if self.data_root is None else self.data_root
        counts = dict.fromkeys(self.tasks, 0)
        data_list = []
        for sample_id in ids:
            info = dict(img_path=osp.join(img_dir, sample_id + self.img_suffix), tasks=[])
            for task in self.tasks:
                if task == 'pose':
                    label = pose.get(osp.basename(info['img_path']))
                    if label is not None:
                        info.update(label)
                        info['tasks'].append(task)
                    continue
                paths = {key: osp.join(base, folder, sample_id + suffix)
                         for key, (folder, suffix) in TASK_FILES[task].items()}
                if all(fileio.exists(p, backend_args=self.backend_args)
                       for p in paths.values()):
                    info.update(paths)
                    info['tasks'].append(task)
            for task in info['tasks']:
                counts[task] += 1
            info.update(self.sample_info())
            data_list.append(info)
        print_log(f'{type(self).__name__}: {len(data_list)} images under {self.data_root}; '
                  'labelled per task: ' + ', '.join(f'{t} {n}' for t, n in counts.items()),
                  logger='current')
        missing = [t for t, n in counts.items() if n == 0]
        if missing and self.labels_required:
            raise ValueError(f'{type(self).__name__}: no image under {self.data_root} has a '
                             f'{"/".join(missing)} label (expected the files of the layout in '
                             'the module docstring); drop the task from tasks=')
        for task in ('depth', 'normal'):
            labelled = [info for info in data_list if task in info['tasks']]
            # stops at the first label with a target: one read when the data are fine
            if labelled and not any(self._dense_has_target(task, info) for info in labelled):
                raise ValueError(
                    f'{type(self).__name__}: none of the {len(labelled)} {task} labels under '
                    f'{self.data_root} has a target (every person mask empty'
                    f'{" or every depth on it zero" if task == "depth" else ""}, e.g. '
                    f'{labelled[0][task + "_map_path"]}): the {task} loss would be 0; drop '
                    f'{task!r} from tasks= or fix the labels')
        return data_list

    def _dense_has_target(self, task: str, paths: dict) -> bool:
        """Whether a depth or normal label has a target: a person pixel (with depth > 0 for
        depth); a bool or all-negative depth map is an error naming the file."""
        if task == 'depth':
            return depth_has_target(paths['depth_map_path'], paths['mask_path'],
                                    self.backend_args)
        if task == 'normal':
            from .transforms.loading import read_png
            return bool((read_png(paths['mask_path'], 'mask', self.backend_args) > 127).any())
        return True

    @staticmethod
    def task_counts(data_list: List[dict]) -> Dict[str, int]:
        """How many data infos carry each task's label."""
        counts: Dict[str, int] = defaultdict(int)
        for info in data_list:
            for task in info.get('tasks', ()):
                counts[task] += 1
        return dict(counts)


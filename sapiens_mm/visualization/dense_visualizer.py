"""Visualizer of the dense tasks: body parts, depth and surface normals as picture panels."""
from typing import List, Optional, Sequence

import mmcv
import numpy as np
import torch
from mmengine.dist import master_only
from mmengine.structures import PixelData
from mmseg.visualization import SegLocalVisualizer

from sapiens_mm.datasets.body_part_classes import BODY_PART_CLASSES, BODY_PART_PALETTE
from sapiens_mm.registry import VISUALIZERS
from sapiens_mm.utils.masks import normal_foreground
from .colormaps import colorize_depth, colorize_normals
from .panels import side_by_side

__all__ = ['SapiensDenseVisualizer']

#: data-sample fields of each dense task: (ground truth, prediction)
TASK_FIELDS = dict(parts=('gt_sem_seg', 'pred_sem_seg'),
                   depth=('gt_depth_map', 'pred_depth_map'),
                   normal=('gt_normal_map', 'pred_normal_map'))


def _numpy(field) -> np.ndarray:
    data = field.data if isinstance(field, PixelData) else field
    if isinstance(data, torch.Tensor):
        data = data.detach().cpu().float().numpy()
    return np.asarray(data)


@VISUALIZERS.register_module()
class SapiensDenseVisualizer(SegLocalVisualizer):
    """mmseg's ``SegLocalVisualizer`` for the three Sapiens dense tasks.

    :meth:`add_datasample` draws one picture ``[image | ground truth | prediction]`` (each
    present panel at the image size) from a ``SegDataSample`` holding ``gt_/pred_sem_seg``
    (body parts), ``gt_/pred_depth_map`` or ``gt_/pred_normal_map``, and sends it to every
    configured vis backend (``add_image``), or to ``out_file``. Images are RGB (H, W, 3) uint8.

    * parts: the dataset's classes and palette (``dataset_meta``; the 28 Goliath classes when
      it has none), blended over the image with ``alpha``, class names written on the parts
      (``with_labels``), by mmseg's ``_draw_sem_seg``;
    * depth: :func:`~sapiens_mm.visualization.colormaps.colorize_depth` on the person - the
      ground-truth pixels > 0; the prediction on the ground-truth person, else everywhere;
    * normals: :func:`~sapiens_mm.visualization.colormaps.colorize_normals` on the person - the
      ground-truth pixels with ``|n| > 0.5``; the prediction likewise.

    Upstream ``SegLocalVisualizer`` (mmseg 1.2) has no normal maps, draws depth with the
    feature-map heat colours stacked under the image, falls back to the Cityscapes classes, and
    its ``__init__`` passes ``palette`` and ``classes`` to ``set_dataset_meta`` in swapped
    order; this class replaces those parts and keeps the rest (backends, ``show``,
    ``dataset_meta``, ``_draw_sem_seg``).

    Args:
        classes, palette: defaults of the part classes and their RGB colours (the 28 Goliath
            classes). A dataset's ``metainfo`` set as ``dataset_meta`` by the runner wins.
        alpha (float): weight of the part colours over the image. Defaults to 0.6.
        with_labels (bool): write class names on the parts. Defaults to True.
        Others: see mmseg's ``SegLocalVisualizer``.
    """

    def __init__(self, name: str = 'visualizer', image: Optional[np.ndarray] = None,
                 vis_backends: Optional[List[dict]] = None, save_dir: Optional[str] = None,
                 classes: Optional[Sequence[str]] = None,
                 palette: Optional[Sequence[Sequence[int]]] = None, alpha: float = 0.6,
                 with_labels: bool = True, **kwargs):
        classes = list(classes or BODY_PART_CLASSES)
        palette = [list(c) for c in (palette or BODY_PART_PALETTE)]
        super().__init__(name, image, vis_backends, save_dir, classes=classes, palette=palette,
                         alpha=alpha, **kwargs)
        # upstream __init__ calls set_dataset_meta(palette, classes, ...) against its signature
        # (classes, palette, ...): classes and palette end up swapped
        self.set_dataset_meta(classes=classes, palette=palette)
        self.with_labels = with_labels

    # ---------------------------------------------------------------- single pictures
    def _classes_palette(self):
        meta = self.dataset_meta or {}
        classes, palette = meta.get('classes'), meta.get('palette')
        if not classes or not palette or len(classes) != len(palette):
            return list(BODY_PART_CLASSES), [list(c) for c in BODY_PART_PALETTE]
        return list(classes), [list(c) for c in palette]

    def draw_parts(self, image: np.ndarray, labels, with_labels: Optional[bool] = None
                   ) -> np.ndarray:
        """(H, W, 3) uint8 RGB ``image`` with the (H, W) or (1, H, W) class map blended over
        it; labels outside the classes (ignore 255) leave the image darkened by ``alpha``."""
        labels = _numpy(labels)
        labels = labels[0] if labels.ndim == 3 else labels
        if labels.shape != image.shape[:2]:
            raise ValueError(f'{type(self).__name__}.draw_parts: labels {labels.shape} and image '
                             f'{image.shape[:2]} differ in size')
        classes, palette = self._classes_palette()
        with_labels = self.with_labels if with_labels is None else with_labels
        return self._draw_sem_seg(image, PixelData(data=labels[None].astype(np.int64)), classes,
                                  palette, with_labels)

    @staticmethod
    def draw_depth(depth, mask: Optional[np.ndarray] = None) -> np.ndarray:
        """(H, W) or (1, H, W) depth -> (H, W, 3) uint8 RGB (person-normalised, see
        :func:`~sapiens_mm.visualization.colormaps.colorize_depth`)."""
        depth = _numpy(depth)
        return colorize_depth(depth[0] if depth.ndim == 3 else depth, mask)

    @staticmethod
    def draw_normals(normals, mask: Optional[np.ndarray] = None,
                     channels_first: Optional[bool] = None) -> np.ndarray:
        """(3, H, W) (data-sample layout) or (H, W, 3) normals -> (H, W, 3) uint8 RGB; the
        layout is guessed from the axis of length 3 unless ``channels_first`` is given."""
        normals = _numpy(normals)
        if channels_first is None:
            channels_first = normals.shape[0] == 3 and normals.shape[-1] != 3
        if channels_first:
            normals = normals.transpose(1, 2, 0)
        return colorize_normals(normals, mask)

    # ---------------------------------------------------------------- data samples
    @staticmethod
    def task_of(data_sample) -> Optional[str]:
        """'parts', 'depth' or 'normal': the first task whose fields ``data_sample`` holds."""
        for task, fields in TASK_FIELDS.items():
            if any(f in data_sample for f in fields):
                return task
        return None

    @staticmethod
    def person_mask(data_sample, task: str) -> Optional[np.ndarray]:
        """(H, W) bool person pixels of the ground truth (depth > 0, normals |n| > 0.5), or
        None without ground truth or for parts."""
        gt_field = TASK_FIELDS[task][0]
        if task == 'parts' or gt_field not in data_sample:
            return None
        gt = _numpy(data_sample.get(gt_field))
        if task == 'depth':
            return (gt[0] if gt.ndim == 3 else gt) > 0
        return normal_foreground(gt, axis=0)

    def draw_field(self, image: np.ndarray, data_sample, task: str, which: str,
                   with_labels: Optional[bool] = None) -> Optional[np.ndarray]:
        """(H', W', 3) uint8 RGB picture of the ``which`` ('gt' or 'pred') field of ``task``,
        or None if the sample lacks it."""
        field = TASK_FIELDS[task][0 if which == 'gt' else 1]
        if field not in data_sample:
            return None
        value = data_sample.get(field)
        if task == 'parts':
            labels = _numpy(value)
            labels = labels[0] if labels.ndim == 3 else labels
            if labels.shape != image.shape[:2]:
                image = mmcv.imresize(image, labels.shape[::-1], interpolation='bilinear')
            return self.draw_parts(image, labels, with_labels)
        mask = self.person_mask(data_sample, task)
        data = _numpy(value)
        if mask is not None and mask.shape != data.shape[-2:]:
            mask = None  # prediction and ground truth at different sizes: no common mask
        if task == 'depth':
            return self.draw_depth(data, mask)
        return self.draw_normals(data, mask, channels_first=True)

    def draw_panels(self, image: np.ndarray, data_sample, draw_gt: bool = True,
                    draw_pred: bool = True, with_labels: Optional[bool] = None) -> np.ndarray:
        """``[image | ground truth | prediction]`` (H, (1 + n) W, 3) uint8 RGB: the panels the
        sample has, each resized (nearest) to the image size."""
        task = self.task_of(data_sample)
        if task is None:
            raise ValueError(f'{type(self).__name__}: the data sample has none of the fields '
                             f'{sorted(f for fs in TASK_FIELDS.values() for f in fs)}')
        panels = [image]
        for which, wanted in (('gt', draw_gt), ('pred', draw_pred)):
            pic = self.draw_field(image, data_sample, task, which, with_labels) if wanted \
                else None
            if pic is not None:
                panels.append(pic)
        return side_by_side(panels, size=image.shape[:2], interpolation='nearest')

    @master_only
    def add_datasample(self, name: str, image: np.ndarray, data_sample=None,
                       draw_gt: bool = True, draw_pred: bool = True, show: bool = False,
                       wait_time: float = 0, out_file: Optional[str] = None, step: int = 0,
                       with_labels: Optional[bool] = None) -> np.ndarray:
        """Draw ``[image | ground truth | prediction]`` of ``data_sample`` over the RGB
        ``image``; show it, write it to ``out_file`` (checked), else send it to every vis
        backend as image ``name`` at ``step``. Returns the picture (RGB)."""
        drawn = self.draw_panels(image, data_sample, draw_gt, draw_pred, with_labels)
        self.set_image(drawn)
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            if not mmcv.imwrite(mmcv.rgb2bgr(drawn), out_file):
                raise OSError(f'{type(self).__name__}: could not write {out_file}')
        else:
            self.add_image(name, drawn, step)
        return drawn

"""Visualizer of the multi-task model: one picture per image, a row per task."""
from typing import List, Optional

import numpy as np
from mmengine.dist import master_only

from sapiens_mm.registry import VISUALIZERS
from .dense_visualizer import SapiensDenseVisualizer
from .panels import side_by_side
from .pose_visualizer import SapiensPoseVisualizer

__all__ = ['SapiensMultiTaskVisualizer']

#: row order of the picture: multi-task sample field -> task name of the dense visualizer
_ROWS = (('pose', None), ('seg', 'parts'), ('depth', 'depth'), ('normal', 'normal'))


@VISUALIZERS.register_module()
class SapiensMultiTaskVisualizer(SapiensDenseVisualizer):
    """One picture per multi-task sample (``SapiensMultiTask``'s predictions,
    ``PackMultiTaskInputs``' samples): a row ``[image | ground truth | prediction]`` for each
    task the sample holds, in the order pose, body parts, depth, normals, each panel at the
    image size; a row without ground truth is ``[image | prediction]`` (padded to the width of
    the widest row).

    * pose: skeletons of the ground-truth and predicted ``keypoints`` (original-image pixels)
      drawn by :class:`SapiensPoseVisualizer` in the colours of the pose task's metainfo
      (``dataset_meta['task_metainfo']['pose']``, the Goliath-308 one in the shipped configs);
      predicted keypoints below ``kpt_thr`` are left out;
    * parts, depth, normals: as :class:`SapiensDenseVisualizer` draws the single-task samples.

    The pictures go to every configured vis backend, or to ``out_file`` (checked), as with the
    single-task visualizers, so ``DenseVisualizationHook`` and ``tools/test.py --show-dir``
    work unchanged. mmseg's and mmpose's visualizers each take one task's data sample; neither
    knows a sample holding several.

    Args:
        kpt_thr (float): keypoint score from which a predicted keypoint is drawn. Defaults
            to 0.3.
        radius (int): keypoint radius in pixels. Defaults to 2.
        line_width (int): skeleton line width in pixels. Defaults to 1.
        Others: see :class:`SapiensDenseVisualizer`.
    """

    def __init__(self, name: str = 'visualizer', image: Optional[np.ndarray] = None,
                 vis_backends: Optional[List[dict]] = None, save_dir: Optional[str] = None,
                 kpt_thr: float = 0.3, radius: int = 2, line_width: int = 1, **kwargs):
        super().__init__(name, image, vis_backends, save_dir, **kwargs)
        # no vis backends: it only draws; the instance name must be unique (mmengine keeps
        # visualizers by name)
        self.pose_visualizer = SapiensPoseVisualizer(
            name=f'{name}.pose.{id(self)}', radius=radius, line_width=line_width)
        self.kpt_thr = kpt_thr

    @SapiensDenseVisualizer.dataset_meta.setter
    @master_only
    def dataset_meta(self, dataset_meta: Optional[dict]) -> None:
        """The multi-task dataset's metainfo: the part classes for this visualizer, the pose
        task's metainfo (skeleton and colours) for the pose visualizer."""
        self._dataset_meta = dataset_meta
        pose_meta = ((dataset_meta or {}).get('task_metainfo') or {}).get('pose')
        if pose_meta and hasattr(self, 'pose_visualizer'):
            self.pose_visualizer.set_dataset_meta(pose_meta)

    def _pose_row(self, image: np.ndarray, sub, draw_gt: bool, draw_pred: bool) -> list:
        panels = [image]
        for which, wanted in (('gt_instances', draw_gt), ('pred_instances', draw_pred)):
            if wanted and which in sub and 'keypoints' in sub.get(which):
                panels.append(self.pose_visualizer._draw_instances_kpts(
                    image.copy(), sub.get(which), kpt_thr=self.kpt_thr))
        return panels

    def draw_rows(self, image: np.ndarray, data_sample, draw_gt: bool = True,
                  draw_pred: bool = True, with_labels: Optional[bool] = None) -> np.ndarray:
        """The picture (sum of row heights, widest row, 3) uint8 RGB of ``data_sample``."""
        rows = []
        for field, task in _ROWS:
            if field not in data_sample:
                continue
            sub = data_sample.get(field)
            if task is None:
                rows.append(side_by_side(self._pose_row(image, sub, draw_gt, draw_pred),
                                         size=image.shape[:2]))
                continue
            if self.task_of(sub) is None:
                continue
            panels = [image]
            for which, wanted in (('gt', draw_gt), ('pred', draw_pred)):
                pic = self.draw_field(image, sub, task, which, with_labels) if wanted else None
                if pic is not None:
                    panels.append(pic)
            rows.append(side_by_side(panels, size=image.shape[:2], interpolation='nearest'))
        if not rows:
            raise ValueError(f'{type(self).__name__}: the data sample holds none of the tasks '
                             f'{[f for f, _ in _ROWS]}')
        width = max(r.shape[1] for r in rows)
        rows = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0))) for r in rows]
        return np.concatenate(rows, axis=0)

    def draw_panels(self, image: np.ndarray, data_sample, draw_gt: bool = True,
                    draw_pred: bool = True, with_labels: Optional[bool] = None) -> np.ndarray:
        """The picture of a multi-task sample (:meth:`draw_rows`): what the inherited
        ``add_datasample`` shows, writes (checked) or sends to the vis backends."""
        return self.draw_rows(image, data_sample, draw_gt, draw_pred, with_labels)

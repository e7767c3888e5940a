"""mmpose's pose visualizer, made to work on numpy 2."""
import os.path as osp
from typing import Optional

import numpy as np
from mmpose.visualization import PoseLocalVisualizer

from sapiens_mm.registry import VISUALIZERS

__all__ = ['SapiensPoseVisualizer']


@VISUALIZERS.register_module()
class SapiensPoseVisualizer(PoseLocalVisualizer):
    """mmpose's ``PoseLocalVisualizer`` with what breaks on numpy 2 fixed.

    Skeleton links, keypoints and boxes are drawn by mmpose (links first, keypoints over them,
    boxes last) in the colours of the dataset metainfo (``set_dataset_meta``:
    ``skeleton_link_colors`` and ``keypoint_colors``, RGB; the 308-keypoint Goliath metainfo
    ``configs/_base_/metainfo/goliath.py`` carries the colours of the release's
    ``lite/demo/classes_and_palettes.py``, the COCO 17/133 metainfos mmpose's). Images are RGB.

    What upstream (mmpose 1.3) gets wrong, and this class fixes:

    * ``_draw_instances_kpts`` passes the radius as a one-element array,
      ``radius=np.array([self.radius])``, and the OpenCV backend's ``draw_circles`` calls
      ``int(radius)`` on it: numpy 2 raises ``TypeError: only 0-dimensional arrays can be
      converted to Python scalars``, so every picture of a pose run fails. :meth:`draw_circles`
      takes the scalar out first.
    * keypoints are filtered by ``keypoints_visible`` only; mmpose's estimators copy the scores
      there, but a ``PoseDataSample`` built by hand (inference results) with
      ``keypoint_scores`` and no visibility had every keypoint drawn whatever ``kpt_thr``.
      Here the scores stand in for a missing visibility.
    * ``add_datasample(out_file=...)`` ignores a failed write; here it raises ``OSError``.

    Args: those of mmpose's ``PoseLocalVisualizer``.
    """

    def draw_circles(self, center, radius, face_colors='none', alpha: float = 1.0, **kwargs):
        """Draw circles; ``radius`` may be a scalar or a one-element array (as mmpose passes
        it)."""
        if self.backend == 'opencv':
            radius = np.asarray(radius).reshape(-1)
            if radius.size != 1:
                raise ValueError(f'{type(self).__name__}.draw_circles (OpenCV backend) draws one '
                                 f'circle at a time, got {radius.size} radii')
            radius = float(radius[0])
            center = np.asarray(center, np.float64).reshape(-1)[:2]
        return super().draw_circles(center, radius, face_colors=face_colors, alpha=alpha,
                                    **kwargs)

    def _draw_instances_kpts(self, image: np.ndarray, instances, kpt_thr: float = 0.3,
                             show_kpt_idx: bool = False, skeleton_style: str = 'mmpose'):
        if 'keypoints' in instances and 'keypoints_visible' not in instances \
                and 'keypoint_scores' in instances:
            instances = instances.clone()
            instances.keypoints_visible = np.asarray(instances.keypoint_scores)
        return super()._draw_instances_kpts(image, instances, kpt_thr, show_kpt_idx,
                                            skeleton_style)

    def add_datasample(self, name: str, image: np.ndarray, data_sample, *args,
                       out_file: Optional[str] = None, **kwargs) -> np.ndarray:
        """mmpose's ``add_datasample`` (same arguments); returns the RGB picture and checks
        that ``out_file``, if given, was written."""
        drawn = super().add_datasample(name, image, data_sample, *args, out_file=out_file,
                                       **kwargs)
        if out_file is not None and not osp.isfile(out_file):
            raise OSError(f'{type(self).__name__}: could not write {out_file}')
        return drawn

"""Pictures of every task through mmengine visualizers (hooks, ``tools/test.py --show-dir``
and the inferencers draw with the same classes).

* :class:`SapiensPoseVisualizer` (mmpose ``VISUALIZERS``): skeletons of the 308/133/17
  keypoint sets in the metainfo's colours;
* :class:`SapiensDenseVisualizer` (mmseg ``VISUALIZERS``): body parts, depth and normals as
  ``[image | ground truth | prediction]`` panels, sent to every vis backend;
* :class:`SapiensMultiTaskVisualizer`: one picture per multi-task sample, a row of those
  panels per task (pose skeletons included);
* :mod:`.colormaps`: the colour maps of the dense tasks; :func:`side_by_side`: panels.
"""
from .colormaps import DEPTH_BACKGROUND, colorize_depth, colorize_normals, colorize_parts
from .dense_visualizer import SapiensDenseVisualizer
from .multitask_visualizer import SapiensMultiTaskVisualizer
from .panels import side_by_side
from .pose_visualizer import SapiensPoseVisualizer

__all__ = ['SapiensPoseVisualizer', 'SapiensDenseVisualizer', 'SapiensMultiTaskVisualizer',
           'colorize_parts',
           'colorize_depth', 'colorize_normals', 'DEPTH_BACKGROUND', 'side_by_side']

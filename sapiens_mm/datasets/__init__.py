from .procedural_images import make_procedural_image, write_procedural_images

__all__ = ['make_procedural_image', 'write_procedural_images']
from .pose import CocoWholeBodyGoliathDataset, Goliath308Dataset  # noqa: E402,F401
# Dense human tasks (body-part segmentation, relative depth, surface normals).
from .body_part_seg_dataset import BodyPartSegDataset  # noqa: E402,F401
from .human_depth_dataset import HumanDepthDataset  # noqa: E402,F401
from .human_normal_dataset import HumanNormalDataset  # noqa: E402,F401
from . import transforms  # noqa: E402,F401  (registers the dense-task transforms)
# Multi-task samples (all four labels of one image, issue 20).
from .human_multitask_dataset import HumanMultiTaskDataset  # noqa: E402,F401

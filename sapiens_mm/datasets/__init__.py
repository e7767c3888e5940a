from .pose import CocoWholeBodyGoliathDataset, Goliath308Dataset  # noqa: F401
# Dense human tasks (body-part segmentation, relative depth, surface normals).
from .body_part_seg_dataset import BodyPartSegDataset  # noqa: F401
from .body_part_seg29_dataset import BodyPart29SegDataset  # noqa: F401
from .human_depth_dataset import HumanDepthDataset  # noqa: F401
from .human_normal_dataset import HumanNormalDataset  # noqa: F401
from .pointmap_dataset import PointmapDataset  # noqa: F401
from .albedo_dataset import AlbedoDataset  # noqa: F401
from . import transforms  # noqa: F401  (registers the dense-task transforms)
# Multi-task samples (all four labels of one image).
from .human_multitask_dataset import HumanMultiTaskDataset  # noqa: F401

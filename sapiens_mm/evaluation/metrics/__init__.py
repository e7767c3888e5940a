from .goliath_metric import Goliath308Metric
from .grouped_keypoint_eval import keypoint_oks_eval

__all__ = ['Goliath308Metric', 'keypoint_oks_eval']
from .human_depth_metric import HumanDepthMetric  # noqa: E402,F401
from .surface_normal_metric import SurfaceNormalMetric  # noqa: E402,F401
from .pointmap_metric import PointmapMetric  # noqa: E402,F401
from .albedo_metric import AlbedoMetric  # noqa: E402,F401

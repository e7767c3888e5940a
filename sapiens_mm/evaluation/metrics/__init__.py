from .goliath_metric import Goliath308Metric
from .grouped_keypoint_eval import keypoint_oks_eval

__all__ = ['Goliath308Metric', 'keypoint_oks_eval']

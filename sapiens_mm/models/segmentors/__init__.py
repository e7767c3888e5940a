from .normal_estimator import NormalEstimator
from .pointmap_estimator import PointmapEstimator

__all__ = ['NormalEstimator', 'PointmapEstimator']

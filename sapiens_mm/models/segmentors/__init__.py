from .albedo_estimator import AlbedoEstimator
from .normal_estimator import NormalEstimator
from .pointmap_estimator import PointmapEstimator

__all__ = ['AlbedoEstimator', 'NormalEstimator', 'PointmapEstimator']

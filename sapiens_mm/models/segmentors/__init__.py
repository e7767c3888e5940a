from .normal_estimator import NormalEstimator

__all__ = ['NormalEstimator']

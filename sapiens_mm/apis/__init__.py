"""High-level APIs: multi-task inference (:mod:`.inferencers`), sharded inference, feature
extraction, person detection. The runner plumbing of tools/train.py and tools/test.py is in
:mod:`sapiens_mm.engine.runner`."""
from .feature_extraction import FeatureExtractor
from .inferencers import SapiensInferencer, build_task_model
from .pose_inference import MMDetPersonDetector

__all__ = ['FeatureExtractor', 'MMDetPersonDetector', 'SapiensInferencer', 'build_task_model']

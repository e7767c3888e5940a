"""High-level APIs: runner command-line handling (tools/train.py, test.py), feature extraction,
top-down pose inference, multi-task inference."""
from .feature_extraction import FeatureExtractor
from .inference import SapiensInferencer
from .pose_inference import MMDetPersonDetector, TopdownPoseInferencer
from .runner_utils import (ConfigOptionError, add_dump_results, build_runner, check_cfg_options,
                           load_test_config, load_test_weights, load_train_config,
                           parse_test_args, parse_train_args)

__all__ = ['parse_train_args', 'parse_test_args', 'load_train_config', 'load_test_config',
           'add_dump_results', 'build_runner', 'FeatureExtractor', 'TopdownPoseInferencer',
           'MMDetPersonDetector', 'SapiensInferencer', 'ConfigOptionError', 'check_cfg_options',
           'load_test_weights']

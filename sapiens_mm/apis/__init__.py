"""High-level APIs: runner command-line handling (tools/train.py, test.py), feature extraction,
multi-task inference (:mod:`.inferencers`), sharded inference, person detection."""
from .feature_extraction import FeatureExtractor
from .inferencers import SapiensInferencer, build_task_model
from .pose_inference import MMDetPersonDetector
from .runner_utils import (ConfigOptionError, add_dump_results, build_runner, check_cfg_options,
                           load_test_config, load_test_weights, load_train_config,
                           parse_test_args, parse_train_args)

__all__ = ['parse_train_args', 'parse_test_args', 'load_train_config', 'load_test_config',
           'add_dump_results', 'build_runner', 'FeatureExtractor', 'MMDetPersonDetector',
           'SapiensInferencer', 'build_task_model', 'ConfigOptionError', 'check_cfg_options',
           'load_test_weights']

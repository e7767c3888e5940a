"""Entry-point helpers: the command-line handling shared by ``tools/train.py`` and ``tools/test.py``."""
from .runner_utils import (add_dump_results, build_runner, parse_test_args, parse_train_args,
                           test_config, train_config)

__all__ = ['parse_train_args', 'parse_test_args', 'train_config', 'test_config',
           'add_dump_results', 'build_runner']

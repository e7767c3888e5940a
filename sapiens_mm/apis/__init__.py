"""Entry-point helpers: the command-line handling shared by ``tools/train.py`` and ``tools/test.py``."""
from .runner_utils import (add_dump_results, build_runner, parse_test_args, parse_train_args,
                           load_test_config, load_train_config)

__all__ = ['parse_train_args', 'parse_test_args', 'load_train_config', 'load_test_config',
           'add_dump_results', 'build_runner']

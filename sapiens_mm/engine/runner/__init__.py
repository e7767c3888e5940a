"""Runner plumbing behind ``tools/train.py`` and ``tools/test.py``: command-line handling,
config loading and checks, building mmengine's ``Runner``/``FlexibleRunner``, and distributed
training on machines without CUDA (:mod:`.distributed`)."""
from .distributed import is_flexible_runner_config, prepare_cpu_distributed
from .runner_utils import (ConfigOptionError, add_dump_results, build_runner, check_cfg_options,
                           enable_show_dir, load_test_config, load_test_weights,
                           load_train_config, parse_test_args, parse_train_args)

__all__ = ['parse_train_args', 'parse_test_args', 'load_train_config', 'load_test_config',
           'add_dump_results', 'build_runner', 'enable_show_dir', 'check_cfg_options',
           'load_test_weights', 'ConfigOptionError', 'prepare_cpu_distributed',
           'is_flexible_runner_config']

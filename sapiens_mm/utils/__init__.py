"""Helpers with no OpenMMLab dependency beyond mmengine: where the packaged configs are."""
from .config_paths import (config_root, get_config_path, list_configs, model_index_path,
                           register_config_scheme)

__all__ = ['config_root', 'get_config_path', 'list_configs', 'model_index_path',
           'register_config_scheme']

"""Helpers with no OpenMMLab dependency beyond mmengine, used across the package: where the
packaged configs are (:mod:`.config_paths`), image listing, checked image reading and atomic
writes (:mod:`.fileio`), the person mask of a normal map (:mod:`.masks`)."""
from .config_paths import (config_root, get_config_path, list_configs, model_index_path,
                           register_config_scheme)

__all__ = ['config_root', 'get_config_path', 'list_configs', 'model_index_path',
           'register_config_scheme']

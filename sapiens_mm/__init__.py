"""sapiens_mm: Meta's Sapiens models as an OpenMMLab plugin.

Importing the package (or ``custom_imports=dict(imports=['sapiens_mm'])`` in a config) registers
every sapiens_mm class once, in mmengine's root registries, which the registries of mmpretrain,
mmpose and mmseg fall back to (:mod:`sapiens_mm.registry`).
:func:`get_config_path` and :func:`list_configs` reach the configs shipped with the package.
"""
from .version import __version__  # noqa: F401
from .checkpoint.loading import register_checkpoint_schemes
from .checkpoint.safe_globals import register_safe_globals
from .utils.config_paths import get_config_path, list_configs, register_config_scheme

register_safe_globals()  # lets weights-only torch.load read mmengine checkpoints (resume)
register_config_scheme()  # `_base_ = ['sapiens_mm::sapiens_pose/...py']` in downstream configs
register_checkpoint_schemes()  # mmengine's local/URL checkpoint loading goes weights-only

from . import codecs, datasets, engine, evaluation, models, visualization  # noqa: E402,F401

__all__ = ['__version__', 'get_config_path', 'list_configs']

"""sapiens_mm: Meta's Sapiens models as an OpenMMLab plugin.

Importing the package (or ``custom_imports=dict(imports=['sapiens_mm'])`` in a config) registers
every sapiens_mm class once, in mmengine's root registries, which the registries of mmpretrain,
mmpose and mmseg fall back to (:mod:`sapiens_mm.registry`).
:func:`get_config_path` and :func:`list_configs` reach the configs shipped with the package.
"""
import os.path as _osp
import sys as _sys

from .version import __version__  # noqa: F401


def _console_help_only() -> bool:
    """True in a ``sapiens-*`` console command, or one of the checkout's ``tools/*.py``, asked
    for ``-h`` / ``--help``: argparse prints the usage and exits, nothing needs the
    registries, so the model libraries (3-10 s of imports) are not loaded for them. Every
    other import of the package registers everything."""
    argv = getattr(_sys, 'argv', None) or ['']
    return any(a in ('-h', '--help') for a in argv[1:]) and _console_run()


def _console_run() -> bool:
    """True in a ``sapiens-*`` console command or one of the checkout's ``tools/*.py``."""
    argv = getattr(_sys, 'argv', None) or ['']
    script = _osp.abspath(str(argv[0]))
    tools = _osp.join(_osp.dirname(_osp.dirname(_osp.abspath(__file__))), 'tools')
    return _osp.basename(script).startswith('sapiens-') or _osp.dirname(script) == tools


if _console_run():  # known upstream warnings off in the console commands only, before the
    from .utils.console_warnings import quiet_upstream_warnings  # libraries print them
    quiet_upstream_warnings()

if not _console_help_only():
    from .checkpoint.loading import register_checkpoint_schemes
    from .checkpoint.safe_globals import register_safe_globals
    from .utils.config_paths import (get_config_path, list_configs,  # noqa: F401
                                     register_config_scheme)

    register_safe_globals()  # lets weights-only torch.load read mmengine checkpoints (resume)
    register_config_scheme()  # `_base_ = ['sapiens_mm::sapiens_pose/...py']` downstream
    register_checkpoint_schemes()  # mmengine's local/URL checkpoint loading: weights-only

    from . import codecs, datasets, engine, evaluation, models, visualization  # noqa: F401

__all__ = ['__version__', 'get_config_path', 'list_configs']

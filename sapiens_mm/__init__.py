"""sapiens_mm: Meta's Sapiens models as an OpenMMLab plugin.

Importing the package (or ``custom_imports=dict(imports=['sapiens_mm'])`` in a config) registers
every sapiens_mm class once, in mmengine's root registries, which the registries of mmpretrain,
mmpose and mmseg fall back to (:mod:`sapiens_mm.registry`), and routes mmengine's checkpoint
loading through the weights-only loader (:mod:`sapiens_mm.checkpoint`).
:func:`get_config_path` and :func:`list_configs` reach the configs shipped with the package.

The one exception is a console command asked only for its usage (:func:`_console_help_only`):
argparse prints it and exits before anything is built, so the model libraries are not imported.
The weights-only loader does not depend on that test being right: ``sapiens_mm.checkpoint``
registers it when imported, and every module that builds or loads a model imports it; the
commands call :func:`register_all` once their arguments are parsed.
"""
import os.path as _osp
import sys as _sys

from .version import __version__  # noqa: F401

_registered = False


def _argparse_help_requested(args) -> bool:
    """Whether argparse, given ``args`` (``sys.argv[1:]``), prints the usage and exits.

    Only ``-h``/``--help`` *before* a ``--`` are options: after ``--`` every argument is a
    positional one (an input file literally named ``-h``), and the command goes on to build
    its models. An option value never equals ``-h`` either (argparse does not take an
    argument starting with ``-`` as the value of an option).
    """
    args = list(args)
    if '--' in args:
        args = args[:args.index('--')]
    return any(a in ('-h', '--help') for a in args)


def _console_help_only() -> bool:
    """True in a ``sapiens-*`` console command, or one of the checkout's ``tools/*.py``, whose
    command line asks argparse for ``-h`` / ``--help`` (:func:`_argparse_help_requested`):
    the usage is printed and the process exits, nothing needs the registries, so the model
    libraries (3-10 s of imports) are not loaded for it. Every other import of the package
    registers everything (:func:`register_all`)."""
    argv = getattr(_sys, 'argv', None) or ['']
    return _argparse_help_requested(argv[1:]) and _console_run()


def _console_run() -> bool:
    """True in a ``sapiens-*`` console command or one of the checkout's ``tools/*.py``."""
    argv = getattr(_sys, 'argv', None) or ['']
    script = _osp.abspath(str(argv[0]))
    tools = _osp.join(_osp.dirname(_osp.dirname(_osp.abspath(__file__))), 'tools')
    return _osp.basename(script).startswith('sapiens-') or _osp.dirname(script) == tools


def register_all() -> None:
    """Register everything ``import sapiens_mm`` registers; idempotent (the commands call it
    once their arguments are parsed, whatever the import decided):

    * the weights-only checkpoint loader for every mmengine path form
      (:func:`~sapiens_mm.checkpoint.register_checkpoint_schemes`) and the allow-list of the
      globals of mmengine training checkpoints (``--resume``);
    * the ``sapiens_mm::`` config prefix (``_base_ = ['sapiens_mm::sapiens_pose/...py']``);
    * every class, in the registries.
    """
    global _registered
    if _registered:
        return
    _registered = True  # first: the sub-packages imported below import the package again
    try:
        from .checkpoint.loading import register_checkpoint_schemes
        from .checkpoint.safe_globals import register_safe_globals
        from .utils.config_paths import register_config_scheme

        register_safe_globals()  # weights-only torch.load reads mmengine checkpoints (resume)
        register_config_scheme()  # `_base_ = ['sapiens_mm::sapiens_pose/...py']` downstream
        register_checkpoint_schemes()  # mmengine's local/URL checkpoint loading: weights-only

        from . import codecs, datasets, engine, evaluation, models, visualization  # noqa: F401
    except BaseException:
        _registered = False
        raise


def __getattr__(name):
    """``get_config_path`` / ``list_configs`` also after a usage-only import."""
    if name in ('get_config_path', 'list_configs'):
        from .utils import config_paths
        return getattr(config_paths, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


if _console_run():  # known upstream warnings off in the console commands only, before the
    from .utils.console_warnings import quiet_upstream_warnings  # libraries print them
    quiet_upstream_warnings()

if not _console_help_only():
    register_all()

__all__ = ['__version__', 'get_config_path', 'list_configs', 'register_all']

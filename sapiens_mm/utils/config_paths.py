"""Where sapiens_mm's configs and model index are, in a checkout and in an installed package.

The configs ship inside the package as ``sapiens_mm/.mim/configs`` and ``.mim/model-index.yml``,
the layout of mmpose, mmseg and mmpretrain that ``mim`` and mmengine's ``PKG::path`` config
syntax read. In a wheel that folder holds copies of the repository's ``configs/`` (``setup.py``
copies them at build time); in a git checkout (editable install) ``.mim/configs`` is a committed
symbolic link to ``../../configs``, so both kinds of install resolve through the same paths.

A downstream config inherits a packaged one by either form::

    _base_ = ['sapiens_mm::sapiens_pose/goliath/sapiens_1b-210e_goliath-1024x768.py']
    _base_ = ['/abs/path/printed/by/sapiens-mm-configs/...py']

(the ``sapiens_mm::`` form needs ``import sapiens_mm`` before the config is read, which the
sapiens_mm tools do; see :func:`register_config_scheme`).
"""
import fnmatch
import os
import os.path as osp
from typing import List

__all__ = ['PACKAGE_DIR', 'MIM_DIR', 'config_root', 'config_file', 'get_config_path', 'list_configs',
           'read_config', 'ConfigFileError',
           'model_index_path', 'register_config_scheme']

#: The installed ``sapiens_mm`` package folder.
PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: ``sapiens_mm/.mim``: the packaged configs and model index.
MIM_DIR = osp.join(PACKAGE_DIR, '.mim')


def config_root() -> str:
    """Absolute path of the packaged ``configs/`` folder.

    Raises:
        FileNotFoundError: the package has no configs (a copy of the package made without
            its ``.mim`` folder, or a checkout whose ``.mim/configs`` link was lost).
    """
    root = osp.join(MIM_DIR, 'configs')
    if not osp.isdir(root):
        raise FileNotFoundError(
            f'{root}: sapiens_mm\'s configs are missing. In a checkout this is a symbolic link '
            'to ../../configs (restore it with `git checkout sapiens_mm/.mim`); an installed '
            'package has them as files (reinstall sapiens_mm).')
    return root


def get_config_path(name: str) -> str:
    """Absolute path of a packaged config, ``name`` relative to ``configs/``.

    Args:
        name: e.g. ``'sapiens_pose/goliath/sapiens_1b-210e_goliath-1024x768.py'``; a leading
            ``configs/`` or ``sapiens_mm::`` is accepted too.

    Raises:
        FileNotFoundError: no such config; the message names up to five close ones.
    """
    rel = name.split('::', 1)[1] if name.startswith('sapiens_mm::') else name
    rel = rel[len('configs/'):] if rel.startswith('configs/') else rel
    path = osp.join(config_root(), rel)
    if not osp.isfile(path):
        import difflib
        close = difflib.get_close_matches(rel, list_configs(), n=5, cutoff=0.4)
        hint = f' Close: {", ".join(close)}.' if close else ''
        raise FileNotFoundError(f'{name}: no such sapiens_mm config under {config_root()}.'
                                f'{hint} `sapiens-mm configs` lists them all.')
    return path


def config_file(config: str) -> str:
    """A config argument as a file: the path itself if it exists, else a packaged config
    (``sapiens_pose/goliath/...py`` relative to ``configs/``, or ``sapiens_mm::...``).

    Raises:
        FileNotFoundError: neither; the message names close packaged configs.
    """
    if osp.isfile(config):
        return config
    try:
        return get_config_path(config)
    except FileNotFoundError as e:
        raise FileNotFoundError(f'{config}: no such config file, nor a packaged config '
                                f'({e})') from None


class ConfigFileError(ValueError):
    """A config file that cannot be read (syntax error, an error while executing it); the
    message names the file, and the line for a syntax error."""


def _syntax_error_of(error: BaseException):
    """The ``SyntaxError`` with a line number in ``error``'s chain (mmengine re-raises the
    parser's error without one), or None."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, SyntaxError) and error.lineno:
            return error
        error = error.__cause__ or error.__context__
    return None


def _file_being_read(error: BaseException):
    """The innermost ``filename`` that mmengine's ``Config`` was reading when ``error`` was
    raised (a ``_base_`` file of the config), from the traceback's frames; None if none."""
    found, tb = None, error.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_locals.get('filename')
        if isinstance(name, str) and osp.isfile(name):
            found = name
        tb = tb.tb_next
    return found


def read_config(config: str):
    """mmengine ``Config`` of a config argument (a file, or a packaged config: see
    :func:`config_file`).

    Raises:
        FileNotFoundError: no such file nor packaged config.
        ConfigFileError: the file (or a ``_base_`` it reads) cannot be parsed or executed:
            one line naming the file, the line and the problem, where mmengine's own error
            (``SyntaxError: invalid syntax (<unknown>, line 3)``) names neither.
    """
    from mmengine.config import Config
    path = config_file(config)
    try:
        return Config.fromfile(path)
    except FileNotFoundError:
        raise
    except Exception as e:
        syntax = _syntax_error_of(e)
        if syntax is not None:
            where = syntax.filename if syntax.filename and osp.isfile(syntax.filename) \
                else _file_being_read(syntax) or path
            raise ConfigFileError(f'{where}: syntax error at line {syntax.lineno}: '
                                  f'{syntax.msg}' + (f' (in {path})' if where != path else '')
                                  ) from e
        text = str(e).strip().splitlines()
        raise ConfigFileError(f'{path}: cannot be read as a config ({type(e).__name__}: '
                              f'{text[0][:300] if text else ""})') from e


def list_configs(pattern: str = '*') -> List[str]:
    """Packaged configs (paths relative to ``configs/``, sorted) matching a glob ``pattern``.

    The pattern is matched against the relative path, e.g. ``'sapiens_seg/*'``, ``'*0.3b*'``;
    a pattern without wildcards matches as a substring. ``_base_`` pieces are included only
    when the pattern names them.
    """
    root = config_root()
    if not any(c in pattern for c in '*?['):
        pattern = f'*{pattern}*'
    found = []
    for folder, dirs, files in os.walk(root, followlinks=True):
        dirs.sort()
        for f in sorted(files):
            if f.endswith('.py'):
                rel = osp.relpath(osp.join(folder, f), root).replace(os.sep, '/')
                if rel.startswith('_base_/') and '_base_' not in pattern:
                    continue
                if fnmatch.fnmatch(rel, pattern):
                    found.append(rel)
    return found


def model_index_path() -> str:
    """Absolute path of the packaged ``model-index.yml`` (mim's index of the metafiles)."""
    return osp.join(MIM_DIR, 'model-index.yml')


def register_config_scheme() -> None:
    """Let mmengine's ``Config`` read ``_base_ = ['sapiens_mm::REL_PATH']``.

    mmengine resolves ``PKG::path`` itself only for the OpenMMLab projects of its
    ``MODULE2PACKAGE`` table; for them it finds the package with ``get_installed_path`` (which
    for an editable, PEP 660, install names ``site-packages/PKG``, a folder that does not
    exist) and tags every ``type=`` dict of the base with ``_scope_=PKG`` (sapiens_mm has no
    registry scope of its own: its classes live in the mmpose, mmseg and mmpretrain ones).
    So for ``sapiens_mm::`` only, ``Config._get_cfg_path`` answers with
    :func:`get_config_path` and no scope: the base keeps its own ``default_scope``. Every
    other path goes through mmengine unchanged. Called by ``import sapiens_mm``; idempotent.
    """
    from mmengine.config import Config
    original = Config.__dict__['_get_cfg_path'].__func__
    if getattr(original, '_sapiens_mm', False):
        return

    def _get_cfg_path(cfg_path, filename):
        if cfg_path.startswith('sapiens_mm::'):
            return get_config_path(cfg_path), None
        return original(cfg_path, filename)

    _get_cfg_path._sapiens_mm = True
    Config._get_cfg_path = staticmethod(_get_cfg_path)

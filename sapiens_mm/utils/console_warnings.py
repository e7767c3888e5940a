"""The upstream warnings a console command does not print: known, harmless, not the user's.

Every ``sapiens-*`` command and ``tools/*.py`` imports mmengine, whose ``import pkg_resources``
makes setuptools print ``pkg_resources is deprecated as an API`` on every start, and building
the segmentation heads calls mmseg's ``build_loss``, which prints that it ``would be
deprecated soon``. Neither is about the user's input or actionable by them. The console
commands (and only they: ``sapiens_mm/__init__.py`` calls :func:`quiet_upstream_warnings` when
``sys.argv[0]`` is a ``sapiens-*`` command or a ``tools/*.py`` script, before the libraries are
imported; :func:`sapiens_mm.cli.errors.run_cli` calls it too) filter exactly these messages;
progress output and every other warning stay. A library user's ``import sapiens_mm`` changes no
warning filter.
"""
import warnings

__all__ = ['UPSTREAM_WARNINGS', 'quiet_upstream_warnings']

#: (message regex, matched at the start of the message) of the filtered upstream warnings.
UPSTREAM_WARNINGS = (
    r'pkg_resources is deprecated as an API',  # setuptools, on mmengine's import pkg_resources
    r'``build_loss`` would be deprecated soon',  # mmseg.models.builder.build_loss
)


def quiet_upstream_warnings() -> None:
    """Ignore the :data:`UPSTREAM_WARNINGS` (any category) in this process. Idempotent."""
    for message in UPSTREAM_WARNINGS:
        warnings.filterwarnings('ignore', message=message, category=Warning)

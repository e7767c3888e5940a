"""Top-level error handling of the command-line tools.

:func:`run_cli` runs a tool's ``main()`` and turns the errors sapiens_mm raises for bad input
(a checkpoint that does not fit, a missing or malformed file, a mistyped ``--cfg-options``
key, ...) into one message on stderr and exit status 2, instead of a screen of traceback. The
full traceback stays available: pass ``--debug`` (anywhere on the command line; it is removed
before the tool parses its arguments) or set ``SAPIENS_MM_DEBUG=1``.
"""
import os
import sys
from typing import Callable, Optional

__all__ = ['run_cli', 'console_command', 'user_error_types']


def user_error_types() -> tuple:
    """The exception types reported as one message (bad input, not a bug in a tool)."""
    from sapiens_mm.checkpoint import CheckpointError
    from sapiens_mm.utils.fileio import ImageReadError
    from sapiens_mm.data_curation.ledger import LedgerMismatchError
    from sapiens_mm.engine.runner import ConfigOptionError
    from sapiens_mm.utils.detection import DetectorError
    return (CheckpointError, ConfigOptionError, LedgerMismatchError, ImageReadError,
            DetectorError, FileNotFoundError, NotADirectoryError, PermissionError, ValueError,
            OSError)


def run_cli(main: Callable[[], Optional[int]], argv: Optional[list] = None) -> int:
    """Run ``main()`` and return its exit status (``None`` -> 0); a user error -> 2.

    ``argv`` defaults to ``sys.argv``, from which ``--debug`` is removed (it re-raises the
    error with its traceback).
    """
    argv = sys.argv if argv is None else argv
    from sapiens_mm.utils.console_warnings import quiet_upstream_warnings
    quiet_upstream_warnings()  # mmengine's pkg_resources, mmseg's build_loss: not the user's
    debug = '--debug' in argv or os.environ.get('SAPIENS_MM_DEBUG', '') not in ('', '0')
    while '--debug' in argv:
        argv.remove('--debug')
    try:
        rc = main()
    except (SystemExit, KeyboardInterrupt):  # argparse's --help / usage exit, Ctrl-C: as is,
        raise  # without importing the error types (the model libraries) to match them
    except user_error_types() as e:
        if debug:
            raise
        tool = os.path.basename(argv[0]) if argv else 'sapiens_mm'
        print(f'{tool}: error: {type(e).__name__}: {e}', file=sys.stderr)
        print(f'{tool}: (run with --debug for the full traceback)', file=sys.stderr)
        return 2
    return int(rc) if isinstance(rc, int) and not isinstance(rc, bool) else 0


def console_command(main: Callable[[], Optional[int]]) -> Callable[[], int]:
    """The console entry point of a tool (``setup.py``'s ``console_scripts``): ``main`` on
    ``sys.argv`` through :func:`run_cli` (bad input: one line, exit status 2; ``--debug``
    shows the traceback)."""

    def run() -> int:
        return run_cli(main)

    run.__doc__ = f'``{main.__module__}.main`` as a console command (see ``run_cli``).'
    return run

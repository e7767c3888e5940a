"""Write a split of procedurally rendered humans with exact labels (the built-in data).

The code is ``sapiens_mm/cli/make_synthetic_humans.py``; installed, the same program is ``sapiens-make-synthetic``.
"""
import sys

from sapiens_mm.cli.make_synthetic_humans import main, run  # noqa: F401  (main: for callers)

if __name__ == '__main__':
    sys.exit(run())

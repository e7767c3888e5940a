"""Build a set of non-human background images for RandomBackground.

The code is ``sapiens_mm/cli/make_background_set.py``; installed, the same program is ``sapiens-make-backgrounds``.
"""
import sys

from sapiens_mm.cli.make_background_set import main, run  # noqa: F401  (main: for callers)

if __name__ == '__main__':
    sys.exit(run())

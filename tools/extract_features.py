"""Extract dense Sapiens backbone features of images.

The code is ``sapiens_mm/cli/extract_features.py``; installed, the same program is ``sapiens-extract-features``.
"""
import sys

from sapiens_mm.cli.extract_features import main, run  # noqa: F401  (main: for callers)

if __name__ == '__main__':
    sys.exit(run())

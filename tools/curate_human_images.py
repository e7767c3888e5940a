"""Keep the images that show a clearly visible person (the Sapiens pretraining-set filter).

The code is ``sapiens_mm/cli/curate_human_images.py``; installed, the same program is ``sapiens-curate``.
"""
import sys

from sapiens_mm.cli.curate_human_images import main, run  # noqa: F401  (main: for callers)

if __name__ == '__main__':
    sys.exit(run())

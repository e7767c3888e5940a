"""Distil single-task Sapiens teachers into one multi-task student on unlabelled images.

The code is ``sapiens_mm/cli/distill_multitask.py``; installed, the same program is
``sapiens-distill-multitask``.
"""
import sys

from sapiens_mm.cli.distill_multitask import main, run  # noqa: F401  (main: for callers)

if __name__ == '__main__':
    sys.exit(run())

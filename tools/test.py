"""Test (and evaluate) a checkpoint with a config: ``sapiens_mm.cli.test`` (also the console
command ``sapiens-test``); see its docstring for the options.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out PRED.pkl] [--cfg-options ...]
"""
import sys

from sapiens_mm.cli.test import main, run  # noqa: F401  (main: for callers)

if __name__ == '__main__':
    sys.exit(run())

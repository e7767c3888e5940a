"""Re-write a released Sapiens checkpoint (or any sapiens_mm one) as plain tensors.

The code is ``sapiens_mm/cli/convert_checkpoint.py``; installed, the same program is ``sapiens-convert-checkpoint``.
"""
import sys

from sapiens_mm.cli.convert_checkpoint import main, run  # noqa: F401  (main: for callers)

if __name__ == '__main__':
    sys.exit(run())

"""Export a Sapiens task model to ONNX, TorchScript and/or a torch.export program.

The code is ``sapiens_mm/cli/export.py``; installed, the same program is ``sapiens-export``.
"""
import sys

from sapiens_mm.cli.export import main, run  # noqa: F401  (main: for callers)

if __name__ == '__main__':
    sys.exit(run())

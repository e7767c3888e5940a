"""Train from an OpenMMLab config of any default_scope: ``sapiens_mm.cli.train`` (also the
console command ``sapiens-train``); see its docstring for the options.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp] [--cfg-options ...]
"""
import sys

from sapiens_mm.cli.train import main, run  # noqa: F401  (main: for callers)

if __name__ == '__main__':
    sys.exit(run())

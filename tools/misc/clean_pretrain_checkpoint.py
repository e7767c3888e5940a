"""Turn an MAE pretraining checkpoint into the backbone-only file task configs load.

The code is ``sapiens_mm/cli/clean_pretrain_checkpoint.py``; installed, the same program is ``sapiens-clean-pretrain``.
"""
import sys

from sapiens_mm.cli.clean_pretrain_checkpoint import main, run  # noqa: F401  (main: for callers)

if __name__ == '__main__':
    sys.exit(run())

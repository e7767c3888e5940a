"""``sapiens-train`` / ``tools/train.py``: train from an OpenMMLab config of any default_scope.

    sapiens-train CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--cfg-options KEY=VALUE ...] [--launcher {none,pytorch,slurm,mpi}]

CONFIG is a file, or a packaged config relative to ``configs/`` (``sapiens-mm configs``
lists them). Multi-GPU: ``tools/dist_train.sh CONFIG GPUS [args...]`` (without GPUs: CPU
processes over gloo). A config with a ``strategy`` (FSDP, DeepSpeed) trains with mmengine's
``FlexibleRunner``. ``--amp``: fp16 ``AmpOptimWrapper`` with CUDA, bf16
``AutocastOptimWrapper`` without.
"""
import sys
from typing import Optional, Sequence

from sapiens_mm.cli.errors import run_cli


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Build the Runner from the config and the command line, and train."""
    # Importing sapiens_mm registers its classes in every scope and allow-lists the non-tensor
    # globals of mmengine checkpoints for torch's weights-only loading (needed by --resume).
    from sapiens_mm.apis import build_runner, load_train_config, parse_train_args
    build_runner(load_train_config(parse_train_args(argv))).train()
    return 0


def run() -> int:
    """The console command: :func:`main` on ``sys.argv``, bad input reported in one line
    (exit status 2; ``--debug`` shows the traceback)."""
    return run_cli(main)


if __name__ == '__main__':
    sys.exit(run())

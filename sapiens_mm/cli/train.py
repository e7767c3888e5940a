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

from sapiens_mm.cli.errors import console_command


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Build the Runner from the config and the command line, and train."""
    # the command line first (argparse only): --help answers without the model libraries
    from sapiens_mm.utils.runner_args import parse_train_args
    args = parse_train_args(argv)
    import sapiens_mm
    sapiens_mm.register_all()  # the classes, the weights-only loader (--resume, load_from)
    from sapiens_mm.engine.runner import build_runner, load_train_config
    build_runner(load_train_config(args)).train()
    return 0


#: the console command (setup.py): main with bad input reported in one line
run = console_command(main)


if __name__ == '__main__':
    sys.exit(run())

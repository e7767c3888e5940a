"""Train a model from an OpenMMLab config of any default_scope (mmpretrain, mmpose, mmseg, none).

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--cfg-options KEY=VALUE ...] [--launcher {none,pytorch,slurm,mpi}]

Multi-GPU: ``tools/dist_train.sh CONFIG GPUS [args...]`` (without GPUs: CPU processes over gloo).
A config with a ``strategy`` (FSDP, DeepSpeed) trains with mmengine's ``FlexibleRunner``.
``--amp``: fp16 ``AmpOptimWrapper`` with CUDA, bf16 ``AutocastOptimWrapper`` without.
"""
import os.path as osp
import sys

# Run from a checkout without installing: the repo root goes first on the path.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

# Importing sapiens_mm registers its classes in every scope and allow-lists the non-tensor
# globals of mmengine checkpoints for torch's weights-only loading (needed by --resume).
import sapiens_mm  # noqa: E402,F401
from sapiens_mm.apis import build_runner, load_train_config, parse_train_args  # noqa: E402


def main(argv=None):
    """Build the Runner from the config and the command line, and train."""
    build_runner(load_train_config(parse_train_args(argv))).train()


if __name__ == '__main__':
    from sapiens_mm.apis.cli import run_cli  # one message + exit 2 on bad input; --debug
    sys.exit(run_cli(main))

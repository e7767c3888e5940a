"""Test (and evaluate) a checkpoint with an OpenMMLab config of any default_scope.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out PRED.pkl]
        [--cfg-options KEY=VALUE ...] [--launcher {none,pytorch,slurm,mpi}]

Runs the config's test loop and evaluator; the metrics are logged. Multi-GPU:
``tools/dist_test.sh CONFIG CHECKPOINT GPUS [args...]``.
"""
import os.path as osp
import sys

# Run from a checkout without installing: the repo root goes first on the path.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

# Importing sapiens_mm registers its classes in every scope and allow-lists the non-tensor
# globals of mmengine checkpoints for torch's weights-only loading.
import sapiens_mm  # noqa: E402,F401
from sapiens_mm.apis import (add_dump_results, build_runner, load_test_config,  # noqa: E402
                             load_test_weights, parse_test_args)


def main(argv=None):
    """Build the Runner with the checkpoint's weights and run its test loop."""
    args = parse_test_args(argv)
    runner = build_runner(load_test_config(args))
    load_test_weights(runner, args.checkpoint)  # strict, weights-only (any path form)
    if args.out is not None:
        add_dump_results(runner, args.out)
    return runner.test()


if __name__ == '__main__':
    from sapiens_mm.apis.cli import run_cli  # one message + exit 2 on bad input; --debug
    sys.exit(run_cli(main))

"""``sapiens-test`` / ``tools/test.py``: test (and evaluate) a checkpoint with a config.

    sapiens-test CONFIG CHECKPOINT [--work-dir DIR] [--out PRED.pkl]
        [--cfg-options KEY=VALUE ...] [--launcher {none,pytorch,slurm,mpi}]

CONFIG is a file or a packaged config relative to ``configs/``. Runs the config's test loop
and evaluator; the metrics are logged. CHECKPOINT (any path form: file, URL, ``hf://``, released
name) is loaded weights-only and strictly: another task's or size's checkpoint, or one missing
tensors, is an error naming the file and the keys; ``none`` evaluates untrained weights.
Multi-GPU: ``tools/dist_test.sh CONFIG CHECKPOINT GPUS``.
"""
import sys
from typing import Optional, Sequence

from sapiens_mm.cli.errors import console_command


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Build the Runner with the checkpoint's weights, run its test loop and return the
    metrics (``{name: value}``; the console command exits 0 after it)."""
    # the command line first (argparse only): --help answers without the model libraries
    from sapiens_mm.utils.runner_args import parse_test_args
    args = parse_test_args(argv)
    import sapiens_mm
    sapiens_mm.register_all()  # the classes, the weights-only loader
    from sapiens_mm.engine.runner import (add_dump_results, build_runner, load_test_config,
                                          load_test_weights)
    runner = build_runner(load_test_config(args))
    load_test_weights(runner, args.checkpoint)  # strict, weights-only (any path form)
    if args.out is not None:
        add_dump_results(runner, args.out)
    return runner.test()


#: the console command (setup.py): main with bad input reported in one line
run = console_command(main)


if __name__ == '__main__':
    sys.exit(run())

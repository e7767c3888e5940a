"""``sapiens-test`` / ``tools/test.py``: test (and evaluate) a checkpoint with a config.

    sapiens-test CONFIG CHECKPOINT [--work-dir DIR] [--out PRED.pkl]
        [--cfg-options KEY=VALUE ...] [--launcher {none,pytorch,slurm,mpi}]

CONFIG is a file or a packaged config relative to ``configs/``. Runs the config's test loop
and evaluator; the metrics are logged. Multi-GPU: ``tools/dist_test.sh CONFIG CHECKPOINT GPUS``.
"""
import sys
from typing import Optional, Sequence


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Build the Runner with the checkpoint's weights and run its test loop."""
    from sapiens_mm.apis import add_dump_results, build_runner, load_test_config, parse_test_args
    args = parse_test_args(argv)
    runner = build_runner(load_test_config(args))
    if args.out is not None:
        add_dump_results(runner, args.out)
    runner.test()
    return 0


if __name__ == '__main__':
    sys.exit(main())

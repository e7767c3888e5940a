"""The command lines of ``tools/train.py`` / ``sapiens-train`` and ``tools/test.py`` /
``sapiens-test``, with argparse alone: ``--help`` answers without importing torch or the
OpenMMLab libraries (seconds of imports). The options follow the upstream
mmpretrain/mmpose/mmseg tools; what they do is in :mod:`sapiens_mm.engine.runner`.
"""
import argparse
import os
from typing import Optional, Sequence

__all__ = ['train_parser', 'test_parser', 'parse_train_args', 'parse_test_args']


class _CfgOptionsAction(argparse.Action):
    """mmengine's ``DictAction`` (``key=value`` pairs, lists as ``key="[a,b]"`` or
    ``key=a,b``), imported when the option is given, so that ``--help`` needs no mmengine."""

    def __call__(self, parser, namespace, values, option_string=None):
        from mmengine.config import DictAction
        DictAction(self.option_strings, self.dest, nargs=self.nargs)(
            parser, namespace, values, option_string)


def _parser(description: str) -> argparse.ArgumentParser:
    """Parser with the config path and the options both tools have."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('config', help='config file path')
    parser.add_argument('--work-dir', help='directory for logs and checkpoints '
                        '(default: the config\'s work_dir, else ./work_dirs/<config name>)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=_CfgOptionsAction,
        help='override config settings, e.g. train_cfg.max_epochs=3 '
        'optim_wrapper.optimizer.lr=1e-4; lists as key="[a,b]" or key=a,b (no spaces)')
    parser.add_argument(
        '--show-dir', help='turn the config\'s visualization hook on and write its pictures '
        'into this directory (relative to the current one), as mmpose/mmseg\'s flag: every test '
        'sample; while training, the validation pictures of the dense tasks (pose validation '
        'pictures go to the vis backends, as in mmpose)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    # torch.distributed.launch passes --local-rank (torch >= 2.0) or --local_rank.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser


def train_parser() -> argparse.ArgumentParser:
    """The parser of ``tools/train.py``."""
    parser = _parser('Train a model with an OpenMMLab config')
    parser.add_argument(
        '--resume', nargs='?', const='auto',
        help='resume from CKPT, or without CKPT from the latest checkpoint in the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision: AmpOptimWrapper (fp16, dynamic loss '
                        'scale) with CUDA, bf16 autocast (AutocastOptimWrapper) without')
    return parser


def test_parser() -> argparse.ArgumentParser:
    """The parser of ``tools/test.py``."""
    parser = _parser('Test (and evaluate) a checkpoint with an OpenMMLab config')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='also dump the predictions to this .pkl file')
    return parser


def _parse(parser: argparse.ArgumentParser,
           argv: Optional[Sequence[str]]) -> argparse.Namespace:
    """Parse ``argv`` and export ``LOCAL_RANK`` for launchers that only pass the flag."""
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def parse_train_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Arguments of ``tools/train.py`` (``sys.argv[1:]`` when ``argv`` is None)."""
    return _parse(train_parser(), argv)


def parse_test_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Arguments of ``tools/test.py`` (``sys.argv[1:]`` when ``argv`` is None)."""
    return _parse(test_parser(), argv)

"""Command-line handling shared by ``tools/train.py`` and ``tools/test.py``.

The tools take an OpenMMLab config of any ``default_scope`` (mmpretrain, mmpose, mmseg or none)
and hand it to an mmengine ``Runner``; the Runner switches to the config's scope itself, so
nothing here depends on it. The options follow the upstream mmpretrain/mmpose/mmseg tools.
Explicit flags (``--work-dir``, ``--resume``, ``--amp``, ``--show-dir``, the checkpoint) are
applied after ``--cfg-options`` and therefore win over it.
"""
import argparse
import logging
import os
import os.path as osp
from typing import Optional, Sequence

import torch
from mmengine.config import Config, DictAction
from mmengine.evaluator import DumpResults
from mmengine.logging import print_log
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from ..utils.config_paths import config_file
from .distributed import is_flexible_runner_config, prepare_cpu_distributed

__all__ = ['parse_train_args', 'parse_test_args', 'load_train_config', 'load_test_config',
           'add_dump_results', 'build_runner', 'enable_show_dir']


def _parser(description: str) -> argparse.ArgumentParser:
    """Parser with the config path and the options both tools have."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('config', help='config file path')
    parser.add_argument('--work-dir', help='directory for logs and checkpoints '
                        '(default: the config\'s work_dir, else ./work_dirs/<config name>)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
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


def _parse(parser: argparse.ArgumentParser,
           argv: Optional[Sequence[str]]) -> argparse.Namespace:
    """Parse ``argv`` and export ``LOCAL_RANK`` for launchers that only pass the flag."""
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def parse_train_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Arguments of ``tools/train.py`` (``sys.argv[1:]`` when ``argv`` is None)."""
    parser = _parser('Train a model with an OpenMMLab config')
    parser.add_argument(
        '--resume', nargs='?', const='auto',
        help='resume from CKPT, or without CKPT from the latest checkpoint in the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision: AmpOptimWrapper (fp16, dynamic loss '
                        'scale) with CUDA, bf16 autocast (AutocastOptimWrapper) without')
    return _parse(parser, argv)


def parse_test_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Arguments of ``tools/test.py`` (``sys.argv[1:]`` when ``argv`` is None)."""
    parser = _parser('Test (and evaluate) a checkpoint with an OpenMMLab config')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='also dump the predictions to this .pkl file')
    return _parse(parser, argv)


def _load_config(args: argparse.Namespace) -> Config:
    """Read the config and apply ``--cfg-options``, ``--launcher`` and ``--work-dir``."""
    cfg = Config.fromfile(config_file(args.config))
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    if args.launcher != 'none' and not torch.cuda.is_available():
        # NCCL needs GPUs; gloo is PyTorch's CPU backend for the same collectives.
        cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    return cfg


def enable_show_dir(cfg: Config, show_dir: str, testing: bool) -> None:
    """Turn on ``cfg.default_hooks.visualization`` and point its pictures at ``show_dir``.

    * mmpose's ``PoseVisualizationHook``: ``enable=True``, ``out_dir`` = absolute ``show_dir``,
      as mmpose's ``tools/test.py --show-dir``. Upstream (mmpose 1.3) re-joins ``out_dir`` to
      ``{work_dir}/{timestamp}`` on every test iteration, so a relative one nests a level
      deeper per batch; an absolute path is left as it is. Pictures: ``{stem}_{n}.{ext}``;
    * :class:`~sapiens_mm.engine.hooks.DenseVisualizationHook`: ``draw=True``, ``out_dir`` the
      same; when ``testing``, every sample (``interval=1``, no ``max_images`` budget);
    * mmseg's ``SegVisualizationHook``: ``draw=True`` and ``visualizer.save_dir=show_dir``,
      as mmseg's ``tools/test.py --show-dir``.
    """
    hook = (cfg.get('default_hooks') or {}).get('visualization')
    if hook is None:
        raise ValueError(f'--show-dir: the config {cfg.filename} has no '
                         'default_hooks.visualization to turn on')
    kind = hook.get('type')
    kind = kind if isinstance(kind, str) else getattr(kind, '__name__', str(kind))
    kind = kind.split('.')[-1]
    out_dir = osp.abspath(show_dir)
    if kind == 'PoseVisualizationHook':
        hook.update(enable=True, out_dir=out_dir)
    elif kind == 'DenseVisualizationHook':
        hook.update(draw=True, out_dir=out_dir)
        if testing:
            hook.update(interval=1, max_images=None)
    elif kind == 'SegVisualizationHook':
        hook['draw'] = True
        cfg.visualizer['save_dir'] = out_dir
    else:
        raise ValueError(f'--show-dir: the config {cfg.filename} has a visualization hook of '
                         f'type {kind!r}; --show-dir knows PoseVisualizationHook, '
                         'DenseVisualizationHook and SegVisualizationHook')


def _enable_amp(cfg: Config) -> None:
    """Switch a plain ``OptimWrapper`` to mixed precision: mmengine's ``AmpOptimWrapper``
    (fp16 autocast, dynamic loss scaling) with CUDA; without CUDA, where ``AmpOptimWrapper``
    refuses to build, :class:`~sapiens_mm.engine.AutocastOptimWrapper` (bf16 autocast, no loss
    scale: bf16 has fp32's exponent range)."""
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    wrapper_name = wrapper if isinstance(wrapper, str) else wrapper.__name__
    if wrapper_name in ('AmpOptimWrapper', 'AutocastOptimWrapper'):
        print_log(f'--amp: the config already uses {wrapper_name}; left unchanged',
                  logger='current', level=logging.WARNING)
        return
    if wrapper_name != 'OptimWrapper':
        raise ValueError(f'--amp replaces OptimWrapper by a mixed-precision wrapper, but the '
                         f'config uses optim_wrapper.type={wrapper_name!r}')
    if torch.cuda.is_available():
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    else:
        cfg.optim_wrapper.type = 'AutocastOptimWrapper'
        cfg.optim_wrapper.setdefault('dtype', 'bfloat16')


def load_train_config(args: argparse.Namespace) -> Config:
    """The config ``tools/train.py`` builds its Runner from.

    ``--resume CKPT`` resumes from CKPT; a bare ``--resume`` lets the Runner pick the latest
    checkpoint of the work dir (``load_from`` is cleared so a pretrained-weights path in the
    config is not taken for one).
    """
    cfg = _load_config(args)
    if args.show_dir:
        enable_show_dir(cfg, args.show_dir, testing=False)
    if args.amp:
        _enable_amp(cfg)
    if args.resume is not None:
        cfg.resume = True
        cfg.load_from = None if args.resume == 'auto' else args.resume
    return cfg


def load_test_config(args: argparse.Namespace) -> Config:
    """The config ``tools/test.py`` builds its Runner from: weights from the checkpoint.

    ``CHECKPOINT`` = ``none`` evaluates the model as built (untrained weights, pretrained
    backbones not loaded): the baseline a trained model must beat.
    """
    cfg = _load_config(args)
    if args.show_dir:
        enable_show_dir(cfg, args.show_dir, testing=True)
    if args.checkpoint.lower() == 'none':
        print_log('tools/test.py: no checkpoint, evaluating untrained weights', logger='current',
                  level=logging.WARNING)
        cfg.load_from = None
    else:
        cfg.load_from = args.checkpoint
    return cfg


def add_dump_results(runner: Runner, out_file: str) -> None:
    """Make ``runner.test()`` also dump the predictions to ``out_file`` (``.pkl``).

    Added to the built test evaluator, which works for every way a config can write
    ``test_evaluator`` (a metric, a list of them, or an ``Evaluator`` dict).
    """
    runner.test_evaluator.metrics.append(DumpResults(out_file_path=out_file))


def build_runner(cfg: Config) -> Runner:
    """Build the Runner: the ``runner_type`` registered in ``RUNNERS`` if the config names
    one, mmengine's ``FlexibleRunner`` if it has a ``strategy`` (FSDP, DeepSpeed ...),
    mmengine's ``Runner`` otherwise.

    With a launcher and no CUDA, the gloo process group is created first and the DDP/FSDP
    wrapper is put on the CPU (:func:`~sapiens_mm.apis.distributed.prepare_cpu_distributed`).
    """
    prepare_cpu_distributed(cfg)
    if is_flexible_runner_config(cfg):
        cfg.setdefault('runner_type', 'FlexibleRunner')
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)

"""Command-line handling shared by ``tools/train.py`` and ``tools/test.py``.

The tools take an OpenMMLab config of any ``default_scope`` (mmpretrain, mmpose, mmseg or none)
and hand it to an mmengine ``Runner``; the Runner switches to the config's scope itself, so
nothing here depends on it. The options follow the upstream mmpretrain/mmpose/mmseg tools.
Explicit flags (``--work-dir``, ``--resume``, ``--amp``, ``--show-dir``, the checkpoint) are
applied after ``--cfg-options`` and therefore win over it.
"""
import argparse
import logging
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.evaluator import DumpResults
from mmengine.logging import print_log
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from sapiens_mm.utils.config_paths import read_config
from sapiens_mm.utils.runner_args import parse_test_args, parse_train_args  # noqa: F401
from .distributed import is_flexible_runner_config, prepare_cpu_distributed

__all__ = ['parse_train_args', 'parse_test_args', 'load_train_config', 'load_test_config',
           'add_dump_results', 'build_runner', 'enable_show_dir', 'check_cfg_options',
           'load_test_weights', 'ConfigOptionError']


class ConfigOptionError(ValueError):
    """A ``--cfg-options`` key that the config does not have (with the closest keys)."""



def _load_config(args: argparse.Namespace) -> Config:
    """Read the config and apply ``--cfg-options``, ``--launcher`` and ``--work-dir``."""
    cfg = read_config(args.config)  # a broken file: one line naming it
    if args.cfg_options:
        check_cfg_options(cfg, args.cfg_options, args.config)
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
def _runner_arguments() -> set:
    """Top-level config keys a Runner reads (``Runner.__init__``/``FlexibleRunner`` args)."""
    import inspect
    from mmengine.runner import FlexibleRunner
    keys = {'runner_type', 'launcher', 'custom_imports', 'default_scope', 'model_wrapper_cfg'}
    for cls in (Runner, FlexibleRunner):
        keys |= set(inspect.signature(cls.__init__).parameters) - {'self'}
    return keys


def _close(key: str, choices) -> str:
    import difflib
    close = difflib.get_close_matches(key, [str(c) for c in choices], n=3, cutoff=0.5)
    return f'; closest existing keys: {", ".join(close)}' if close else ''


def _hook_parameters(hook_type, scope: Optional[str]) -> Optional[set]:
    """Keyword arguments a hook class takes, or None when it cannot be told (unknown type,
    ``**kwargs`` other than ``CheckpointHook``'s, which go to ``Runner.save_checkpoint``)."""
    import inspect
    from mmengine.hooks import CheckpointHook
    from mmengine.registry import HOOKS
    cls = hook_type
    if isinstance(hook_type, str):
        cls = None
        for name in ([f'{scope}.{hook_type}'] if scope else []) + [hook_type]:
            try:
                cls = HOOKS.get(name)
            except Exception:  # an unimported scope
                cls = None
            if cls is not None:
                break
    if not inspect.isclass(cls):
        return None
    params = inspect.signature(cls.__init__).parameters
    names = set(params) - {'self'}
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        if not issubclass(cls, CheckpointHook):
            return None
        names |= set(inspect.signature(Runner.save_checkpoint).parameters) - {'self'}
    return {n for n in names
            if params.get(n) is None or params[n].kind is not params[n].VAR_KEYWORD}


def check_cfg_options(cfg: Config, options: dict, config_path: str = '<config>') -> None:
    """Refuse ``--cfg-options`` keys that would be silently ignored or fail late.

    * a top-level key neither in the config nor read by the Runner (``optim_wraper.…``:
      mmengine merges it as a new key nobody reads, and training runs with the old value);
    * a new key of a hook in ``default_hooks`` that the hook class does not take (mmengine
      builds the hook only when the Runner is created, and ``CheckpointHook`` passes unknown
      keys on to ``Runner.save_checkpoint``, which fails at the first checkpoint).

    Raises :class:`ConfigOptionError` naming the config file, the key and the closest keys.
    """
    top_keys = set(cfg.keys()) | _runner_arguments()
    for key in options:
        parts = key.split('.')
        if parts[0] not in top_keys:
            raise ConfigOptionError(f'{config_path}: --cfg-options {key}: the config has no '
                                    f'top-level key {parts[0]!r}{_close(parts[0], cfg.keys())}')
        if parts[0] == 'default_hooks' and len(parts) == 3:
            hooks = cfg.get('default_hooks') or {}
            hook = hooks.get(parts[1])
            if hook is None:
                continue  # a new hook: mmengine builds it with its own checks
            if parts[2] in hook or parts[2] == 'type':
                continue
            params = _hook_parameters(hook.get('type'), cfg.get('default_scope'))
            if params is not None and parts[2] not in params:
                raise ConfigOptionError(
                    f'{config_path}: --cfg-options {key}: {hook.get("type")} takes no '
                    f'argument {parts[2]!r}{_close(parts[2], params)}')


def load_test_weights(runner: Runner, checkpoint: str) -> None:
    """Load ``tools/test.py``'s checkpoint into the runner's model, strictly.

    mmengine's ``load_from`` loads non-strictly: another task's, another size's or an empty
    checkpoint evaluates random weights and exits 0. This uses
    :func:`~sapiens_mm.checkpoint.load_model_weights` with ``strict=True`` (any path form,
    weights-only; no key matched, a missing tensor, a shape mismatch, NaN/inf: a
    ``CheckpointError`` naming the file and the keys). ``none`` loads nothing.
    """
    from mmengine.model import is_model_wrapper
    from sapiens_mm.checkpoint import load_model_weights
    if checkpoint is None or str(checkpoint).lower() == 'none':
        return
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    if not isinstance(model, torch.nn.Module):
        # FlexibleRunner builds the model inside test(); its strategy loads load_from
        # (weights-only through sapiens_mm's mmengine scheme, but not strictly)
        print_log(f'{type(runner).__name__} builds its model in test(): {checkpoint} is loaded '
                  'by its strategy, weights-only but without the strict fit check',
                  logger='current', level=logging.WARNING)
        runner._load_from = checkpoint
        return
    load_model_weights(model, checkpoint, logger=runner.logger, strict=True)


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
        if args.resume == 'auto':
            from mmengine.runner import find_latest_checkpoint
            if find_latest_checkpoint(cfg.work_dir) is None:
                # mmengine would log 'Auto resumed from the latest checkpoint None.'
                print_log(f'--resume: nothing to resume in {cfg.work_dir} (no '
                          'last_checkpoint file); training starts from scratch',
                          logger='current', level=logging.WARNING)
    return cfg


def load_test_config(args: argparse.Namespace) -> Config:
    """The config ``tools/test.py`` builds its Runner from: weights from the checkpoint.

    ``CHECKPOINT`` = ``none`` evaluates the model as built (untrained weights, pretrained
    backbones not loaded): the baseline a trained model must beat. Otherwise ``load_from`` is
    cleared: the checkpoint is loaded strictly by :func:`load_test_weights` once the Runner
    is built (mmengine's ``load_from`` is not strict).
    """
    cfg = _load_config(args)
    if args.show_dir:
        enable_show_dir(cfg, args.show_dir, testing=True)
    if args.checkpoint.lower() == 'none':
        print_log('tools/test.py: no checkpoint, evaluating untrained weights', logger='current',
                  level=logging.WARNING)
    cfg.load_from = None
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
    wrapper is put on the CPU
    (:func:`~sapiens_mm.engine.runner.distributed.prepare_cpu_distributed`).

    With ``resume`` and a ``load_from`` checkpoint, the checkpoint is first checked to fit the
    model (:func:`~sapiens_mm.checkpoint.check_model_checkpoint`): another task's checkpoint
    is a ``CheckpointError`` naming the file, not mmengine's ``loaded state dict contains a
    parameter group that doesn't match the size of optimizer's group``. Without ``resume``,
    mmengine's ``load_from`` loads non-strictly (for transfer between heads), so only the
    family is checked (:func:`~sapiens_mm.checkpoint.check_checkpoint_family`): a Sapiens
    file in a Sapiens2 model or back would match no backbone key and train from random
    weights with exit 0. The file is read once more for it (seconds for a 2 GB file).
    """
    prepare_cpu_distributed(cfg)
    if is_flexible_runner_config(cfg):
        cfg.setdefault('runner_type', 'FlexibleRunner')
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
    if cfg.get('load_from'):
        from mmengine.model import is_model_wrapper
        from sapiens_mm.checkpoint import check_checkpoint_family, check_model_checkpoint
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not isinstance(model, torch.nn.Module):  # FlexibleRunner builds it in train()
            model = _model_on_meta_device(cfg)
        if model is not None and cfg.get('resume'):
            check_model_checkpoint(model, cfg.load_from, strict=True)
        elif model is not None:  # fine-tuning: only the family (a v1 file in v2 or back)
            check_checkpoint_family(model, cfg.load_from)
    return runner


def _model_on_meta_device(cfg: Config) -> Optional[torch.nn.Module]:
    """``cfg.model`` built on the meta device (shapes and dtypes, no memory), to check a
    ``--resume`` checkpoint before a ``FlexibleRunner`` (FSDP, DeepSpeed) builds, shards and
    resumes the model in ``train()``, where another task's checkpoint fails deep inside the
    strategy. None (no check) for a model that cannot be built there."""
    from mmengine.registry import MODELS
    try:
        with torch.device('meta'):
            return MODELS.build(cfg.model)
    except Exception as e:  # e.g. a model calling .item() in __init__
        print_log(f'--resume {cfg.load_from}: not checked against the model before training '
                  f'(it cannot be built on the meta device: {type(e).__name__}: {e})',
                  logger='current', level=logging.WARNING)
        return None

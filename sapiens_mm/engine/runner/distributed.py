"""Distributed training on machines without CUDA: DDP / FSDP over gloo, through mmengine.

mmengine's ``init_dist('pytorch')`` calls ``torch.cuda.set_device(LOCAL_RANK)`` before it
creates the process group, and its DDP/FSDP wrappers are built with
``device_ids=[LOCAL_RANK]`` (``device_id`` for FSDP). Both fail when no GPU is visible, which
makes ``tools/dist_train.sh`` unusable on CPU. :func:`prepare_cpu_distributed` fixes both ahead
of the Runner, without changing mmengine:

* it creates the default process group itself (gloo, ``env://`` rendezvous from torchrun's
  ``RANK``/``WORLD_SIZE``/``MASTER_ADDR``/``MASTER_PORT``), with the config's
  ``env_cfg.dist_cfg`` options (``timeout`` in seconds as in mmengine); ``Runner.setup_env``
  and the strategies' ``_setup_distributed`` skip ``init_dist`` when a group exists;
* it puts the wrapper on the CPU module: ``device_ids=None`` for DDP, ``device_id='cpu'`` for
  FSDP (torch's FSDP takes ``device_id=None`` for "no device given" and then refuses a CPU
  module without an accelerator, while an explicit CPU device is accepted; mmengine's
  ``FSDPStrategy`` defaults it to ``LOCAL_RANK``, a GPU index): ``model_wrapper_cfg`` for
  mmengine's ``Runner`` (a config's own wrapper settings are kept), ``strategy.model_wrapper``
  for ``FlexibleRunner`` (``DDPStrategy`` when the config names no strategy, as
  ``FlexibleRunner`` would choose).

With CUDA, or without a launcher, nothing changes.
"""
import datetime
import logging
import os

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine._strategy import DDPStrategy, FSDPStrategy
from mmengine.logging import print_log
from mmengine.registry import STRATEGIES

__all__ = ['prepare_cpu_distributed', 'is_flexible_runner_config']



def is_flexible_runner_config(cfg: Config) -> bool:
    """Whether the config trains with mmengine's ``FlexibleRunner``: it says so in
    ``runner_type`` or it has a ``strategy`` (which only ``FlexibleRunner`` reads)."""
    runner_type = cfg.get('runner_type')
    name = runner_type if isinstance(runner_type, (str, type(None))) else runner_type.__name__
    return name == 'FlexibleRunner' or (name is None and cfg.get('strategy') is not None)


def _init_gloo_group(cfg: Config) -> None:
    """The default process group over gloo from torchrun's environment variables."""
    missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
               if k not in os.environ]
    if missing:
        raise RuntimeError(f'--launcher pytorch expects the variables torchrun sets, but '
                           f'{", ".join(missing)} are not set; start with tools/dist_train.sh '
                           f'or torchrun')
    kwargs = dict(cfg.get('env_cfg', {}).get('dist_cfg', {}))
    kwargs.pop('backend', None)
    if kwargs.get('timeout') is not None:  # seconds in mmengine configs
        kwargs['timeout'] = datetime.timedelta(seconds=kwargs['timeout'])
    torch_dist.init_process_group(backend='gloo', **kwargs)
    print_log(f'CPU distributed: gloo process group, rank {torch_dist.get_rank()} of '
              f'{torch_dist.get_world_size()}', logger='current', level=logging.INFO)


def _cpu_model_wrapper(cfg: Config) -> None:
    """Wrapper settings that put DDP/FSDP on the CPU module (DDP ``device_ids=None``, FSDP
    ``device_id='cpu'``)."""
    if is_flexible_runner_config(cfg):
        strategy = cfg.get('strategy') or dict(type='DDPStrategy')
        kind = strategy['type']
        cls = STRATEGIES.get(kind) if isinstance(kind, str) else kind
        name = kind if isinstance(kind, str) else kind.__name__
        is_fsdp = isinstance(cls, type) and issubclass(cls, FSDPStrategy)
        if not (isinstance(cls, type) and issubclass(cls, DDPStrategy)):  # FSDP is one too
            raise ValueError(f'strategy {name!r} needs CUDA; on CPU use DDPStrategy, '
                             f'FSDPStrategy or a subclass (e.g. SapiensFSDPStrategy)')
        default_wrapper = ('MMFullyShardedDataParallel' if is_fsdp else
                           'MMDistributedDataParallel')
        wrapper = dict(strategy.get('model_wrapper') or dict(type=default_wrapper))
        if is_fsdp:
            wrapper['device_id'] = 'cpu'
        else:
            wrapper.setdefault('broadcast_buffers', False)  # what DDPStrategy defaults to
            wrapper['device_ids'] = None
        strategy['model_wrapper'] = wrapper
        cfg.strategy = strategy
    else:
        wrapper = dict(cfg.get('model_wrapper_cfg') or {})
        # What Runner.wrap_model builds when the config has no model_wrapper_cfg.
        wrapper.setdefault('type', 'MMDistributedDataParallel')
        wrapper.setdefault('broadcast_buffers', False)
        wrapper.setdefault('find_unused_parameters', cfg.get('find_unused_parameters', False))
        wrapper['device_ids'] = None
        cfg.model_wrapper_cfg = wrapper


def prepare_cpu_distributed(cfg: Config) -> None:
    """Make a launcher config (``cfg.launcher != 'none'``) train on a machine without CUDA:
    gloo process group created here, DDP/FSDP wrappers on the CPU module. Modifies ``cfg``.

    A no-op with CUDA or without a launcher. Only torchrun's ``pytorch`` launcher is supported
    on CPU (mmengine's slurm and mpi paths also select a GPU before anything else).
    """
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or torch.cuda.is_available():
        return
    if launcher != 'pytorch':
        raise ValueError(f'--launcher {launcher} needs CUDA; without GPUs start the processes '
                         f'with torchrun (tools/dist_train.sh, --launcher pytorch)')
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    if not torch_dist.is_initialized():
        _init_gloo_group(cfg)
    _cpu_model_wrapper(cfg)

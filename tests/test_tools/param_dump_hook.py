"""Test-only hooks (imported by configs via ``custom_imports``).

``ParamDumpHook``: every rank writes its model's full parameters to
``{work_dir}/params_{before,after}_rank{R}.pt`` before and after training (under FSDP gathered
with ``summon_full_params``, names without the wrappers' prefixes), and under FSDP
``{work_dir}/wrap_rank{R}.json``: the wrapper class, its number of FSDP units and of
activation-checkpointed modules, the mixed-precision parameter dtype and whether this rank holds
fewer parameter elements than the full model (sharded).
``LossRecordHook``: every rank writes ``{work_dir}/losses_rank{R}.json``, ``[[iter, loss], ...]``
of the iterations it trained (``iter`` counts from 0 over the whole run, so a resumed run
continues the numbering).
"""
import json
import os.path as osp

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS
from torch.distributed.algorithms._checkpoint.checkpoint_wrapper import CheckpointWrapper
from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

_PREFIXES = ('_fsdp_wrapped_module.', '_checkpoint_wrapped_module.')


def _clean(name):
    for p in _PREFIXES:
        name = name.replace(p, '')
    return name


@HOOKS.register_module(force=True)
class ParamDumpHook(Hook):

    def _dump(self, runner, when):
        if isinstance(runner.model, FSDP):
            local = sum(p.numel() for p in runner.model.parameters())
            with FSDP.summon_full_params(runner.model, writeback=False):
                params = {_clean(k): v.detach().cpu().clone()
                          for k, v in runner.model.module.named_parameters()}
            modules = list(runner.model.modules())
            wrap = dict(wrapper=type(runner.model).__name__,
                        fsdp_units=sum(isinstance(m, FSDP) for m in modules),
                        checkpointed=sum(isinstance(m, CheckpointWrapper) for m in modules),
                        param_dtype=str(runner.model.mixed_precision.param_dtype),
                        sharded=local < sum(v.numel() for v in params.values()))
            with open(osp.join(runner.work_dir, f'wrap_rank{get_rank()}.json'), 'w') as f:
                json.dump(wrap, f)
        else:
            model = runner.model.module if is_model_wrapper(runner.model) else runner.model
            params = {k: v.detach().cpu().clone() for k, v in model.named_parameters()}
        torch.save(params, osp.join(runner.work_dir, f'params_{when}_rank{get_rank()}.pt'))

    def before_train(self, runner):
        self._dump(runner, 'before')

    def after_train(self, runner):
        self._dump(runner, 'after')


@HOOKS.register_module(force=True)
class LossRecordHook(Hook):
    priority = 'LOWEST'

    def before_train(self, runner):
        self.losses = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append([runner.iter, float(outputs['loss'])])

    def after_train(self, runner):
        with open(osp.join(runner.work_dir, f'losses_rank{get_rank()}.json'), 'w') as f:
            json.dump(self.losses, f)

"""Test-only faults, imported by test configs via ``custom_imports``.

* ``KillAtIterHook(iter=k)``: the training process SIGKILLs itself right after iteration ``k``
  (1-based, as logged): an abrupt death at a known point, no clean-up, no exit handlers.
* ``NaNAtCallKeypointLoss(nan_at_call=k)``: the tiny pose config's loss
  (``BatchKeypointOHKMMSELoss``) whose ``k``-th training call (1-based) returns NaN, as a corrupt
  batch would.
"""
import os
import signal

import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from mmpose.registry import MODELS as MMPOSE_MODELS

from sapiens_mm.models.losses import BatchKeypointOHKMMSELoss


def _die():
    os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module(force=True)
class KillAtIterHook(Hook):
    priority = 'LOWEST'  # after the logger has written the iteration

    def __init__(self, iter: int):
        self.kill_iter = iter

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter + 1 == self.kill_iter:
            _die()


@MMPOSE_MODELS.register_module(force=True)
class NaNAtCallKeypointLoss(BatchKeypointOHKMMSELoss):

    def __init__(self, nan_at_call: int, **kwargs):
        super().__init__(**kwargs)
        self.nan_at_call = nan_at_call
        self.calls = 0

    def forward(self, *args, **kwargs):
        loss = super().forward(*args, **kwargs)
        if torch.is_grad_enabled():
            self.calls += 1
            if self.calls == self.nan_at_call:
                return loss * float('nan')
        return loss

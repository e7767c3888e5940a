"""Stop training at the first non-finite loss, before it reaches the weights.

The original Sapiens code "skips" a bad loss by multiplying it by 0.0, which leaves NaN as NaN
(``0 * nan = nan``), so one bad batch silently poisons the weights. The rule here:

    A training iteration whose loss dict (what the model returns in ``mode='loss'``) holds a
    NaN or infinite value in any term whose name contains ``'loss'`` (the terms mmengine sums
    into the optimised loss) raises :class:`NonFiniteLossError` naming the iteration, the epoch
    and every non-finite term. The check runs right after the forward pass, before the
    backward pass and the optimizer step, so the weights, the optimizer state and every saved
    checkpoint stay finite; resume from the last checkpoint after fixing the cause.

The check is a forward hook on the model (inside the DDP/FSDP wrapper), registered by
``NonFiniteLossHook.before_train`` and removed in ``after_train``; it only looks at outputs in
training mode that are loss dicts. In a distributed run the rank that sees the bad loss raises,
and torchrun stops the other ranks.
"""
from typing import Dict, List

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from sapiens_mm.registry import HOOKS

__all__ = ['NonFiniteLossHook', 'NonFiniteLossError', 'non_finite_terms']


class NonFiniteLossError(FloatingPointError):
    """A loss term was NaN or infinite in a training iteration."""


def _values(value) -> List[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in _values(item)]
    return []


def non_finite_terms(losses: Dict) -> Dict[str, float]:
    """``{name: first non-finite value}`` of the loss terms (names containing ``'loss'``;
    values a tensor or a list of tensors) that hold a NaN or an infinity."""
    bad = {}
    for name, value in losses.items():
        if 'loss' not in name:
            continue
        for tensor in _values(value):
            finite = torch.isfinite(tensor.detach())
            if not bool(finite.all()):
                bad[name] = float(tensor.detach()[~finite].flatten()[0])
                break
    return bad


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Raise :class:`NonFiniteLossError` at the first non-finite loss term (module doc).

    Config (the default runtimes of sapiens_mm have it)::

        custom_hooks = [dict(type='NonFiniteLossHook')]
    """

    priority = 'VERY_HIGH'

    def __init__(self):
        self._handle = None
        self._runner = None

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        self._runner = runner
        self._handle = model.register_forward_hook(self._check)

    def after_train(self, runner) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    def _check(self, module, args, output) -> None:
        if not (module.training and isinstance(output, dict)):
            return
        bad = non_finite_terms(output)
        if bad:
            runner = self._runner
            terms = ', '.join(f'{name}={value}' for name, value in bad.items())
            raise NonFiniteLossError(
                f'Non-finite loss at iteration {runner.iter + 1} (epoch {runner.epoch + 1}): '
                f'{terms}. Training stopped before the backward pass, so the weights and the '
                f'checkpoints are finite; resume from the last checkpoint '
                f'({runner.work_dir}) after fixing the cause.')

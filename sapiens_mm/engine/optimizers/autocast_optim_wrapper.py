"""Mixed precision without a loss scaler: ``torch.autocast`` around the forward pass.

mmengine's ``AmpOptimWrapper`` refuses to build without a GPU (and always scales the loss,
which bf16 does not need: it has fp32's exponent range). ``AutocastOptimWrapper`` is mmengine's
plain ``OptimWrapper`` whose ``optim_context`` also enters mmengine's
:func:`mmengine.runner.amp.autocast` at ``dtype`` on the model's device type, so the forward
and the loss run in bf16 where autocast allows while parameters, gradients and optimizer state
stay fp32. ``tools/train.py --amp`` selects it when no GPU is visible::

    optim_wrapper = dict(type='AutocastOptimWrapper', dtype='bfloat16',
                         optimizer=dict(type='AdamW', lr=1e-4))
"""
from contextlib import contextmanager
from typing import Union

import torch
import torch.nn as nn
from mmengine.device import get_device
from mmengine.optim import OptimWrapper
from mmengine.runner.amp import autocast

from sapiens_mm.registry import OPTIM_WRAPPERS

__all__ = ['AutocastOptimWrapper']


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` that runs the forward pass under autocast at ``dtype``.

    Args:
        dtype (str | torch.dtype): autocast dtype, ``'bfloat16'`` (default; the only one CPU
            autocast supports) or ``'float16'`` (GPU only; without loss scaling, so prefer
            mmengine's ``AmpOptimWrapper`` for fp16).
        device_type (str, optional): ``'cpu'`` or ``'cuda'``; default: mmengine's current
            device.
        **kwargs: ``OptimWrapper`` arguments (``optimizer``, ``clip_grad``,
            ``accumulative_counts``).
    """

    def __init__(self, dtype: Union[str, torch.dtype] = 'bfloat16',
                 device_type: str = None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(dtype, str):
            if dtype not in ('bfloat16', 'float16'):
                raise ValueError(f"AutocastOptimWrapper: dtype must be 'bfloat16' or "
                                 f"'float16', got {dtype!r}")
            dtype = getattr(torch, dtype)
        self.cast_dtype = dtype
        self.device_type = device_type or get_device()
        if self.device_type == 'cpu' and dtype != torch.bfloat16:
            raise ValueError(f'AutocastOptimWrapper: CPU autocast supports bfloat16 only, '
                             f'got {dtype}')

    @contextmanager
    def optim_context(self, model: nn.Module):
        """mmengine's context (gradient-accumulation ``no_sync``) plus autocast."""
        with super().optim_context(model), autocast(device_type=self.device_type,
                                                    dtype=self.cast_dtype):
            yield

"""``SapiensFSDPStrategy``: mmengine's ``FSDPStrategy`` with resuming fixed (torch >= 2.1, CPU).

Two upstream bugs break ``--resume`` under FSDP; everything else is upstream's.

* mmengine 0.10's ``FSDPStrategy.load_optim_state_dict`` calls
``FSDP.optim_state_dict_to_load(state_dict, model, optimizer)``, torch 2.0's argument order.
  Since torch 2.1 the signature is ``optim_state_dict_to_load(model, optim, optim_state_dict)``,
  so ``--resume`` fails in torch with ``TypeError: unhashable type: 'dict'`` (the checkpoint's
  dict taken for the model). This subclass passes the arguments by name.
* torch's full optimizer state dict with ``use_orig_params=True`` all-gathers every state
  (``exp_avg``, ``exp_avg_sq`` ...) of an FSDP unit into one reused buffer and keeps views of
  it when ``offload_to_cpu=True``, relying on ``.cpu()`` to copy them
  (``torch.distributed.fsdp._optim_utils._unflatten_orig_param_states``). When FSDP computes
  on the CPU, ``.cpu()`` copies nothing: every state of a parameter ends up holding the last
  one gathered (a saved AdamW ``exp_avg`` equals its ``exp_avg_sq``) and a resumed run
  diverges. With a CPU compute device this subclass turns ``offload_to_cpu`` off for the
  optimizer state dict (the states are on the CPU anyway), which makes torch clone them.

The ``*_fsdp.py`` configs name it (``configs/_base_/strategies/fsdp_bf16_vit.py``).

On machines without CUDA ``tools/train.py`` sets the wrapper's ``device_id='cpu'`` and creates a
gloo process group (:func:`sapiens_mm.engine.runner.distributed.prepare_cpu_distributed`).
"""
import torch.nn as nn
from mmengine._strategy import FSDPStrategy
from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

from sapiens_mm.registry import STRATEGIES

__all__ = ['SapiensFSDPStrategy']


@STRATEGIES.register_module()
class SapiensFSDPStrategy(FSDPStrategy):
    """mmengine's ``FSDPStrategy`` (same arguments) whose optimizer state saves and loads
    correctly (see the module docstring)."""

    def _wrap_model(self, model: nn.Module) -> nn.Module:
        wrapped = super()._wrap_model(model)
        if wrapped is None:  # upstream returns nothing for an already wrapped model
            return wrapped
        device = getattr(wrapped, 'compute_device', None)
        config = self.optim_state_dict_config
        if device is not None and device.type == 'cpu' and \
                getattr(config, 'offload_to_cpu', False):
            config.offload_to_cpu = False
            wrapped.set_state_dict_type(wrapped, self.state_dict_type, self.state_dict_config,
                                        config)
            self.logger.info('FSDP on the CPU: optimizer state dicts without offload_to_cpu '
                             '(torch would keep views of a reused gather buffer)')
        return wrapped

    def load_optim_state_dict(self, state_dict: dict) -> None:
        """Load an optimizer state saved by :meth:`optim_state_dict` (full or local, as the
        strategy's ``state_dict_cfg`` says) into the sharded optimizer."""
        optim_state_dict = FSDP.optim_state_dict_to_load(
            model=self.model, optim=self.optim_wrapper.optimizer, optim_state_dict=state_dict)
        self.optim_wrapper.load_state_dict(optim_state_dict)

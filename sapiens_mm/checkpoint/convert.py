"""Re-writing checkpoints: the backbone alone (the ``_clean.pth`` files task configs load) or
the whole model, as ``.pth`` or ``.safetensors``."""
import os
from typing import Dict, Optional

import torch

from .loading import backbone_state_dict, load_checkpoint_file, model_state_dict, save_state_dict

__all__ = ['save_backbone_checkpoint', 'save_model_checkpoint']


def save_backbone_checkpoint(src: str, dst: str, prefix: Optional[str] = None
                             ) -> Dict[str, torch.Tensor]:
    """Write the backbone of checkpoint ``src`` as a flat state dict (the ``_clean.pth`` layout).

    ``src`` may be a raw MAE checkpoint (``backbone.*`` + ``neck.*``), a task checkpoint, or
    already flat. ``dst`` ending in ``.safetensors`` is written with safetensors, anything else
    with ``torch.save``. The cls token and the 1 + S^2 pretrain ``pos_embed`` are kept: fine-tune
    backbones drop and resize them when loading. Returns the saved dict.
    """
    sd = {k: v.detach().clone().contiguous()
          for k, v in backbone_state_dict(load_checkpoint_file(src), src, prefix).items()}
    save_state_dict(sd, dst, {'source': os.path.basename(src), 'layout': 'backbone'})
    return sd


def save_model_checkpoint(src: str, dst: str) -> Dict[str, torch.Tensor]:
    """Re-write checkpoint ``src`` (any layout) as its plain tensor dict at ``dst``.

    ``dst`` ending in ``.safetensors`` is written with safetensors (no pickle, loads without
    ``torch.load``), anything else as ``{'state_dict': ...}`` with ``torch.save``. Keys are
    kept as they are (``backbone.*``, ``head.*`` ...), so the result loads wherever ``src``
    does. Returns the tensor dict.
    """
    sd = {k: v.detach().contiguous() for k, v in
          model_state_dict(load_checkpoint_file(src), src).items()}
    save_state_dict(sd, dst, {'source': os.path.basename(src)}, wrap=True)
    return sd

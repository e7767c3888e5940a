"""Turning training checkpoints into the files task configs load."""
import os
from typing import Dict, Optional

import torch

from .loading import backbone_state_dict, load_checkpoint_file

__all__ = ['save_backbone_checkpoint']


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
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    tmp = dst + '.tmp'
    if dst.endswith('.safetensors'):
        from safetensors.torch import save_file
        save_file(sd, tmp, metadata={'source': os.path.basename(src), 'layout': 'backbone'})
    else:
        torch.save(sd, tmp)
    os.replace(tmp, dst)  # never leave a half-written file under the final name
    return sd

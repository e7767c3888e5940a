"""MAE encoder with the Sapiens sizes: mmpretrain's ``MAEViT`` on top of :class:`SapiensViT`.

Used as the ``backbone`` of mmpretrain's ``MAE`` algorithm (with its ``MAEPretrainDecoder`` neck
and ``MAEPretrainHead``). Keys are those of the raw released pretrain checkpoints under
``backbone.``: a cls token and a fixed 2-D sin-cos ``pos_embed`` of (1, 1 + (S/16)^2, C).
"""
from typing import Optional

import torch
from mmpretrain.models.selfsup.mae import MAEViT

from sapiens_mm.registry import MODELS
from .sapiens_vit import SapiensViT

__all__ = ['SapiensMAEViT']


@MODELS.register_module()
class SapiensMAEViT(MAEViT, SapiensViT):
    """MAE-pretraining encoder for Sapiens (random patch masking, cls token, fixed pos_embed).

    Args:
        arch (str | dict): as :class:`SapiensViT`. Defaults to ``'sapiens_0.3b'``.
        img_size (int): square pretraining size in pixels. Defaults to 1024 (64x64 patches).
        mask_ratio (float): fraction of patches removed, in [0, 1). Defaults to 0.75.
        with_cp (bool): activation checkpointing of each layer while training.
        Other arguments as mmpretrain's ``MAEViT``.

    ``forward(x, mask=True)``: x (B, 3, S, S) -> (latent (B, 1 + L_keep, C),
    mask (B, L) with 1 = removed, ids_restore (B, L)), where L = (S/16)^2 and
    L_keep = int(L * (1 - mask_ratio)). ``forward(x, mask=None)`` (or ``False``) runs the plain
    encoder and returns what :class:`SapiensViT` returns for ``out_type``.
    """

    def __init__(self, arch='sapiens_0.3b', img_size=1024, mask_ratio: float = 0.75,
                 with_cp: bool = False, **kwargs):
        if not 0.0 <= mask_ratio < 1.0:
            raise ValueError(f'mask_ratio must be in [0, 1), got {mask_ratio}')
        super().__init__(arch=arch, img_size=img_size, mask_ratio=mask_ratio, **kwargs)
        # MAEViT.__init__ reaches SapiensViT.__init__ through the MRO with SapiensViT's
        # defaults for the arguments MAEViT does not pass.
        self.with_cp = with_cp

    def init_weights(self) -> None:
        if isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained':
            SapiensViT.init_weights(self)
        else:
            MAEViT.init_weights(self)

    def forward(self, x: torch.Tensor, mask: Optional[bool] = True):
        # Upstream tests `mask is None or False`, which masks when mask=False.
        if mask is None or mask is False:
            return SapiensViT.forward(self, x)
        B = x.shape[0]
        x = self.patch_embed(x)[0]
        x = x + self.pos_embed[:, 1:, :]
        x, mask, ids_restore = self.random_masking(x, self.mask_ratio)
        cls_token = self.cls_token + self.pos_embed[:, :1, :]
        x = torch.cat((cls_token.expand(B, -1, -1), x), dim=1)
        for layer in self.layers:
            x = self.run_layer(layer, x)
        x = self.ln1(x)  # MAE always applies the final norm
        return x, mask, ids_restore

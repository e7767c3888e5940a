"""Sapiens ViT backbone: mmpretrain's ``VisionTransformer`` with the Sapiens sizes.

The released Sapiens checkpoints were trained with mmpretrain's ViT (the release's
``pretrain/mmpretrain/models/backbones/vision_transformer.py`` differs from upstream only by
its ``arch_zoo`` entries and a cls-token branch of ``_prepare_pos_embed``), so
this class subclasses it and keeps its state-dict keys exactly::

    cls_token (1,1,C)  pos_embed (1,N,C)  patch_embed.projection.{weight,bias}
    layers.{i}.{ln1,attn.qkv,attn.proj,ln2,ffn.layers.0.0,ffn.layers.1}.{weight,bias}
    ln1.{weight,bias}                                   # final norm

What it adds to the upstream class:

* arch names ``sapiens_0.3b`` ... ``sapiens_2b`` (aliases ``0.3b`` ...) and ``sapiens_tiny``;
* loading of every released layout (flat ``_clean.pth``, raw MAE ``backbone.*``+``neck.*``,
  task ``state_dict`` with ``backbone.*``, ``.safetensors``) through ``init_cfg``, with errors that
  name the file when no key matches or shapes disagree (the original trains from random init);
* position-embedding adaptation that drops the pretrain cls position and resizes any grid
  (not only square ones), see :mod:`.pos_embed`;
* activation checkpointing (``with_cp``) and a switch between fused
  ``F.scaled_dot_product_attention`` and the explicit-math attention (``fused_attn``).
"""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.utils.checkpoint as cp
from mmpretrain.models.backbones import VisionTransformer
from mmpretrain.models.utils import resize_pos_embed
from mmpretrain.models.utils.attention import scaled_dot_product_attention_pyimpl

from sapiens_mm.registry import MODELS
from .pos_embed import adapt_pos_embed

__all__ = ['SapiensViT', 'SAPIENS_ARCHS']


def _arch(embed_dims: int, num_layers: int, num_heads: int) -> dict:
    return dict(embed_dims=embed_dims, num_layers=num_layers, num_heads=num_heads,
                feedforward_channels=4 * embed_dims)


#: Sapiens sizes (Sapiens paper, Table 1; ``arch_zoo`` of the release's vision_transformer.py).
#: Keys are lower-case; aliases share the dict.
SAPIENS_ARCHS = {
    **dict.fromkeys(['sapiens_0.3b', '0.3b'], _arch(1024, 24, 16)),
    **dict.fromkeys(['sapiens_0.6b', '0.6b'], _arch(1280, 32, 16)),
    **dict.fromkeys(['sapiens_1b', '1b'], _arch(1536, 40, 24)),
    **dict.fromkeys(['sapiens_2b', '2b'], _arch(1920, 48, 32)),
    # A small arch for tests and CPU demos; not a released size.
    'sapiens_tiny': _arch(128, 4, 4),
}


@MODELS.register_module()
class SapiensViT(VisionTransformer):
    """Plain ViT backbone of Sapiens (patch 16, pre-norm, final LayerNorm ``ln1``).

    Args:
        arch (str | dict): a name of :data:`SAPIENS_ARCHS` or of mmpretrain's ViT arch zoo, or a
            dict with ``embed_dims``, ``num_layers``, ``num_heads``, ``feedforward_channels``.
        img_size (int | tuple): input size (H, W) in pixels the position embedding is built for;
            other sizes are accepted at run time (bicubic resize of the embedding).
            Defaults to (1024, 768), the fine-tuning size.
        patch_size (int): patch side in pixels. Defaults to 16.
        patch_cfg (dict): extra PatchEmbed options, e.g. ``dict(padding=2)`` as the pose and
            normal configs of the release use.
        with_cls_token (bool): prepend a cls token. Defaults to False (fine-tuning).
        out_type (str): ``'featmap'`` (B, C, H/16, W/16), ``'raw'`` (B, N[+1], C),
            ``'cls_token'`` (B, C) or ``'avg_featmap'`` (B, C). Defaults to ``'featmap'``.
        out_indices (int | Sequence[int]): layers whose output is returned. Defaults to -1.
        frozen_stages (int): freeze patch embedding, pos embedding and the first N layers.
        drop_path_rate (float): stochastic depth, linear over layers. Defaults to 0.
        with_cp (bool): activation checkpointing of each layer while training (less memory,
            one more forward per layer in backward).
        fused_attn (bool): use ``F.scaled_dot_product_attention`` (True, default) or the
            explicit softmax(QK^T)V implementation (e.g. to read attention maps).
        init_cfg (dict, optional): ``dict(type='Pretrained', checkpoint=PATH[, prefix=...])``
            loads any released layout (see :func:`sapiens_mm.checkpoint.load_backbone_weights`).

    Shapes: input (B, 3, H, W) float; with ``out_type='featmap'`` each output is
    (B, C, ceil-ish(H/16), ceil-ish(W/16)) — exactly (B, C, 64, 48) for 1024x768.
    """
    arch_zoo = {**VisionTransformer.arch_zoo, **SAPIENS_ARCHS}
    #: which checkpoint family this backbone loads: a Sapiens2 file is refused by the loader
    checkpoint_family = 'sapiens'

    def __init__(self,
                 arch: Union[str, dict] = 'sapiens_0.3b',
                 img_size: Union[int, Tuple[int, int]] = (1024, 768),
                 patch_size: int = 16,
                 patch_cfg: Optional[dict] = None,
                 with_cls_token: bool = False,
                 out_type: str = 'featmap',
                 out_indices: Union[int, Sequence[int]] = -1,
                 frozen_stages: int = -1,
                 drop_path_rate: float = 0.,
                 with_cp: bool = False,
                 fused_attn: bool = True,
                 **kwargs):
        if isinstance(out_indices, Sequence):
            out_indices = list(out_indices)  # upstream normalises negatives in place
        super().__init__(
            arch=arch,
            img_size=img_size,
            patch_size=patch_size,
            patch_cfg=dict(patch_cfg or {}),
            with_cls_token=with_cls_token,
            out_type=out_type,
            out_indices=out_indices,
            frozen_stages=frozen_stages,
            drop_path_rate=drop_path_rate,
            **kwargs)
        self.with_cp = with_cp
        self.fused_attn = fused_attn
        if not fused_attn:
            for layer in self.layers:
                layer.attn.scaled_dot_product_attention = scaled_dot_product_attention_pyimpl

    def train(self, mode: bool = True):
        """As ``nn.Module.train`` (returns self, unlike mmpretrain's); frozen stages stay frozen."""
        super().train(mode)
        if mode and self.frozen_stages > 0:
            self._freeze_stages()
        return self

    # ------------------------------------------------------------------ weights
    def init_weights(self):
        """Random init, or load ``init_cfg['checkpoint']`` in any released layout.

        ``init_cfg=dict(type='Pretrained', checkpoint=None)`` means random init, so that a
        config can leave the checkpoint to ``--cfg-options ...init_cfg.checkpoint=PATH``.
        """
        if isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained':
            if self.init_cfg.get('checkpoint') is None:
                from mmengine.logging import MMLogger
                MMLogger.get_current_instance().warning(
                    f'{type(self).__name__}: init_cfg names no checkpoint; random init')
                init_cfg, self.init_cfg = self.init_cfg, None
                try:
                    super().init_weights()
                finally:
                    self.init_cfg = init_cfg
                return
            from sapiens_mm.checkpoint import load_backbone_weights
            load_backbone_weights(self, self.init_cfg['checkpoint'],
                                  prefix=self.init_cfg.get('prefix'))
            self._is_init = True
            return
        super().init_weights()

    def _prepare_pos_embed(self, state_dict, prefix, *args, **kwargs):
        """State-dict pre-hook: fit ``pos_embed`` of any checkpoint to this model's grid."""
        name = prefix + 'pos_embed'
        if name not in state_dict or state_dict[name].shape == self.pos_embed.shape:
            return
        old_shape = tuple(state_dict[name].shape)
        state_dict[name] = adapt_pos_embed(
            state_dict[name], tuple(self.patch_resolution), self.num_extra_tokens,
            mode=self.interpolate_mode)
        from mmengine.logging import MMLogger
        MMLogger.get_current_instance().info(
            f'Adapted pos_embed from {old_shape} to {tuple(self.pos_embed.shape)} '
            f'(cls token {"kept" if self.num_extra_tokens else "dropped"}, '
            f'{self.interpolate_mode} resize to a {self.patch_resolution} grid).')

    # ------------------------------------------------------------------ forward
    def add_pos_embed(self, x: torch.Tensor, patch_resolution: Tuple[int, int]) -> torch.Tensor:
        """Add the position embedding, resized on the fly if the input grid differs.

        ``x``: (B, [1 +] H*W, C) tokens including the cls token if the model has one.
        """
        return x + resize_pos_embed(
            self.pos_embed, self.patch_resolution, patch_resolution,
            mode=self.interpolate_mode, num_extra_tokens=self.num_extra_tokens)

    def run_layer(self, layer: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
        """One transformer layer, activation-checkpointed when ``with_cp`` and training."""
        if self.with_cp and self.training and torch.is_grad_enabled():
            return cp.checkpoint(layer, x, use_reentrant=False)
        return layer(x)

    def forward(self, x: torch.Tensor) -> tuple:
        """x: (B, 3, H, W) -> tuple with one entry per ``out_indices`` (see class doc)."""
        B = x.shape[0]
        x, patch_resolution = self.patch_embed(x)
        if self.cls_token is not None:
            x = torch.cat((self.cls_token.expand(B, -1, -1), x), dim=1)
        x = self.add_pos_embed(x, patch_resolution)
        x = self.pre_norm(self.drop_after_pos(x))

        outs = []
        for i, layer in enumerate(self.layers):
            x = self.run_layer(layer, x)
            if i == len(self.layers) - 1 and self.final_norm:
                x = self.ln1(x)
            if i in self.out_indices:
                outs.append(self._format_output(x, patch_resolution))
        return tuple(outs)

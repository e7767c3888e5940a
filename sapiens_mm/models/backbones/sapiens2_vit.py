"""Sapiens2 ViT backbone (Sapiens2, ICLR 2026), with the release's keys and numerics.

A port of the release's ``Sapiens2`` (``sapiens/backbones/standalone/sapiens2.py``; registered
copy ``sapiens/backbones/sapiens2.py``) as an mmengine module in the root ``MODELS`` registry,
so ``type='Sapiens2ViT'`` builds in the mmpose, mmseg and mmpretrain scopes.

What differs from the v1 :class:`~.sapiens_vit.SapiensViT`: no position-embedding parameter
(2-D RoPE on the patch tokens' q and k, :mod:`.sapiens2_rope`), a cls token **and 8 storage
tokens** in front (``[cls, s0..s7, patches]``, 9 prefix tokens), RMSNorm, separate
``wq``/``wk``/``wv`` with per-head QK RMSNorm, grouped-query attention (kv heads = heads / 2) in
all but the first 8 and last 8 blocks, layer scale on the attention branch only, SwiGLU FFN of
hidden width 4D (:mod:`.sapiens2_layers`), blocks under ``blocks.{i}``, and for the 4K model a
windowed tokenizer (:mod:`.sapiens2_tokenizer`) between patch embedding and encoder.

State-dict keys (exactly the release's, so a pretrain ``.safetensors`` loads without renaming
and a task file through its ``backbone.`` prefix)::

    cls_token (1,1,D)  storage_tokens (1,8,D)  patch_embed.projection.{weight (D,3,16,16), bias}
    rope_embed.periods (hd/4,) bf16 buffer
    blocks.{i}.ln1.weight  blocks.{i}.attn.{wq,wk,wv,proj}.{weight,bias}
    blocks.{i}.attn.{q_norm,k_norm}.weight (hd,)  blocks.{i}.attn.gamma.weight (D,)
    blocks.{i}.ln2.weight  blocks.{i}.ffn.{w12 (8D,D), w3 (D,4D)}.{weight,bias}
    ln1.weight                                                      # final RMSNorm
    tokenizer.{local_pos_embed, w_cls, blocks.{j}.*}                # use_tokenizer only

Numerics: the release's in order and dtype, including the bf16 RoPE (q and k are rounded to
bf16 inside RoPE even in an fp32 model). Unlike the release's module, ``model.float()``,
``.half()`` or ``.to(dtype)`` leave the bf16 ``rope_embed.periods`` buffer in bf16, so the
outputs do not change with those calls (see :class:`~.sapiens2_rope.Sapiens2RoPE`).
"""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from mmcv.cnn.bricks.transformer import PatchEmbed
from mmpretrain.models.backbones.base_backbone import BaseBackbone

from sapiens_mm.registry import MODELS
from .sapiens2_layers import Sapiens2Block
from .sapiens2_rope import Sapiens2RoPE
from .sapiens2_tokenizer import WindowTokenizer

__all__ = ['Sapiens2ViT', 'SAPIENS2_ARCHS']


def _arch(embed_dims: int, num_layers: int, num_heads: int, num_tokenizer_layers: int) -> dict:
    return dict(embed_dims=embed_dims, num_layers=num_layers, num_heads=num_heads,
                feedforward_channels=4 * embed_dims, num_tokenizer_layers=num_tokenizer_layers)


#: Sapiens2 sizes (the release's ``Sapiens2.arch_zoo``). ``sapiens2_tiny`` is not released: a
#: CPU-sized arch for tests and demos that keeps the GQA schedule (blocks 8 and 9 are GQA).
SAPIENS2_ARCHS = {
    'sapiens2_0.1b': _arch(768, 12, 12, 2),
    'sapiens2_0.4b': _arch(1024, 24, 16, 2),
    'sapiens2_0.8b': _arch(1280, 32, 16, 3),
    'sapiens2_1b': _arch(1536, 40, 24, 4),
    'sapiens2_5b': _arch(2432, 56, 32, 6),
    'sapiens2_tiny': _arch(64, 18, 4, 2),
}

#: Blocks at each end that stay MHSA (hard-coded in the release); the ones between use GQA.
MHSA_EARLY = MHSA_LATE = 8


@MODELS.register_module()
class Sapiens2ViT(BaseBackbone):
    """Sapiens2 encoder: patch 16, [cls + 8 storage tokens], RoPE, GQA/MHSA blocks, RMSNorm.

    Args:
        arch (str | dict): ``'sapiens2_0.1b'``, ``'sapiens2_0.4b'``, ``'sapiens2_0.8b'``,
            ``'sapiens2_1b'``, ``'sapiens2_5b'`` (:data:`SAPIENS2_ARCHS`, width D, layers L,
            heads), ``'sapiens2_tiny'`` (D 64, 18 layers, 4 heads; tests), or a dict with
            ``embed_dims``, ``num_layers``, ``num_heads``, ``feedforward_channels`` and, with
            the tokenizer, ``num_tokenizer_layers``.
        img_size (int | tuple): input (H, W) in pixels the model is meant for (the release's
            configs: (1024, 768); the 4K model (4096, 3072)). It only sets
            :attr:`patch_resolution`: RoPE is computed for each input's grid, so any H, W
            work (multiples of ``patch_size``, times ``window_size`` with the tokenizer;
            a remainder is dropped by the patch convolution, as in the release).
        patch_size (int): Defaults to 16.
        in_channels (int): Defaults to 3.
        use_tokenizer (bool): the 4K windowed tokenizer (``sapiens2_1b_4k_pretrain``).
        window_size (int): tokenizer window in patches. Defaults to 4.
        out_type (str): ``'featmap'`` (B, D, h, w) patch tokens only (default; what the
            release's task models use), ``'raw'`` (B, 9 + h*w, D) with the cls and storage
            tokens first, or ``'cls_token'`` (B, D).
        out_indices (int | Sequence[int]): blocks whose output is returned (negative counts
            from the end). Defaults to -1. Only the last block's output is final-normed.
        frozen_stages (int): > 0 freezes the tokenizer, patch embedding, cls and storage
            tokens and the first N blocks (N = L: also the final norm), as the release does.
        final_norm (bool): final RMSNorm ``ln1`` after the last block. Defaults to True.
        with_cls_token (bool): Defaults to True (all released models).
        n_storage_tokens (int): Defaults to 8.
        layer_scale_init_value (float): attention layer-scale init. Defaults to 1e-4.
        use_qk_norm (bool), qkv_bias (bool): Default True.
        drop_rate (float): dropout after attention projections. Defaults to 0.
        with_cp (bool): activation checkpointing of each block while training.
        rope_base (float): RoPE period base. Defaults to 100.
        init_cfg (dict, optional): ``dict(type='Pretrained', checkpoint=PATH_OR_NAME)`` loads a
            release pretrain file, a task file (``backbone.`` prefix) or a sapiens_mm
            checkpoint through :func:`sapiens_mm.checkpoint.load_backbone_weights`; a v1
            Sapiens checkpoint is refused with an error naming its family.

    Shapes: input (B, 3, H, W) float (RGB, ImageNet mean/std in 0-255) -> tuple with one entry
    per ``out_indices``; ``featmap`` entries are (B, D, H/16, W/16), e.g. (B, D, 64, 48) at
    1024x768 (with the tokenizer (B, D, H/64, W/64)). Attributes for heads: ``embed_dims``,
    ``num_layers``, ``num_extra_tokens`` (9), ``patch_size``, ``patch_resolution``.
    """
    arch_zoo = SAPIENS2_ARCHS
    OUT_TYPES = ('featmap', 'raw', 'cls_token')
    #: which checkpoint family this backbone loads (see ``sapiens_mm.checkpoint.families``)
    checkpoint_family = 'sapiens2'

    def __init__(self,
                 arch: Union[str, dict] = 'sapiens2_0.4b',
                 img_size: Union[int, Tuple[int, int]] = (1024, 768),
                 patch_size: int = 16,
                 in_channels: int = 3,
                 use_tokenizer: bool = False,
                 window_size: int = 4,
                 out_type: str = 'featmap',
                 out_indices: Union[int, Sequence[int]] = -1,
                 frozen_stages: int = -1,
                 final_norm: bool = True,
                 with_cls_token: bool = True,
                 n_storage_tokens: int = 8,
                 layer_scale_init_value: float = 1e-4,
                 use_qk_norm: bool = True,
                 qkv_bias: bool = True,
                 drop_rate: float = 0.,
                 with_cp: bool = False,
                 rope_base: float = 100.,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.arch_settings = self._arch_settings(arch, use_tokenizer)
        self.arch = arch if isinstance(arch, str) else 'custom'
        D = self.embed_dims = self.arch_settings['embed_dims']
        self.num_layers = self.arch_settings['num_layers']
        self.num_heads = self.arch_settings['num_heads']
        self.patch_size = patch_size
        self.with_cp = with_cp
        self.final_norm = final_norm
        self.frozen_stages = frozen_stages

        if out_type not in self.OUT_TYPES:
            raise ValueError(f'Sapiens2ViT: out_type {out_type!r} is not one of {self.OUT_TYPES}')
        if out_type == 'cls_token' and not with_cls_token:
            raise ValueError('Sapiens2ViT: out_type="cls_token" needs with_cls_token=True')
        self.out_type = out_type

        img_size = (img_size, img_size) if isinstance(img_size, int) else tuple(img_size)
        self.img_size = img_size
        grid = (img_size[0] // patch_size, img_size[1] // patch_size)
        self.window_size = window_size
        if use_tokenizer:
            grid = (grid[0] // window_size, grid[1] // window_size)
        #: encoder token grid (h, w) for an ``img_size`` input
        self.patch_resolution = grid

        self.patch_embed = PatchEmbed(in_channels=in_channels, embed_dims=D,
                                      conv_type='Conv2d', kernel_size=patch_size,
                                      stride=patch_size, padding=0, bias=True)
        self.tokenizer = (WindowTokenizer(D, self.num_heads,
                                          self.arch_settings['num_tokenizer_layers'],
                                          window_size=window_size)
                          if use_tokenizer else None)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, D)) if with_cls_token else None
        self.n_storage_tokens = int(n_storage_tokens)
        self.storage_tokens = (nn.Parameter(torch.zeros(1, self.n_storage_tokens, D))
                               if self.n_storage_tokens > 0 else None)
        #: tokens in front of the patch tokens (cls + storage): 9 in every released model
        self.num_extra_tokens = int(with_cls_token) + self.n_storage_tokens
        self.rope_embed = Sapiens2RoPE(D, self.num_heads, base=rope_base)

        self.out_indices = self._out_indices(out_indices)
        self.blocks = nn.Sequential(*[
            Sapiens2Block(D, self.num_heads, self.arch_settings['feedforward_channels'],
                          num_kv_heads=self.kv_heads(i), use_qk_norm=use_qk_norm,
                          layer_scale_init_value=layer_scale_init_value, qkv_bias=qkv_bias,
                          drop_rate=drop_rate)
            for i in range(self.num_layers)])
        self.ln1 = nn.RMSNorm(D, eps=1e-6) if final_norm else None
        if frozen_stages > 0:
            self._freeze_stages()

    # ------------------------------------------------------------------ construction
    @classmethod
    def _arch_settings(cls, arch: Union[str, dict], use_tokenizer: bool) -> dict:
        if isinstance(arch, str):
            name = arch.lower()
            if name not in cls.arch_zoo:
                hint = (' (sapiens_* names are the v1 family: type="SapiensViT")'
                        if name.startswith('sapiens_') or name in ('0.3b', '0.6b', '1b', '2b')
                        else '')
                raise ValueError(f'Sapiens2ViT: unknown arch {arch!r}{hint}; choose from '
                                 f'{sorted(cls.arch_zoo)} or give a dict')
            return dict(cls.arch_zoo[name])
        need = {'embed_dims', 'num_layers', 'num_heads', 'feedforward_channels'}
        if use_tokenizer:
            need.add('num_tokenizer_layers')
        missing = need - set(arch)
        if missing:
            raise ValueError(f'Sapiens2ViT: arch dict lacks {sorted(missing)}')
        return dict(arch)

    def kv_heads(self, i: int) -> Optional[int]:
        """Key/value heads of block ``i``: None (MHSA) in the first and last 8 blocks, else
        ``num_heads // 2`` (GQA), as the release's schedule."""
        if i < MHSA_EARLY or i >= self.num_layers - MHSA_LATE:
            return None
        return self.num_heads // 2

    def _out_indices(self, out_indices) -> list:
        indices = [out_indices] if isinstance(out_indices, int) else list(out_indices)
        result = []
        for index in indices:
            i = index + self.num_layers if index < 0 else index
            if not 0 <= i < self.num_layers:
                raise ValueError(f'Sapiens2ViT: out_indices entry {index} is outside the '
                                 f'{self.num_layers} blocks')
            result.append(i)
        return result

    # ------------------------------------------------------------------ weights
    def init_weights(self):
        """The release's random init, or load ``init_cfg['checkpoint']``.

        Random init (``Sapiens2.init_weights``): cls/storage tokens, every Linear and Conv2d
        weight trunc-normal std 0.02 (bounds +-2), biases 0, RMSNorm weights 1, layer scales
        keep their init value, tokenizer ``local_pos_embed``/``w_cls`` trunc-normal 0.02.
        ``init_cfg=dict(type='Pretrained', checkpoint=None)`` means random init too.
        """
        cfg = self.init_cfg
        if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained' and \
                cfg.get('checkpoint') is not None:
            from sapiens_mm.checkpoint import load_backbone_weights
            load_backbone_weights(self, cfg['checkpoint'], prefix=cfg.get('prefix'))
            self._is_init = True
            return
        for p in (self.cls_token, self.storage_tokens):
            if p is not None:
                nn.init.trunc_normal_(p, std=0.02)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.RMSNorm) and m.weight is not None:
                nn.init.ones_(m.weight)
        if self.tokenizer is not None:
            self.tokenizer.init_weights()
        self._is_init = True

    def _freeze_stages(self):
        frozen = [self.patch_embed] + [self.blocks[i] for i in range(
            min(self.frozen_stages, self.num_layers))]
        if self.tokenizer is not None:
            frozen.append(self.tokenizer)
        if self.frozen_stages >= self.num_layers and self.ln1 is not None:
            frozen.append(self.ln1)
        for m in frozen:
            m.eval()
            for p in m.parameters():
                p.requires_grad = False
        for p in (self.cls_token, self.storage_tokens):
            if p is not None:
                p.requires_grad = False

    def train(self, mode: bool = True):
        """``nn.Module.train``; frozen stages stay in eval mode."""
        super(BaseBackbone, self).train(mode)
        if mode and self.frozen_stages > 0:
            self._freeze_stages()
        return self

    # ------------------------------------------------------------------ forward
    def run_block(self, block: nn.Module, x: torch.Tensor, rope) -> torch.Tensor:
        """One block, activation-checkpointed when ``with_cp`` and training with grad."""
        if self.with_cp and self.training and torch.is_grad_enabled():
            return cp.checkpoint(block, x, rope, use_reentrant=False)
        return block(x, rope)

    def tokens(self, x: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int, int]]:
        """Image (B, 3, H, W) -> encoder input tokens (B, 9 + h*w, D) and the grid (h, w)."""
        B = x.shape[0]
        x, hw = self.patch_embed(x)
        if self.tokenizer is not None:
            x, hw = self.tokenizer(x, hw)
        prepend = [t.expand(B, -1, -1) for t in (self.cls_token, self.storage_tokens)
                   if t is not None]
        if prepend:
            x = torch.cat(prepend + [x], dim=1)
        return x, tuple(hw)

    def forward(self, x: torch.Tensor) -> tuple:
        """x: (B, 3, H, W) -> tuple with one output per ``out_indices`` (see class doc)."""
        x, hw = self.tokens(x)
        rope = self.rope_embed(*hw)
        outs = []
        last = len(self.blocks) - 1
        for i, block in enumerate(self.blocks):
            x = self.run_block(block, x, rope)
            if i == last and self.ln1 is not None:
                x = self.ln1(x)
            if i in self.out_indices:
                outs.append(self._format_output(x, hw))
        return tuple(outs)

    def _format_output(self, x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        if self.out_type == 'raw':
            return x
        if self.out_type == 'cls_token':
            return x[:, 0]
        patches = x[:, self.num_extra_tokens:]
        return patches.reshape(x.shape[0], *hw, -1).permute(0, 3, 1, 2)

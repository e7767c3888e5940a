"""Building blocks of the Sapiens2 encoder: grouped-query attention and the transformer block.

Numerics and state-dict keys follow the release's ``sapiens/backbones/standalone/sapiens2.py``
(``GroupedQueryAttention``, ``TransformerEncoderLayer2``, ``SwiGLUFFN``, ``LayerScale``). The
FFN and layer scale are mmpretrain's ``SwiGLUFFN`` and ``LayerScale`` (the release's copies of
them, same keys ``w12``/``w3`` and ``weight``, same math).

Block (pre-norm, RMSNorm eps 1e-6 without bias)::

    x = x + gamma * proj(attention(ln1(x)))        # layer scale on the attention branch only
    x = x + w3(silu(x1) * x2), [x1, x2] = w12(ln2(x)).chunk(2)   # SwiGLU, hidden 4D, no scale

Attention: ``wq`` (D -> D), ``wk``/``wv`` (D -> kv_heads * hd), all with bias; per-head
RMSNorm of q and k (``q_norm``/``k_norm``, weight of size hd), then the kv heads repeated with
``repeat_interleave`` (kv head j serves q heads f*j .. f*j+f-1), then RoPE on the patch tokens,
then ``F.scaled_dot_product_attention`` (scale hd^-0.5, no mask).
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.utils import LayerScale, SwiGLUFFN

from .sapiens2_rope import apply_rope

__all__ = ['GroupedQueryAttention', 'Sapiens2Block']

RMS_EPS = 1e-6


class GroupedQueryAttention(nn.Module):
    """Multi-head (``num_kv_heads == num_heads``) or grouped-query attention with QK RMSNorm.

    Args:
        embed_dims (int): D.
        num_heads (int): query heads; head dim ``hd = D / num_heads``.
        num_kv_heads (int, optional): key/value heads (divides ``num_heads``). Defaults to
            ``num_heads`` (MHSA).
        qkv_bias (bool): biases of ``wq``/``wk``/``wv``. Defaults to True.
        use_qk_norm (bool): per-head RMSNorm of q and k before RoPE. Defaults to True
            (False in the 4K tokenizer).
        layer_scale_init_value (float): > 0 adds ``gamma`` (LayerScale, init value) on the
            output; 0 gives no ``gamma`` (tokenizer). Defaults to 0.
        attn_drop (float): attention dropout while training. Defaults to 0.
        proj_drop (float): dropout after ``proj``. Defaults to 0.

    Shapes: ``x`` (B, N, D), ``rope`` ``(sin, cos)`` each (HW, hd) with HW <= N (the first
    N - HW tokens are not rotated) or None -> (B, N, D).
    """

    def __init__(self, embed_dims: int, num_heads: int, num_kv_heads: Optional[int] = None,
                 qkv_bias: bool = True, use_qk_norm: bool = True,
                 layer_scale_init_value: float = 0., attn_drop: float = 0.,
                 proj_drop: float = 0.):
        super().__init__()
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.num_kv_heads = num_kv_heads or num_heads
        if num_heads % self.num_kv_heads:
            raise ValueError(f'num_kv_heads {self.num_kv_heads} must divide num_heads '
                             f'{num_heads}')
        self.head_dim = embed_dims // num_heads
        self.attn_drop = attn_drop
        self.use_qk_norm = use_qk_norm
        kv_dims = self.num_kv_heads * self.head_dim
        self.wq = nn.Linear(embed_dims, embed_dims, bias=qkv_bias)
        self.wk = nn.Linear(embed_dims, kv_dims, bias=qkv_bias)
        self.wv = nn.Linear(embed_dims, kv_dims, bias=qkv_bias)
        if use_qk_norm:
            self.q_norm = nn.RMSNorm(self.head_dim, eps=RMS_EPS)
            self.k_norm = nn.RMSNorm(self.head_dim, eps=RMS_EPS)
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.proj_drop = nn.Dropout(proj_drop)
        self.gamma = (LayerScale(embed_dims, layer_scale_init_value=layer_scale_init_value)
                      if layer_scale_init_value > 0 else nn.Identity())

    @property
    def is_grouped(self) -> bool:
        """True for a GQA block (fewer kv heads than query heads)."""
        return self.num_kv_heads != self.num_heads

    def qkv(self, x: torch.Tensor, rope: Optional[Tuple[torch.Tensor, torch.Tensor]] = None
            ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """q, k, v of shape (B, heads, N, hd), normed, kv-repeated and rotated."""
        B, N, _ = x.shape
        q = self.wq(x).view(B, N, self.num_heads, self.head_dim).permute(0, 2, 1, 3)
        k = self.wk(x).view(B, N, self.num_kv_heads, self.head_dim).permute(0, 2, 1, 3)
        v = self.wv(x).view(B, N, self.num_kv_heads, self.head_dim).permute(0, 2, 1, 3)
        if self.use_qk_norm:
            q, k = self.q_norm(q), self.k_norm(k)
        if self.is_grouped:
            factor = self.num_heads // self.num_kv_heads
            k = k.repeat_interleave(factor, dim=1)
            v = v.repeat_interleave(factor, dim=1)
        if rope is not None:
            q, k = apply_rope(q, k, rope)
        return q, k, v

    def forward(self, x: torch.Tensor,
                rope: Optional[Tuple[torch.Tensor, torch.Tensor]] = None) -> torch.Tensor:
        B, N, _ = x.shape
        q, k, v = self.qkv(x, rope)
        out = F.scaled_dot_product_attention(
            q, k, v, dropout_p=self.attn_drop if self.training else 0.)
        out = self.proj(out.permute(0, 2, 1, 3).reshape(B, N, self.embed_dims))
        return self.gamma(self.proj_drop(out))


class Sapiens2Block(nn.Module):
    """One Sapiens2 transformer layer (keys ``ln1``, ``attn.*``, ``ln2``, ``ffn.w12``, ``ffn.w3``).

    Args:
        embed_dims (int): D.
        num_heads (int): attention heads.
        feedforward_channels (int): SwiGLU hidden width H (the release uses 4D).
        num_kv_heads (int, optional): kv heads; None = MHSA.
        use_qk_norm (bool): QK RMSNorm. Defaults to True.
        layer_scale_init_value (float): attention-branch layer scale init (1e-4 in the
            encoder, 0 = none in the tokenizer).
        qkv_bias (bool): Defaults to True.
        drop_rate (float): dropout after the attention projection. Defaults to 0.
        attn_drop_rate (float): attention dropout. Defaults to 0.

    Shapes: ``x`` (B, N, D) -> (B, N, D); ``rope`` as :class:`GroupedQueryAttention`.
    """

    def __init__(self, embed_dims: int, num_heads: int, feedforward_channels: int,
                 num_kv_heads: Optional[int] = None, use_qk_norm: bool = True,
                 layer_scale_init_value: float = 0., qkv_bias: bool = True,
                 drop_rate: float = 0., attn_drop_rate: float = 0.):
        super().__init__()
        self.embed_dims = embed_dims
        self.ln1 = nn.RMSNorm(embed_dims, eps=RMS_EPS)
        self.attn = GroupedQueryAttention(
            embed_dims, num_heads, num_kv_heads=num_kv_heads, qkv_bias=qkv_bias,
            use_qk_norm=use_qk_norm, layer_scale_init_value=layer_scale_init_value,
            attn_drop=attn_drop_rate, proj_drop=drop_rate)
        self.ln2 = nn.RMSNorm(embed_dims, eps=RMS_EPS)
        self.ffn = SwiGLUFFN(embed_dims, feedforward_channels=feedforward_channels)

    def forward(self, x: torch.Tensor,
                rope: Optional[Tuple[torch.Tensor, torch.Tensor]] = None) -> torch.Tensor:
        x = x + self.attn(self.ln1(x), rope=rope)
        return self.ffn(self.ln2(x), identity=x)

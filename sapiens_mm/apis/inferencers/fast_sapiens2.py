"""Fused inference forward of one Sapiens2 block (``Sapiens2Block`` of ``Sapiens2ViT``).

Installed by :func:`~.fast_inference.enable_fast_inference` on every block of a
``Sapiens2ViT`` (encoder and 4K tokenizer). For x (B, N, D), in the dtype of the block's
parameters::

    h = RMSNorm1(x)
    q, k, v = views of h @ [Wq; Wk; Wv]^T + b      # one matrix product, bias fused
    q, k = RMSNorm_hd(q), RMSNorm_hd(k)             # per head, in the compute dtype
    q, k = RoPE(q, k)                               # in bf16, as the release (no-op cast in bf16)
    a = SDPA(q, k, v, enable_gqa)                   # kv heads repeated as repeat_interleave
    x = x + a @ (gamma * Wproj)^T + gamma * bproj   # layer scale folded, residual fused
    x = x + w3(silu(x1) * x2), [x1, x2] = w12(RMSNorm2(x))   # bias fused, residual fused

Rotating the kv heads before repeating them (here) or after (the release) gives identical
values: RoPE is the same for every head. Folding the layer scale into ``proj`` and
concatenating the q/k/v weights change fp32 results by rounding only (~1e-6). Falls back to
the module's own forward while training or with autograd on.
"""
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from sapiens_mm.models.backbones.sapiens2_layers import Sapiens2Block
from sapiens_mm.models.backbones.sapiens2_rope import apply_rope

__all__ = ['FusedSapiens2BlockForward']


class FusedSapiens2BlockForward:
    """Replacement ``forward(x, rope=None)`` of a :class:`Sapiens2Block` for inference.

    Args:
        block: the block (its parameters are read; derived weights are a cache rebuilt when a
            parameter changes, e.g. by ``load_state_dict``).
        prepack (bool): keep bf16 weights pre-packed in oneDNN's blocked layout (CPU).
    """

    def __init__(self, block: Sapiens2Block, prepack: bool = True):
        if not isinstance(block.ffn.w3, nn.Linear) or block.ffn.w12.bias is None or \
                block.attn.wq.bias is None:
            raise ValueError('enable_fast_inference: Sapiens2 blocks without biases are not '
                             'implemented by the fused forward')
        self.layer = block
        self.prepack = prepack
        self._cache: Optional[Dict[str, torch.Tensor]] = None
        self._cache_key: Optional[Tuple] = None

    def __getstate__(self):
        state = dict(self.__dict__)
        state['_cache'] = state['_cache_key'] = None
        return state

    def _params(self):
        attn, ffn = self.layer.attn, self.layer.ffn
        gamma = getattr(attn.gamma, 'weight', None)
        return [attn.wq.weight, attn.wk.weight, attn.wv.weight, attn.wq.bias, attn.wk.bias,
                attn.wv.bias, attn.proj.weight, attn.proj.bias, ffn.w12.weight, ffn.w3.weight] \
            + ([gamma] if gamma is not None else [])

    def _weights(self, use_onednn: bool) -> Dict[str, torch.Tensor]:
        key = tuple((p.data_ptr(), p._version, p.dtype) for p in self._params()) + (use_onednn,)
        if self._cache is not None and self._cache_key == key:
            return self._cache
        attn, ffn = self.layer.attn, self.layer.ffn
        with torch.no_grad():
            w = dict(qkv=torch.cat([attn.wq.weight, attn.wk.weight, attn.wv.weight]),
                     qkv_bias=torch.cat([attn.wq.bias, attn.wk.bias, attn.wv.bias]),
                     proj=attn.proj.weight.detach(), proj_bias=attn.proj.bias.detach(),
                     w12=ffn.w12.weight.detach(), w3=ffn.w3.weight.detach())
            gamma = getattr(attn.gamma, 'weight', None)
            if gamma is not None:
                w['proj'] = gamma[:, None] * w['proj']
                w['proj_bias'] = gamma * w['proj_bias']
            if use_onednn and self.prepack and w['qkv'].dtype == torch.bfloat16:
                for name in ('qkv', 'proj', 'w12', 'w3'):
                    w[name] = torch.ops.mkldnn._reorder_linear_weight(w[name], None)
        self._cache, self._cache_key = w, key
        return w

    def __call__(self, x: torch.Tensor,
                 rope: Optional[Tuple[torch.Tensor, torch.Tensor]] = None) -> torch.Tensor:
        from .fast_inference import FusedEncoderLayerForward, onednn_fusion_available
        block = self.layer
        if block.training or torch.is_grad_enabled():
            return type(block).forward(block, x, rope)
        linear = FusedEncoderLayerForward._linear
        use_onednn = onednn_fusion_available(x.dtype, x.device) and x.dim() == 3
        w = self._weights(use_onednn)
        attn = block.attn
        B, N, D = x.shape
        hd, heads, kv_heads = attn.head_dim, attn.num_heads, attn.num_kv_heads
        kv = kv_heads * hd

        h = F.rms_norm(x, (D,), block.ln1.weight, block.ln1.eps)
        qkv = linear(h, w['qkv'], w['qkv_bias'], use_onednn)
        q = qkv[..., :D].view(B, N, heads, hd).transpose(1, 2)
        k = qkv[..., D:D + kv].view(B, N, kv_heads, hd).transpose(1, 2)
        v = qkv[..., D + kv:].view(B, N, kv_heads, hd).transpose(1, 2)
        if attn.use_qk_norm:
            q = F.rms_norm(q, (hd,), attn.q_norm.weight, attn.q_norm.eps)
            k = F.rms_norm(k, (hd,), attn.k_norm.weight, attn.k_norm.eps)
        if rope is not None:
            q, k = apply_rope(q, k, rope)
        a = F.scaled_dot_product_attention(q, k, v, enable_gqa=kv_heads != heads)
        a = a.transpose(1, 2).reshape(B, N, D)
        x = linear(a, w['proj'], w['proj_bias'], use_onednn, residual=x)

        ffn = block.ffn
        h = F.rms_norm(x, (D,), block.ln2.weight, block.ln2.eps)
        x1, x2 = linear(h, w['w12'], ffn.w12.bias, use_onednn).chunk(2, dim=-1)
        return linear(F.silu(x1) * x2, w['w3'], ffn.w3.bias, use_onednn, residual=x)

"""Fast inference of Sapiens ViT backbones: pure low-precision weights and fused layer kernels.

:func:`enable_fast_inference` converts, in place, every mmpretrain ``VisionTransformer`` inside
a model (``SapiensViT`` backbones of pose / seg / depth / normal models included) and every
``Sapiens2ViT`` (its blocks run :class:`~.fast_sapiens2.FusedSapiens2BlockForward`: fused
q/k/v product, RMSNorm in the compute dtype, SwiGLU, layer scale folded into ``proj``, GQA
through SDPA's ``enable_gqa``; RoPE stays bf16 as the release computes it) for inference:

* **pure-precision weights**: the backbone's parameters are cast once to ``dtype`` (e.g.
  ``torch.bfloat16``) instead of being cast on every call as ``torch.autocast`` does; the input
  is cast to ``dtype`` by a forward pre-hook and the outputs back to the input's dtype by a
  forward hook (``cast_output=True``), so fp32 heads and fp32 callers work unchanged;
* **fused encoder layers**: each ``TransformerEncoderLayer`` runs a replacement forward with
  the bias, the GELU and the residual additions fused into the matrix products (oneDNN
  ``mkldnn::_linear_pointwise`` post-ops on CPU; weights optionally pre-packed into oneDNN's
  blocked layout), ``F.scaled_dot_product_attention`` reading q/k/v as views of the qkv
  product (no copies), and LayerNorm in ``dtype``.

What does not change: the state-dict keys (packed weights are a cache outside the module's
parameters and buffers, rebuilt when a parameter is modified in place, e.g. by
``load_state_dict``), and training: the replacement forward runs only when the layer is in
eval mode and autograd is off (``torch.no_grad`` / ``torch.inference_mode``); otherwise the
upstream forward runs. :func:`disable_fast_inference` restores float32 and the upstream
forward.

Layer outputs match the upstream forward at the same precision to rounding (fp32: ~1e-6
relative); bf16 against the fp32 model is reported by ``tools/benchmark/benchmark_backbone.py``.

Example::

    model = init_model(cfg, checkpoint)             # any model with a SapiensViT backbone
    enable_fast_inference(model, torch.bfloat16)    # backbone in bf16, head stays fp32
    with torch.inference_mode():
        feats = model.backbone(images)              # fp32 in, fp32 out
"""
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.backbones.vision_transformer import (TransformerEncoderLayer,
                                                            VisionTransformer)

__all__ = ['enable_fast_inference', 'disable_fast_inference', 'FusedEncoderLayerForward',
           'onednn_fusion_available']


def _is_backbone(m: nn.Module) -> bool:
    from sapiens_mm.models.backbones.sapiens2_vit import Sapiens2ViT
    return isinstance(m, (VisionTransformer, Sapiens2ViT))


def _fused_layers(backbone: nn.Module):
    """``[(layer, fused forward class)]`` of a converted backbone's transformer layers."""
    from sapiens_mm.models.backbones.sapiens2_vit import Sapiens2ViT
    if isinstance(backbone, Sapiens2ViT):
        from .fast_sapiens2 import FusedSapiens2BlockForward
        layers = list(backbone.blocks)
        if backbone.tokenizer is not None:
            layers += list(backbone.tokenizer.blocks)
        return [(layer, FusedSapiens2BlockForward) for layer in layers]
    return [(layer, FusedEncoderLayerForward) for layer in backbone.layers]

_LINEARS = ('qkv', 'proj', 'fc1', 'fc2')


def onednn_fusion_available(dtype: torch.dtype, device: torch.device) -> bool:
    """True when oneDNN fused linear kernels can run for ``dtype`` on ``device``."""
    if torch.device(device).type != 'cpu' or not torch.backends.mkldnn.is_available():
        return False
    if not hasattr(torch.ops.mkldnn, '_linear_pointwise'):
        return False
    if dtype == torch.bfloat16:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    return dtype == torch.float32


def _check_layer(layer: TransformerEncoderLayer) -> None:
    """Raise ``ValueError`` if ``layer`` uses a feature the fused forward does not implement."""
    attn, ffn = layer.attn, layer.ffn
    problems = []
    if not isinstance(getattr(attn, 'gamma1', nn.Identity()), nn.Identity):
        problems.append('layer scale in attention')
    if getattr(attn, 'v_shortcut', False):
        problems.append('v_shortcut')
    if attn.qkv.bias is None or attn.proj.bias is None:
        problems.append('linear layers without bias')
    if not hasattr(ffn, 'layers') or getattr(ffn, 'num_fcs', 2) != 2:
        problems.append('an FFN other than mmcv FFN with 2 linear layers')
    else:
        act = ffn.layers[0][1]
        if not isinstance(act, nn.GELU) or act.approximate != 'none':
            problems.append(f'FFN activation {type(act).__name__} (only exact GELU)')
        if not isinstance(getattr(ffn, 'gamma2', nn.Identity()), nn.Identity):
            problems.append('layer scale in FFN')
        if not getattr(ffn, 'add_identity', True):
            problems.append('FFN without identity')
    if not isinstance(layer.ln1, nn.LayerNorm) or not isinstance(layer.ln2, nn.LayerNorm):
        problems.append('norms other than LayerNorm')
    if problems:
        raise ValueError(f'enable_fast_inference: {type(layer).__name__} uses '
                         f'{", ".join(problems)}, which the fused forward does not implement')


class FusedEncoderLayerForward:
    """Replacement ``forward`` of one mmpretrain ``TransformerEncoderLayer`` for inference.

    Installed as the layer's instance attribute ``forward``. Computes, for x (B, N, C)::

        x = x + proj(SDPA(qkv(LN1(x))))        # bias + residual fused into proj
        x = x + fc2(GELU(fc1(LN2(x))))          # bias + GELU fused into fc1, bias + residual
                                                # into fc2

    in the dtype of the layer's parameters. Falls back to the upstream forward while the layer
    is training or autograd is enabled. On CPU with oneDNN the four linear layers run through
    ``mkldnn::_linear_pointwise`` (bf16 weights pre-packed when ``prepack``); elsewhere through
    ``F.linear`` with the same algebra.

    Args:
        layer: the layer (its parameters are read, never copied into the module tree).
        prepack (bool): keep a oneDNN-blocked copy of bf16 weights (the packed copies are
            rebuilt when a parameter's version counter changes). Defaults to True.
    """

    def __init__(self, layer: TransformerEncoderLayer, prepack: bool = True):
        _check_layer(layer)
        self.layer = layer
        self.prepack = prepack
        self._cache: Optional[Dict[str, torch.Tensor]] = None
        self._cache_key: Optional[Tuple] = None

    # The packed weights are a cache: never copy or pickle them.
    def __getstate__(self):
        state = dict(self.__dict__)
        state['_cache'] = state['_cache_key'] = None
        return state

    def _linears(self) -> Dict[str, nn.Linear]:
        layer = self.layer
        return dict(qkv=layer.attn.qkv, proj=layer.attn.proj,
                    fc1=layer.ffn.layers[0][0], fc2=layer.ffn.layers[1])

    def _weights(self, use_onednn: bool) -> Dict[str, torch.Tensor]:
        """Weights to feed the kernels, packed on first use / after in-place changes."""
        linears = self._linears()
        key = tuple((lin.weight.data_ptr(), lin.weight._version, lin.weight.dtype)
                    for lin in linears.values()) + (use_onednn,)
        if self._cache is None or self._cache_key != key:
            cache = {}
            for name, lin in linears.items():
                weight = lin.weight.detach()
                if use_onednn and self.prepack and weight.dtype == torch.bfloat16:
                    weight = torch.ops.mkldnn._reorder_linear_weight(weight, None)
                cache[name] = weight
            self._cache, self._cache_key = cache, key
        return self._cache

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        layer = self.layer
        if layer.training or torch.is_grad_enabled():
            return type(layer).forward(layer, x)
        use_onednn = onednn_fusion_available(x.dtype, x.device) and x.dim() == 3
        w = self._weights(use_onednn)
        attn = layer.attn
        B, N, C = x.shape
        heads = attn.num_heads

        h = F.layer_norm(x, (C,), layer.ln1.weight, layer.ln1.bias, layer.ln1.eps)
        qkv = self._linear(h, w['qkv'], attn.qkv.bias, use_onednn)
        # (B, N, 3C) -> three (B, heads, N, head_dims) views, no copy.
        q, k, v = qkv.view(B, N, 3, heads, C // heads).permute(2, 0, 3, 1, 4).unbind(0)
        a = F.scaled_dot_product_attention(q, k, v)
        a = a.transpose(1, 2).reshape(B, N, C)
        x = self._linear(a, w['proj'], attn.proj.bias, use_onednn, residual=x)

        ffn = layer.ffn
        h = F.layer_norm(x, (C,), layer.ln2.weight, layer.ln2.bias, layer.ln2.eps)
        h = self._linear(h, w['fc1'], ffn.layers[0][0].bias, use_onednn, gelu=True)
        return self._linear(h, w['fc2'], ffn.layers[1].bias, use_onednn, residual=x)

    @staticmethod
    def _linear(x, weight, bias, use_onednn, gelu=False, residual=None):
        """``x @ W^T + b``, then GELU or ``+ residual`` (fused on oneDNN)."""
        if use_onednn:
            mk = torch.ops.mkldnn
            if residual is not None:
                return mk._linear_pointwise(x, residual, weight, bias, 'add')
            return mk._linear_pointwise(x, weight, bias, 'gelu' if gelu else 'none', [],
                                        'none' if gelu else '')
        out = F.linear(x, weight, bias)
        if gelu:
            return F.gelu(out)
        return out.add_(residual) if residual is not None else out


class _CastInput:
    """Forward pre-hook: cast the first (tensor) argument to ``dtype``; remember its dtype."""

    def __init__(self, dtype: torch.dtype):
        self.dtype = dtype

    def __call__(self, module, args, kwargs):
        x = args[0]
        module._fast_inference_in_dtype = x.dtype
        if x.is_floating_point() and x.dtype != self.dtype:
            args = (x.to(self.dtype),) + tuple(args[1:])
        return args, kwargs


def _cast_output(module, args, output):
    dtype = getattr(module, '_fast_inference_in_dtype', None)
    if dtype is None or not dtype.is_floating_point:
        return output

    def cast(t):
        if isinstance(t, torch.Tensor) and t.is_floating_point():
            return t.to(dtype)
        if isinstance(t, (tuple, list)):
            return type(t)(cast(i) for i in t)
        return t
    return cast(output)


def enable_fast_inference(model: nn.Module,
                          dtype: torch.dtype = torch.bfloat16,
                          prepack: bool = True,
                          cast_output: bool = True) -> nn.Module:
    """Convert every mmpretrain ``VisionTransformer`` in ``model`` for fast inference, in place.

    Args:
        model: a backbone (``SapiensViT``) or any model containing one or more.
        dtype: precision of the converted backbones' weights and computation
            (``torch.bfloat16`` or ``torch.float32``; ``torch.float16`` on GPUs).
        prepack: pre-pack bf16 weights into oneDNN's blocked layout (CPU).
        cast_output: cast the backbone outputs back to the dtype of its input.

    Returns:
        ``model`` (eval mode), for chaining.

    Raises:
        ValueError: ``model`` contains no ``VisionTransformer``, or a layer uses an option the
            fused forward does not implement (layer scale, non-GELU FFN, ...).
    """
    backbones = [m for m in model.modules() if _is_backbone(m)]
    if not backbones:
        raise ValueError(f'enable_fast_inference: {type(model).__name__} contains no '
                         'mmpretrain VisionTransformer / SapiensViT / Sapiens2ViT backbone')
    model.eval()
    for backbone in backbones:
        if getattr(backbone, '_fast_inference_dtype', None) == dtype and \
                getattr(backbone, '_fast_inference_cast_output', None) == cast_output and \
                all(getattr(layer.__dict__.get('forward'), 'prepack', None) == prepack
                    for layer, _ in _fused_layers(backbone)):
            continue  # already converted so (a module shared by several models)
        disable_fast_inference(backbone)  # idempotent re-conversion
        fused = [(layer, cls(layer, prepack=prepack)) for layer, cls in _fused_layers(backbone)]
        backbone.to(dtype)  # Sapiens2ViT keeps its RoPE buffer in bf16 (Sapiens2RoPE._apply)
        for layer, forward in fused:
            layer.forward = forward
        handles = [backbone.register_forward_pre_hook(_CastInput(dtype), with_kwargs=True)]
        if cast_output:
            handles.append(backbone.register_forward_hook(_cast_output))
        backbone._fast_inference_handles = handles
        backbone._fast_inference_dtype = dtype
        backbone._fast_inference_cast_output = cast_output
    return model


def disable_fast_inference(model: nn.Module, dtype: torch.dtype = torch.float32) -> nn.Module:
    """Undo :func:`enable_fast_inference`: upstream forwards, weights cast to ``dtype``."""
    for backbone in model.modules():
        if not _is_backbone(backbone):
            continue
        if getattr(backbone, '_fast_inference_dtype', None) is None:
            continue
        for handle in backbone._fast_inference_handles:
            handle.remove()
        for layer, _ in _fused_layers(backbone):
            layer.__dict__.pop('forward', None)
        backbone._fast_inference_handles = []
        backbone._fast_inference_dtype = None
        backbone.to(dtype)
    return model

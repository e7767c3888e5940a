"""Parameter and multiply-accumulate (MAC) counts, measured on the ``meta`` device.

A model built under ``with torch.device('meta'):`` has parameters with shapes but no storage, so
even ``sapiens_2b`` (2.1 B parameters, 8.5 GB in fp32) costs no memory and its forward runs in
well under a second: every op only propagates shapes. MACs are counted by PyTorch's own
``torch.utils.flop_counter.FlopCounterMode`` on that shape-only forward.

Conventions
-----------
* **MACs** (multiply-accumulates) are what fvcore, mmengine and most papers call "FLOPs";
  strict FLOPs = 2 x MACs. :func:`count_macs` returns both.
* Counted ops are the matrix products and convolutions (``mm``, ``addmm``, ``bmm``,
  ``convolution`` and the fused attention kernels). Bias adds, norms, activations, softmax and
  interpolation are not counted, as in fvcore/mmengine and in :func:`vit_macs_formula`.
* **Attention** MACs are those of ``softmax(Q K^T) V``: 2 * B * heads * N_q * N_k * head_dim
  per call (Q K^T and the product with V). They are tagged while running inside
  ``F.scaled_dot_product_attention`` or an activation-by-activation matmul (both operands
  computed tensors of rank >= 3, e.g. mmpretrain's explicit-math attention), whichever op
  the call dispatches to: on ``meta`` SDPA decomposes into two ``aten.bmm``; on CPU it is
  ``aten._scaled_dot_product_flash_attention_for_cpu``; on CUDA the flash / efficient / cuDNN
  kernels. FlopCounterMode has formulas for all of these. Should a backend dispatch SDPA to an
  op without one, the attention MACs are added from the shapes instead (listed in ``by_op`` as
  ``'scaled_dot_product_attention (shape formula)'``).

Example::

    with torch.device('meta'):
        model = SapiensViT('sapiens_2b')
    count_parameters(model)                       # 2131943040
    count_macs(model, (1, 3, 1024, 768))['total']  # ~8.27e12
"""
from typing import Dict, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode
from torch.utils.flop_counter import FlopCounterMode

__all__ = ['count_parameters', 'count_macs', 'vit_macs_formula', 'sapiens2_macs_formula',
           'counting_target']

#: Aten op name -> op type of the ``by_type`` breakdown (attention is tagged separately).
_OP_TYPES = {
    'mm': 'linear', 'addmm': 'linear', 'matmul': 'linear',
    'bmm': 'matmul', 'baddbmm': 'matmul',
    'convolution': 'conv', '_convolution': 'conv', 'convolution_backward': 'conv',
}

#: Torch-level functions whose calls are attention when neither operand is a parameter.
_MATMUL_FUNCS = (torch.matmul, torch.Tensor.matmul, torch.Tensor.__matmul__,
                 torch.Tensor.__rmatmul__, torch.bmm, torch.Tensor.bmm, torch.einsum)

_SDPA_FORMULA_KEY = 'scaled_dot_product_attention (shape formula)'


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameter elements of ``model`` (shared parameters once; buffers excluded).

    Works for models on any device, ``meta`` included. ``trainable_only`` skips parameters
    with ``requires_grad=False`` (e.g. MAE's fixed sin-cos ``pos_embed``).
    """
    return sum(p.numel() for p in model.parameters()
               if p.requires_grad or not trainable_only)


def _op_name(op) -> str:
    """'aten.addmm' for an OpOverloadPacket / OpOverload, str(op) for anything else."""
    name = str(op)
    return name[:-len('.default')] if name.endswith('.default') else name


def _sdpa_macs(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> int:
    """MACs of softmax(Q K^T) V for q (..., L, E), k (..., S, E), v (..., S, Ev)."""
    batch = 1
    for d in query.shape[:-2]:
        batch *= d
    q_len, e = query.shape[-2:]
    kv_len, ev = key.shape[-2], value.shape[-1]
    return batch * q_len * kv_len * (e + ev)


class _AttentionTagger(TorchFunctionMode):
    """Attributes the FLOPs counted inside attention calls to an ``attention`` bucket.

    Runs as a torch-function mode above ``FlopCounterMode``: for every
    ``F.scaled_dot_product_attention`` (or activation-by-activation matmul) call it records
    how much the counter grew, per aten op. Function modes are popped while their handler
    runs, so nested calls are not tagged twice.
    """

    def __init__(self, counter: FlopCounterMode):
        super().__init__()
        self.counter = counter
        self.flops_by_op: Dict[str, int] = {}  # attention FLOPs per aten op name
        self.formula_flops = 0  # SDPA calls whose op the counter has no formula for

    def _is_attention(self, func, args) -> bool:
        if func is F.scaled_dot_product_attention:
            return True
        if func in _MATMUL_FUNCS:
            tensors = [a for a in args if isinstance(a, torch.Tensor)]
            if func is torch.einsum and args and isinstance(args[-1], (list, tuple)):
                tensors = [a for a in args[-1] if isinstance(a, torch.Tensor)]
            return (len(tensors) == 2 and all(t.dim() >= 3 for t in tensors)
                    and not any(isinstance(t, nn.Parameter) for t in tensors))
        return False

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if not self._is_attention(func, args):
            return func(*args, **kwargs)
        before = self.counter.get_flop_counts().get('Global', {})
        out = func(*args, **kwargs)
        after = self.counter.get_flop_counts().get('Global', {})
        delta = {_op_name(op): n - before.get(op, 0) for op, n in after.items()
                 if n != before.get(op, 0)}
        if not delta and func is F.scaled_dot_product_attention:
            names = ('query', 'key', 'value')
            q, k, v = (args[i] if i < len(args) else kwargs[n] for i, n in enumerate(names))
            self.formula_flops += 2 * _sdpa_macs(q, k, v)
        for op, n in delta.items():
            self.flops_by_op[op] = self.flops_by_op.get(op, 0) + n
        return out


def _strip_root(name: str, root: str) -> Optional[str]:
    if name == root:
        return ''
    if name.startswith(root + '.'):
        return name[len(root) + 1:]
    return None


def _fill_missing_parents(by_module: Dict[str, int]) -> Dict[str, int]:
    """Add entries for modules whose ``forward`` ran without hooks (``module.forward(x)``).

    mmpose's estimators call ``self.head.forward(x)``, so ``head`` itself is not seen while
    ``head.deconv_layers`` ... are. Such a parent gets the sum of its topmost seen descendants
    (ops it runs outside any child module are not attributable to it and are left out).
    """
    seen = set(by_module)
    filled = dict(by_module)
    for name in seen:
        parts = name.split('.') if name else []
        for i in range(1, len(parts)):
            parent = '.'.join(parts[:i])
            if parent in seen:
                continue
            # ``name`` is a topmost seen descendant of ``parent`` if nothing between is seen.
            if not any('.'.join(parts[:j]) in seen for j in range(i + 1, len(parts))):
                filled[parent] = filled.get(parent, 0) + by_module[name]
    return filled


def count_macs(model: nn.Module,
               input_shape: Sequence[int],
               device: Union[str, torch.device, None] = 'meta',
               **forward_kwargs) -> dict:
    """MACs of one forward of ``model`` on a zero-free input of ``input_shape``.

    Args:
        model (nn.Module): the model; for ``device='meta'`` it must be built on meta
            (``with torch.device('meta'): model = ...``). It is run in eval mode without
            autograd; its training flag is restored afterwards.
        input_shape (Sequence[int]): shape of the single input tensor, e.g. (1, 3, 1024, 768)
            (batch, channels, height in pixels, width in pixels).
        device (str | torch.device | None): device of the input. ``None`` takes the device of
            the model's first parameter. Defaults to ``'meta'``.
        **forward_kwargs: passed to ``model(inputs, **forward_kwargs)``, e.g. ``mode='tensor'``.

    Returns:
        dict with
            ``total`` (int): MACs of the forward;
            ``flops`` (int): 2 * ``total``;
            ``attention`` (int): MACs of softmax(Q K^T) V, part of ``total``;
            ``by_type`` (dict): ``total`` split into ``'attention'``, ``'linear'``
            (``mm``/``addmm``), ``'conv'`` (``convolution``, transposed included),
            ``'matmul'`` (other batched products) and ``'other'``; zero entries are left out;
            ``by_op`` (dict): MACs per aten op, attention included, e.g. ``{'aten.addmm': ..}``;
            ``by_module`` (dict): MACs per module name relative to ``model``
            (``''`` is the whole model, ``'backbone'``, ``'backbone.layers.0.attn'`` ...);
            a module whose ``forward`` is called directly (no hooks run, e.g. mmpose's
            ``self.head.forward(x)``) is given the sum of its children;
            ``input_shape`` (tuple).
    """
    if device is None:
        param = next(iter(model.parameters()), None)
        device = param.device if param is not None else 'cpu'
    device = torch.device(device)
    on_other = {p.device for p in model.parameters() if p.device != device}
    if on_other:
        raise ValueError(
            f'count_macs(device={device}) but the model has parameters on '
            f"{sorted(map(str, on_other))}; build it under `with torch.device('meta'):` "
            "or pass the model's device.")
    inputs = torch.empty(tuple(input_shape), device=device)

    was_training = model.training
    model.eval()
    counter = FlopCounterMode(display=False)
    tagger = _AttentionTagger(counter)
    try:
        with torch.no_grad(), counter, tagger:
            model(inputs, **forward_kwargs)
    finally:
        model.train(was_training)

    counts = counter.get_flop_counts()
    by_op = {_op_name(op): n // 2 for op, n in counts.get('Global', {}).items()}
    attention_by_op = {op: n // 2 for op, n in tagger.flops_by_op.items()}
    if tagger.formula_flops:
        by_op[_SDPA_FORMULA_KEY] = tagger.formula_flops // 2
        attention_by_op[_SDPA_FORMULA_KEY] = tagger.formula_flops // 2

    by_type: Dict[str, int] = {}
    for op, macs in by_op.items():
        rest = macs - attention_by_op.get(op, 0)
        if rest:
            kind = _OP_TYPES.get(op.split('.', 1)[-1], 'other')
            by_type[kind] = by_type.get(kind, 0) + rest
    attention = sum(attention_by_op.values())
    if attention:
        by_type['attention'] = attention

    root = type(model).__name__
    by_module = {}
    for name, ops in counts.items():
        rel = _strip_root(name, root)
        if rel is not None:
            by_module[rel] = sum(ops.values()) // 2
    if tagger.formula_flops:
        by_module[''] = by_module.get('', 0) + tagger.formula_flops // 2
    by_module = _fill_missing_parents(by_module)

    total = sum(by_op.values())
    return dict(total=total, flops=2 * total, attention=attention,
                by_type=dict(sorted(by_type.items(), key=lambda kv: -kv[1])),
                by_op=dict(sorted(by_op.items(), key=lambda kv: -kv[1])),
                by_module=by_module, input_shape=tuple(input_shape))


def vit_macs_formula(arch_settings: Union[str, Mapping],
                     num_tokens: int,
                     patch_size: int = 16,
                     in_channels: int = 3,
                     num_extra_tokens: int = 0) -> Dict[str, int]:
    """Closed-form MACs of a plain pre-norm ViT backbone (Sapiens paper, Table 1 gives the
    rounded FLOPs).

    Per layer ``4*N*C^2`` (qkv + proj) ``+ 2*N*C*F`` (FFN) ``+ 2*N^2*C`` (attention), i.e.
    ``12*N*C^2 + 2*N^2*C`` for ``F = 4C``; plus the patch embedding
    ``N_patches * C * in_channels * patch_size^2`` (``N*C*768`` for RGB 16x16 patches).

    Args:
        arch_settings (str | Mapping): an arch name of :class:`SapiensViT` (``'sapiens_1b'``,
            ``'1b'`` ...) or a dict with ``embed_dims``, ``num_layers`` and optionally
            ``feedforward_channels`` (default ``4 * embed_dims``).
        num_tokens (int): N, tokens entering the transformer layers (cls token included),
            e.g. 3072 for 1024x768 or 4096 for 1024x1024 with 16-px patches.
        patch_size (int): patch side in pixels. Defaults to 16.
        in_channels (int): image channels. Defaults to 3.
        num_extra_tokens (int): tokens among ``num_tokens`` that are not patches (1 for a cls
            token); the patch embedding runs on the others. Defaults to 0.

    Returns:
        dict of ints: ``total``, ``linear`` (qkv, proj, FFN), ``attention`` and ``conv``
        (patch embedding), keyed like :func:`count_macs`'s ``by_type``.
    """
    if isinstance(arch_settings, str):
        from sapiens_mm.models.backbones.sapiens_vit import SapiensViT
        arch_settings = SapiensViT.arch_zoo[arch_settings.lower()]
    c = arch_settings['embed_dims']
    f = arch_settings.get('feedforward_channels', 4 * c)
    layers = arch_settings['num_layers']
    n = num_tokens
    linear = layers * (4 * n * c * c + 2 * n * c * f)
    attention = layers * 2 * n * n * c
    conv = (n - num_extra_tokens) * c * in_channels * patch_size ** 2
    return dict(total=linear + attention + conv, linear=linear, attention=attention, conv=conv)


def sapiens2_macs_formula(arch_settings: Union[str, Mapping], num_patches: int,
                          num_extra_tokens: int = 9, patch_size: int = 16,
                          in_channels: int = 3) -> Dict[str, int]:
    """Closed-form MACs of a Sapiens2 encoder (``Sapiens2ViT``, no tokenizer).

    With ``N = num_patches + num_extra_tokens`` tokens (9: cls + 8 storage tokens), per MHSA
    block ``4*N*D^2`` (wq, wk, wv, proj) ``+ 3*N*D*F`` (SwiGLU ``w12`` D->2F and ``w3`` F->D)
    ``+ 2*N^2*D`` (attention); a GQA block (kv heads = heads / 2, blocks 8 .. L-9) has
    ``3*N*D^2`` for its projections instead; plus the patch embedding
    ``num_patches * D * in_channels * patch_size^2``. RoPE, norms and the SwiGLU product are
    elementwise and not counted (the convention of :func:`count_macs`).

    The Sapiens2 model card's "TFLOPs" at 1024x768 (0.342 / 1.260 / 2.592 / 4.715 / 15.722 for
    0.1b ... 5b) are within -3 % ... +5 % of ``linear + conv`` here (fvcore's convention, where
    ``F.scaled_dot_product_attention`` is not counted) and far from ``total`` or 2x either;
    no convention reproduces them exactly.

    Returns:
        dict of ints: ``total``, ``linear``, ``attention``, ``conv``.
    """
    if isinstance(arch_settings, str):
        from sapiens_mm.models.backbones.sapiens2_vit import SAPIENS2_ARCHS
        arch_settings = SAPIENS2_ARCHS[arch_settings.lower()]
    d = arch_settings['embed_dims']
    f = arch_settings.get('feedforward_channels', 4 * d)
    layers = arch_settings['num_layers']
    gqa = max(0, layers - 16)
    n = num_patches + num_extra_tokens
    linear = (layers - gqa) * 4 * n * d * d + gqa * 3 * n * d * d + layers * 3 * n * d * f
    attention = layers * 2 * n * n * d
    conv = num_patches * d * in_channels * patch_size ** 2
    return dict(total=linear + attention + conv, linear=linear, attention=attention, conv=conv)


class _MAEPretrainForward(nn.Module):
    """The pretraining forward of mmpretrain's ``MAE`` without the loss.

    ``backbone(x)`` masks ``mask_ratio`` of the patches and encodes the rest (plus the cls
    token); ``neck(latent, ids_restore)`` decodes all patches. The loss (pixel MSE) has no
    counted ops. Holds the model's own submodules, so names read ``backbone.*``, ``neck.*``.
    """

    def __init__(self, mae: nn.Module):
        super().__init__()
        self.backbone = mae.backbone
        self.neck = mae.neck

    def forward(self, inputs: torch.Tensor):
        latent, _, ids_restore = self.backbone(inputs)
        return self.neck(latent, ids_restore)


def counting_target(model: nn.Module) -> Tuple[nn.Module, dict, str]:
    """What to count for ``model``: ``(module, forward_kwargs, description)``.

    * mmpretrain ``MAE`` (and subclasses): the masked pretraining forward, backbone + decoder
      neck (:class:`_MAEPretrainForward`). Its ``mode='tensor'`` would instead run the
      unmasked encoder alone (``extract_feat``), which is not what pretraining costs.
    * other mmengine ``BaseModel`` (pose estimators, segmentors, classifiers):
      ``model(inputs, data_samples=None, mode='tensor')``, i.e. backbone + neck + head
      without post-processing.
    * any other module (e.g. a bare backbone): ``model(inputs)``.
    """
    try:
        from mmpretrain.models.selfsup import MAE
    except ImportError:  # pragma: no cover - mmpretrain is a dependency
        MAE = ()
    if MAE and isinstance(model, MAE):
        ratio = getattr(model.backbone, 'mask_ratio', None)
        return (_MAEPretrainForward(model), {},
                f'MAE pretraining forward: backbone with masking (mask_ratio={ratio}) + neck')
    try:
        from mmengine.model import BaseModel
    except ImportError:  # pragma: no cover - mmengine is a dependency
        BaseModel = ()
    if BaseModel and isinstance(model, BaseModel):
        # data_samples=None explicitly: mmpose's estimators take it as a required argument.
        return (model, dict(data_samples=None, mode='tensor'),
                f"{type(model).__name__}(inputs, data_samples=None, mode='tensor')")
    return model, {}, f'{type(model).__name__}(inputs)'


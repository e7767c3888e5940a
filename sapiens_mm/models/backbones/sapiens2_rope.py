"""2-D rotary position embedding of Sapiens2, computed and applied in bf16 as the release does.

The release (``sapiens/backbones/standalone/sapiens2.py``: ``RopePositionEmbedding`` and
``GroupedQueryAttention.apply_rope``; DINOv3-style axial RoPE) defines, for a head dim ``hd``
and a patch grid of ``H x W`` tokens:

* ``periods[i] = base ** (2 i / (hd / 2))``, i = 0 .. hd/4 - 1, ``base = 100``, **computed in
  bf16** and kept as a persistent bf16 buffer (``rope_embed.periods`` in every checkpoint);
* coordinates ``c_h = 2 (i + 0.5) / H - 1``, ``c_w = 2 (j + 0.5) / W - 1`` (row-major, h
  outer), in bf16 (``i + 0.5`` rounded to bf16 once, as CUDA's bf16 ``arange`` computes it:
  see :meth:`Sapiens2RoPE.forward`);
* angles ``theta[n] = 2 pi c[n, axis] / periods[i]`` flattened to ``[theta_h(0..hd/4-1),
  theta_w(0..hd/4-1)]`` (hd/2 values) and tiled twice (hd values); ``sin``/``cos`` (HW, hd) in bf16;
* application to q and k of shape (B, heads, N, hd): both are **cast to bf16**, the first
  ``N - HW`` tokens (cls + storage tokens) are left as they are, the patch tokens become
  ``x cos + rotate_half(x) sin`` with ``rotate_half([x1, x2]) = [-x2, x1]`` (halves of hd),
  then q and k are cast back to their dtype. So even an fp32 model rounds q and k to bf16.

Every op below runs in the release's order and dtype, so the tables and the rotated q, k are
bit-identical to the release's.

**dtype guard.** The release's module reads its compute dtype from a Python attribute while
``model.float()`` / ``model.half()`` / ``.to(dtype)`` convert the ``periods`` buffer, so after
``model.float()`` its RoPE mixes an fp32 ``periods`` with bf16 coordinates and its outputs
change. :class:`Sapiens2RoPE` keeps ``periods`` in bf16 through every ``_apply`` (dtype casts
are ignored for it, device moves are applied) and casts it back to bf16 in ``forward``
should anything else have converted it (FSDP's ``MixedPrecision(buffer_dtype=float32)`` does:
bf16 -> fp32 -> bf16 is exact), so the numerics do not depend on the model's dtype.

**ONNX export.** onnxruntime's CPU provider has no bf16 kernels for ``Mul``, ``Add``, ``Sin`` …
(``NOT_IMPLEMENTED: Could not find an implementation for Mul(14)``), so a graph with the bf16
RoPE does not run there. While ``torch.onnx.export`` traces (``torch.onnx.is_in_onnx_export()``),
the tables and :func:`apply_rope` therefore compute in fp32 and round every result to the
nearest bf16 (``Cast`` to bf16 and back, which onnxruntime has). Each op of two bf16 values is
exact in fp32 or rounded once, and PyTorch's own bf16 kernels compute in fp32 and round the
same way, so the emulation gives the eager module's bits (``sin``/``cos`` up to the runtime's
fp32 ``sin``, rounded to bf16).
"""
import contextlib
import math
from typing import Tuple

import torch
import torch.nn as nn

__all__ = ['Sapiens2RoPE', 'rope_rotate_half', 'apply_rope', 'bf16_rope_in_fp32']

#: RoPE compute dtype of every released Sapiens2 model (config ``pos_embed_rope_dtype='bf16'``).
ROPE_DTYPE = torch.bfloat16

_EMULATE_BF16 = False


def _emulate_bf16() -> bool:
    """True while the bf16 RoPE arithmetic is to run in fp32 with bf16 rounding: during
    ``torch.onnx.export`` (see the module doc) or inside :func:`bf16_rope_in_fp32`."""
    return _EMULATE_BF16 or torch.onnx.is_in_onnx_export()


@contextlib.contextmanager
def bf16_rope_in_fp32():
    """Within this context, Sapiens2's RoPE tables and :func:`apply_rope` compute in fp32 and
    round each result to bf16 (the same values as the bf16 ops, see the module doc): for
    exporters whose graphs must not hold bf16 arithmetic. Not thread-safe (a module flag)."""
    global _EMULATE_BF16
    before, _EMULATE_BF16 = _EMULATE_BF16, True
    try:
        yield
    finally:
        _EMULATE_BF16 = before


def _round_bf16(x: torch.Tensor) -> torch.Tensor:
    """fp32 ``x`` rounded to the nearest bf16 value (ties to even), kept in fp32."""
    return x.to(ROPE_DTYPE).to(torch.float32)


def rope_periods(head_dim: int, base: float = 100.0, device=None) -> torch.Tensor:
    """``base ** (2 i / (hd / 2))`` for i < hd/4, computed in bf16 as the release does.

    For hd = 80 and 76 these differ from rounding the exact values to bf16: checkpoints carry
    the buffer, and loading it is what reproduces the release; this is only the initial value.
    """
    return base ** (2 * torch.arange(head_dim // 4, device=device, dtype=ROPE_DTYPE)
                    / (head_dim // 2))


class Sapiens2RoPE(nn.Module):
    """Axial 2-D RoPE tables ``(sin, cos)`` of shape (H*W, head_dim), dtype bf16.

    Args:
        embed_dims (int): model width D.
        num_heads (int): attention heads; ``head_dim = D / num_heads`` must be a multiple of 4.
        base (float): period base. Defaults to 100 (all released models).

    Buffer ``periods`` (head_dim / 4,), bf16, persistent: loaded from checkpoints
    (``rope_embed.periods``), never recomputed once loaded.
    """

    def __init__(self, embed_dims: int, num_heads: int, base: float = 100.0):
        super().__init__()
        if embed_dims % (4 * num_heads):
            raise ValueError(f'Sapiens2RoPE: embed_dims {embed_dims} must be a multiple of '
                             f'4 * num_heads = {4 * num_heads}')
        self.head_dim = embed_dims // num_heads
        self.base = base
        self.register_buffer('periods', rope_periods(self.head_dim, base), persistent=True)

    def _apply(self, fn, recurse=True):
        """``nn.Module._apply`` that lets ``periods`` change device but never dtype."""
        old = self.periods
        super()._apply(fn, recurse)
        if self.periods.dtype != old.dtype:  # .float(), .half(), .to(dtype): keep the bf16 bits
            self.periods = old.to(device=self.periods.device)
        return self

    def forward(self, H: int, W: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(sin, cos)``, each (H*W, head_dim) bf16, for an H x W patch grid (fp32 holding the
        same bf16 values while exporting to ONNX, see the module doc).

        The half-integer coordinates ``i + 0.5`` are made in fp32 and rounded to bf16 once, as
        CUDA's bf16 ``arange`` (the release's GPUs) does: the CPU's vectorised bf16 ``arange``
        adds the step in bf16 and differs above 128 (129.5 becomes 129, CUDA's 130), so grids
        of more than 128 patches a side would have had other tables on the CPU.
        """
        if _emulate_bf16():
            return self._tables_in_fp32(H, W)
        periods = self.periods.to(ROPE_DTYPE)
        dd = dict(device=periods.device, dtype=torch.float32)
        coords_h = torch.arange(0.5, H, **dd).to(ROPE_DTYPE) / H
        coords_w = torch.arange(0.5, W, **dd).to(ROPE_DTYPE) / W
        coords = torch.stack(torch.meshgrid(coords_h, coords_w, indexing='ij'), dim=-1)
        coords = 2.0 * coords.flatten(0, 1) - 1.0                       # (HW, 2) in (-1, 1)
        angles = 2 * math.pi * coords[:, :, None] / periods[None, None, :]  # (HW, 2, hd/4)
        angles = angles.flatten(1, 2).tile(2)                            # (HW, hd)
        return torch.sin(angles), torch.cos(angles)

    def _tables_in_fp32(self, H: int, W: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """:meth:`forward`'s ops in fp32, each result rounded to bf16: the same values, as
        fp32 tensors (no bf16 arithmetic in the graph)."""
        periods = self.periods.to(torch.float32)
        dd = dict(device=periods.device, dtype=torch.float32)
        coords_h = _round_bf16(_round_bf16(torch.arange(0.5, H, **dd)) / H)
        coords_w = _round_bf16(_round_bf16(torch.arange(0.5, W, **dd)) / W)
        coords = torch.stack(torch.meshgrid(coords_h, coords_w, indexing='ij'), dim=-1)
        coords = _round_bf16(_round_bf16(2.0 * coords.flatten(0, 1)) - 1.0)
        angles = _round_bf16(_round_bf16(2 * math.pi * coords[:, :, None])
                             / periods[None, None, :])
        angles = angles.flatten(1, 2).tile(2)
        return _round_bf16(torch.sin(angles)), _round_bf16(torch.cos(angles))

    def extra_repr(self) -> str:
        return f'head_dim={self.head_dim}, base={self.base}, dtype=bf16'


def rope_rotate_half(x: torch.Tensor) -> torch.Tensor:
    """``[x1, x2] -> [-x2, x1]`` over the halves of the last dim."""
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([-x2, x1], dim=-1)


def apply_rope(q: torch.Tensor, k: torch.Tensor,
               rope: Tuple[torch.Tensor, torch.Tensor]) -> Tuple[torch.Tensor, torch.Tensor]:
    """Rotate the patch tokens of q and k (B, heads, N, hd) by ``rope = (sin, cos)`` (HW, hd).

    The first ``N - HW`` tokens (cls and storage tokens) are not rotated. Computed in the
    tables' dtype (bf16), results cast back to q's and k's dtypes, as the release does. While
    exporting to ONNX: in fp32 with each result rounded to bf16 (the same values, module doc).
    """
    sin, cos = rope
    q_dtype, k_dtype = q.dtype, k.dtype
    emulate = _emulate_bf16()
    if emulate:  # q, k rounded to bf16 as the cast would, the tables' bf16 values in fp32
        sin, cos = sin.to(torch.float32), cos.to(torch.float32)
        q, k = _round_bf16(q.to(torch.float32)), _round_bf16(k.to(torch.float32))
    else:
        q, k = q.to(sin.dtype), k.to(sin.dtype)
    rounded = _round_bf16 if emulate else (lambda t: t)
    prefix = q.shape[-2] - sin.shape[-2]
    if prefix < 0:
        raise ValueError(f'apply_rope: {q.shape[-2]} tokens but a RoPE table for '
                         f'{sin.shape[-2]} patches')

    def rotate(x):
        patches = x[:, :, prefix:, :]
        turned = rounded(rounded(patches * cos) + rounded(rope_rotate_half(patches) * sin))
        return torch.cat((x[:, :, :prefix, :], turned), dim=-2)

    return rotate(q).to(q_dtype), rotate(k).to(k_dtype)

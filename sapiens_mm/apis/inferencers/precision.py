"""The precision an inference run uses, and turning a built task model into its fast form.

:func:`choose_precision` maps ``'fp32' | 'bf16' | 'auto'`` and a device to a torch dtype.
``'auto'`` picks bfloat16 only where the hardware computes it natively: on CUDA when
``torch.cuda.is_bf16_supported()``; on CPU when the processor has AMX tiles or AVX-512-BF16
(:func:`cpu_has_native_bf16`). Without them oneDNN emulates bf16 matrix products through
fp32 conversions, which is slower than fp32 itself, so ``'auto'`` stays fp32 there.

:func:`make_fast` then converts one model (in place, eval mode):

* the backbone through :func:`~.fast_inference.enable_fast_inference` (pure ``dtype`` weights,
  fused encoder layers; also for fp32, where the fusion alone is faster than mmpretrain's ViT),
  its features left in ``dtype``;
* the head cast to ``dtype``, its 1x1 convolutions run as matrix products
  (:class:`Conv1x1AsMatmul`; for one 768-channel 1x1 convolution of the 0.3B heads at 512x384,
  3.7x faster than oneDNN's 1x1 convolution on the NCHW tensor in bf16 and 1.3x in fp32, see
  ``docs/benchmarks.md``) (optionally with ``channels_last`` convolutions instead: measured slower
  on an AVX-512-BF16 CPU for the 0.3B seg head, 9.3 s vs 7.8 s fp32 and 5.5 s vs 4.9 s bf16,
  so off by default), its ``forward`` wrapped so it takes features of any dtype and returns
  float32: the decoding (resize, argmax, normalisation, heatmap peaks) always runs in fp32.
  ``forward`` itself is wrapped, not hooked: mmseg's and mmpose's ``predict`` call
  ``self.forward`` directly, which skips module hooks.
"""
import os
from typing import Callable, Optional

import torch

from .fast_inference import enable_fast_inference

__all__ = ['cpu_has_native_bf16', 'choose_precision', 'best_device', 'make_fast',
           'Conv1x1AsMatmul', 'PRECISIONS']

PRECISIONS = ('auto', 'bf16', 'fp32')


def _cpuinfo_flags() -> set:
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('flags'):
                    return set(line.split(':', 1)[1].split())
    except OSError:
        pass
    return set()


def cpu_has_native_bf16() -> bool:
    """True if this CPU multiplies bf16 matrices natively (AMX-BF16 tiles or AVX-512-BF16).

    Asks PyTorch (``torch.cpu._is_amx_tile_supported`` / ``_is_avx512_bf16_supported``, the
    queries oneDNN's dispatch uses); on PyTorch builds without them, reads the ``amx_bf16`` /
    ``avx512_bf16`` flags of ``/proc/cpuinfo``.
    """
    queries = [getattr(torch.cpu, q, None) for q in
               ('_is_amx_tile_supported', '_is_avx512_bf16_supported')]
    queries = [q for q in queries if q is not None]
    if queries:
        return any(bool(q()) for q in queries)
    return bool(_cpuinfo_flags() & {'amx_bf16', 'avx512_bf16'})


def best_device() -> str:
    """``'cuda'`` when a GPU is visible, else ``'cpu'``."""
    return 'cuda' if torch.cuda.is_available() else 'cpu'


def choose_precision(precision: str, device) -> torch.dtype:
    """``torch.bfloat16`` or ``torch.float32`` for ``precision`` on ``device``.

    Raises:
        ValueError: ``precision`` is not one of ``'auto'``, ``'bf16'``, ``'fp32'``.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision == 'fp32':
        return torch.float32
    if precision == 'bf16':
        return torch.bfloat16
    kind = torch.device(device).type
    if kind == 'cuda':
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
    if kind == 'cpu':
        return torch.bfloat16 if cpu_has_native_bf16() else torch.float32
    return torch.float32


class HeadForward:
    """Replacement ``forward`` of a head: features -> ``dtype`` (``channels_last`` 4-D
    tensors if asked) -> the head's own forward -> float32 output (contiguous)."""

    def __init__(self, forward: Callable, dtype: torch.dtype, channels_last: bool):
        self.forward, self.dtype, self.channels_last = forward, dtype, channels_last

    def _cast(self, x):
        if isinstance(x, torch.Tensor):
            if x.is_floating_point():
                x = x.to(self.dtype)
                if self.channels_last and x.dim() == 4:
                    x = x.contiguous(memory_format=torch.channels_last)
            return x
        if isinstance(x, (list, tuple)):
            return type(x)(self._cast(t) for t in x)
        return x

    def __call__(self, feats, *args, **kwargs):
        out = self.forward(self._cast(feats), *args, **kwargs)
        if isinstance(out, torch.Tensor):
            return out.float().contiguous()
        if isinstance(out, (list, tuple)):
            return type(out)(o.float().contiguous() if isinstance(o, torch.Tensor) else o
                             for o in out)
        return out


class Conv1x1AsMatmul:
    """Inference forward of a 1x1 ``Conv2d`` (stride 1, no padding, one group) as one matrix
    product on the NCHW tensor: ``(C_out, C_in) @ (B, C_in, H*W) + bias``.

    oneDNN runs a 1x1 convolution on an NCHW tensor in a blocked layout and reorders the
    output back to NCHW; on the 0.3B dense heads (768 channels at 512x384) that convolution took
    0.94 s where the matrix product takes 0.22-0.25 s (bf16, AMX CPU). Same result up to the
    order of the sums (fp32: ~1e-6 relative). Used only in eval mode without autograd, on a
    contiguous NCHW input; otherwise the module's own forward runs.
    """

    def __init__(self, conv: torch.nn.Conv2d):
        self.conv = conv
        self.forward = type(conv).forward.__get__(conv)

    @staticmethod
    def applies(m: torch.nn.Module) -> bool:
        return type(m) is torch.nn.Conv2d and m.kernel_size == (1, 1) and \
            m.stride == (1, 1) and m.padding in ((0, 0), 'valid') and m.groups == 1 and \
            m.dilation == (1, 1) and m.padding_mode == 'zeros'

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        conv = self.conv
        if conv.training or torch.is_grad_enabled() or x.dim() != 4 or \
                not x.is_contiguous() or x.dtype != conv.weight.dtype:
            return self.forward(x)
        b, c, h, w = x.shape
        weight = conv.weight.view(conv.out_channels, c)
        y = torch.matmul(weight, x.view(b, c, h * w))
        if conv.bias is not None:
            y += conv.bias.view(1, -1, 1)
        return y.view(b, conv.out_channels, h, w)


def make_fast(model: torch.nn.Module, dtype: torch.dtype,
              channels_last: Optional[bool] = None,
              compile_head: bool = False) -> torch.nn.Module:
    """Convert a built pose / seg / depth / normal model for inference in ``dtype`` (see the
    module docstring). ``channels_last`` defaults to False (env
    ``SAPIENS_MM_CHANNELS_LAST=1`` turns it on). ``compile_head``: the head's forward through
    ``torch.compile`` (inductor) instead of the 1x1 matmul swap: the 0.3B seg head in bf16 on
    an AMX CPU took 1.7-2.1 s instead of 4.4 s, after 16 s of compilation on its first call
    (and again for each new input shape). Returns ``model``."""
    enable_fast_inference(model, dtype, cast_output=False)
    head = model.head if hasattr(model, 'head') and not hasattr(model, 'decode_head') \
        else model.decode_head
    if channels_last is None:
        channels_last = os.environ.get('SAPIENS_MM_CHANNELS_LAST', '0') == '1'
    head.to(dtype)
    if channels_last:
        head.to(memory_format=torch.channels_last)
    elif not compile_head:  # 1x1 convolutions as matrix products (no layout reorders)
        for m in head.modules():
            if Conv1x1AsMatmul.applies(m) and not isinstance(m.__dict__.get('forward'),
                                                              Conv1x1AsMatmul):
                m.forward = Conv1x1AsMatmul(m)
    original = type(head).forward.__get__(head)
    if compile_head:
        original = torch.compile(original)
    head.forward = HeadForward(original, dtype, channels_last)
    return model

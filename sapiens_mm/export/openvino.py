"""OpenVINO IR export (``.xml`` graph + ``.bin`` fp32 weights) and its parity check.

The conversion is the one the inferencer's OpenVINO engine uses
(:func:`sapiens_mm.apis.inferencers.engines.convert_to_openvino`: ``ov.convert_model`` on the
torch module), so an exported file runs the graph inference runs. The weights stay fp32; the
precision is chosen when the IR is compiled (``INFERENCE_PRECISION_HINT``: ``bf16`` on CPUs
with native bf16).
"""
import os
from typing import Optional, Sequence

import numpy as np
import torch

__all__ = ['export_openvino', 'openvino_max_abs_diff']


def _output_names(module: torch.nn.Module) -> Sequence[str]:
    tasks = getattr(module, 'tasks', None)
    if hasattr(module, 'task') or not tasks:
        return ['output']
    return [f'output_{t}' for t in tasks]


def export_openvino(module: torch.nn.Module, path: str, example: torch.Tensor,
                    dynamic_batch: bool = False) -> str:
    """Write ``module`` (a :class:`~.wrappers.TaskExportWrapper` or
    :class:`~.wrappers.MultiTaskExportWrapper`) as OpenVINO IR at ``path`` (``.xml``, weights
    beside it in ``.bin``): input ``input``, outputs ``output`` (``output_{task}`` for several);
    ``dynamic_batch`` frees the batch size. Needs the ``openvino`` package. Returns ``path``."""
    from sapiens_mm.apis.inferencers.engines import convert_to_openvino, import_openvino
    ov = import_openvino()
    if not path.endswith('.xml'):
        raise ValueError(f'export_openvino: {path}: the IR graph file must end in .xml')
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    model = convert_to_openvino(module, example, dynamic_batch, _output_names(module))
    ov.save_model(model, path, compress_to_fp16=False)
    return path


def openvino_max_abs_diff(module: torch.nn.Module, path: str, x: torch.Tensor,
                          precision: Optional[str] = 'f32') -> float:
    """max |OpenVINO(path)(x) - module(x)| on the CPU, over all outputs; ``precision``: the
    ``INFERENCE_PRECISION_HINT`` the IR is compiled with (``'f32'``: the export's own error;
    ``'bf16'``: with the bf16 rounding)."""
    from sapiens_mm.apis.inferencers.engines import import_openvino
    ov = import_openvino()
    from sapiens_mm.utils.signal_stack import keep_signal_stack
    with keep_signal_stack():  # OpenVINO's CPU plugin leaves a sigaltstack of its own
        compiled = ov.Core().compile_model(path, 'CPU', {'INFERENCE_PRECISION_HINT': precision})
        got = compiled({0: x.detach().float().cpu().numpy()}).to_tuple()
        del compiled
    with torch.no_grad():
        ref = module(x)
    ref = ref if isinstance(ref, (tuple, list)) else (ref, )
    if len(got) != len(ref):
        raise AssertionError(f'{path}: {len(got)} outputs, the module has {len(ref)}')
    return max(float(np.abs(np.asarray(g, np.float32) - r.float().cpu().numpy()).max())
               for g, r in zip(got, ref))

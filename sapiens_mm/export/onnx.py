"""ONNX export (torch's exporter) and onnxruntime parity."""
import contextlib
import io
import os
from typing import Optional

import numpy as np
import torch

__all__ = ['export_onnx', 'onnx_max_abs_diff']


def export_onnx(module: torch.nn.Module, path: str, example: torch.Tensor,
                opset: Optional[int] = None, dynamic_batch: bool = False) -> str:
    """Write ``module`` (a :class:`TaskExportWrapper`) for inputs shaped like ``example`` as
    ONNX at ``path``: input ``input``, output ``output``; ``dynamic_batch`` frees the batch
    size. Needs the ``onnx`` and ``onnxscript`` packages. Returns ``path``."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    n_out = len(getattr(module, 'tasks', [None])) if not hasattr(module, 'task') else 1
    names = ['output'] if n_out == 1 else [f'output_{t}' for t in module.tasks]
    kwargs = dict(input_names=['input'], output_names=names, dynamo=True)
    if opset is not None:
        kwargs['opset_version'] = opset
    if dynamic_batch and example.shape[0] == 1:  # torch specialises a batch of 1
        example = example.expand(2, -1, -1, -1).contiguous()
    if dynamic_batch:
        kwargs['dynamic_shapes'] = ({0: torch.export.Dim('batch', min=1, max=64)}, )
    with torch.no_grad(), contextlib.redirect_stdout(io.StringIO()):
        program = torch.onnx.export(module.eval(), (example, ), **kwargs)
    # large models (> 2 GB protobuf) need external data; keep one file when it fits
    program.save(path, external_data=sum(p.numel() * p.element_size()
                                         for p in module.parameters()) > 1.8e9)
    return path


def onnx_max_abs_diff(module: torch.nn.Module, path: str, x: torch.Tensor) -> float:
    """max |onnxruntime(path)(x) - module(x)| on CPU, over all outputs."""
    import onnxruntime as ort
    sess = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    got = sess.run(None, {sess.get_inputs()[0].name: x.cpu().numpy()})
    with torch.no_grad():
        ref = module(x)
    ref = ref if isinstance(ref, (tuple, list)) else (ref, )
    return max(float(np.abs(g.astype(np.float32) - r.float().cpu().numpy()).max())
               for g, r in zip(got, ref))

"""TorchScript (``torch.jit.trace``) and ``torch.export`` programs, with parity checks."""
import os

import torch

__all__ = ['export_torchscript', 'torchscript_max_abs_diff', 'export_program',
           'program_max_abs_diff']


def export_torchscript(module: torch.nn.Module, path: str, example: torch.Tensor) -> str:
    """Trace ``module`` at the shape of ``example`` and save it (``torch.jit.load``-able),
    as the release's ``*_torchscript.pt2``. Returns ``path``."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with torch.no_grad():
        traced = torch.jit.trace(module.eval(), (example, ), check_trace=False)
    torch.jit.save(traced, path)
    return path


def _max_diff(a, b) -> float:
    a = a if isinstance(a, (tuple, list)) else (a, )
    b = b if isinstance(b, (tuple, list)) else (b, )
    assert len(a) == len(b), f'{len(a)} vs {len(b)} outputs'
    return max(float((p.float() - q.float()).abs().max()) for p, q in zip(a, b))


def torchscript_max_abs_diff(module: torch.nn.Module, path: str, x: torch.Tensor) -> float:
    """max |loaded TorchScript(x) - module(x)| (over all outputs)."""
    loaded = torch.jit.load(path, map_location=x.device)
    with torch.no_grad():
        return _max_diff(loaded(x), module(x))


def export_program(module: torch.nn.Module, path: str, example: torch.Tensor,
                   dynamic_batch: bool = False) -> str:
    """``torch.export`` ``module`` at the shape of ``example`` (batch free with
    ``dynamic_batch``) and save the ``ExportedProgram`` (``torch.export.load``), as the
    release's ``*_bfloat16.pt2``. Returns ``path``."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if dynamic_batch and example.shape[0] == 1:  # torch specialises a batch of 1
        example = example.expand(2, -1, -1, -1).contiguous()
    shapes = ({0: torch.export.Dim('batch', min=1, max=64)}, ) if dynamic_batch else None
    with torch.no_grad():
        program = torch.export.export(module.eval(), (example, ), dynamic_shapes=shapes)
    torch.export.save(program, path)
    return path


def program_max_abs_diff(module: torch.nn.Module, path: str, x: torch.Tensor) -> float:
    """max |loaded ExportedProgram(x) - module(x)| (over all outputs)."""
    loaded = torch.export.load(path).module()
    with torch.no_grad():
        return _max_diff(loaded(x), module(x))

"""Inference engines of :class:`~..sapiens_inferencer.SapiensInferencer`: what runs the task
models' tensor-to-head-output graphs (see :mod:`.base`).

* ``'torch'`` (:mod:`.torch_engine`): the models' own forwards through the fused fast path, on
  any torch device;
* ``'openvino'`` (:mod:`.openvino_engine`): the graphs converted to OpenVINO and compiled for
  the CPU, kept in the model cache (:mod:`.model_cache`);
* ``'auto'``: OpenVINO on a CPU device when the package is installed, else torch.
"""
import torch

from .base import GraphOutputs, InferenceEngine, group_tasks
from .model_cache import ModelCache, cache_key, cache_root, tensors_digest
from .openvino_engine import (OPENVINO_MISSING, OpenVINOEngine, convert_to_openvino,
                              import_openvino, openvino_available)
from .task_graph import TaskGraph
from .torch_engine import TorchEngine

__all__ = ['ENGINES', 'resolve_engine', 'build_engine', 'InferenceEngine', 'TorchEngine',
           'OpenVINOEngine', 'GraphOutputs', 'TaskGraph', 'ModelCache', 'cache_root',
           'cache_key', 'tensors_digest', 'convert_to_openvino', 'import_openvino',
           'openvino_available', 'group_tasks', 'OPENVINO_MISSING']

ENGINES = ('auto', 'torch', 'openvino')


def resolve_engine(engine: str, device) -> str:
    """``'torch'`` or ``'openvino'`` for ``engine`` on ``device`` (``'auto'``: OpenVINO on a
    CPU when it is installed, else torch).

    Raises:
        ValueError: an unknown engine, or OpenVINO asked for on a device other than the CPU.
        ImportError: OpenVINO asked for and not installed (the message says how to get it).
    """
    if engine not in ENGINES:
        raise ValueError(f'engine must be one of {ENGINES}, got {engine!r}')
    cpu = torch.device(device).type == 'cpu'
    if engine == 'auto':
        return 'openvino' if cpu and openvino_available() else 'torch'
    if engine == 'openvino':
        if not cpu:
            raise ValueError(f"engine='openvino' runs on the CPU, but device={device!r}: give "
                             "device='cpu' or engine='torch'")
        import_openvino()
    return engine


def build_engine(engine: str, device, dtype: torch.dtype, compile_heads: bool = False,
                 logger=None, cache: bool = True) -> InferenceEngine:
    """The engine ``engine`` (see :func:`resolve_engine`) computing in ``dtype``."""
    name = resolve_engine(engine, device)
    if name == 'openvino':
        if compile_heads and logger is not None:
            logger.warning('compile_heads applies to the torch engine only; the OpenVINO '
                           'engine compiles the whole graph anyway')
        return OpenVINOEngine(dtype, cache=cache, logger=logger)
    return TorchEngine(dtype, device, compile_heads)

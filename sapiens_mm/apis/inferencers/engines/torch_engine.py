"""The PyTorch engine: the task models themselves, through the fused fast path
(:func:`~..precision.make_fast`: pure-``dtype`` backbone with fused encoder layers, heads in
``dtype`` returning float32), on any torch device."""
from typing import Dict, List, Optional, Tuple

import torch

from ..precision import make_fast
from .base import InferenceEngine

__all__ = ['TorchEngine']


class TorchEngine(InferenceEngine):
    """Runs the models' own forward passes.

    Args:
        dtype: precision of backbone and heads (decoding stays fp32).
        device: the torch device (for the log).
        compile_heads: heads through ``torch.compile`` (see :func:`~..precision.make_fast`).
    """

    name = 'torch'

    def __init__(self, dtype: torch.dtype, device: str = 'cpu', compile_heads: bool = False):
        super().__init__(dtype)
        self.device = device
        self.compile_heads = compile_heads
        self._prepared = set()

    def prepare(self, models: Dict[str, 'TaskModel'], groups: List[List[str]],  # noqa: F821
                pose_group: Optional[int]) -> None:
        for tm in models.values():
            if id(tm.model) not in self._prepared:  # a subset's models are already fast
                make_fast(tm.model, self.dtype, compile_head=self.compile_heads)
                self._prepared.add(id(tm.model))

    def features(self, tasks: Tuple[str, ...], model: torch.nn.Module, inputs: torch.Tensor):
        return model.extract_feat(inputs)

    def describe(self) -> str:
        dtype = str(self.dtype).replace('torch.', '')
        return f'torch {torch.__version__} ({dtype} on {self.device}' + \
            (', compiled heads)' if self.compile_heads else ')')

"""What an inference engine does for :class:`~..sapiens_inferencer.SapiensInferencer`.

An engine runs the part of a task model between the normalised input tensor and the heads'
outputs (backbone + heads: the graph :mod:`sapiens_mm.export` exports). Everything around it
(reading, the test pipelines, the data preprocessor, decoding, pictures, files) is the
inferencer's, so the outputs' format does not depend on the engine.

The inferencer calls two methods:

* :meth:`InferenceEngine.prepare` once the task models are built and grouped (and again for a
  :meth:`~..sapiens_inferencer.SapiensInferencer.subset`): get ready to run each group;
* :meth:`InferenceEngine.features` per batch and group: the normalised (B, 3, H, W) input ->
  what the group's heads' ``forward`` take (the torch engine: the backbone features; an engine
  running the whole graph: the heads' outputs themselves, which each head's ``forward`` then
  picks out, see :class:`GraphOutputs`).

Top-down pose runs through mmpose's own ``test_step`` (flip test, decoding), which calls the
pose model's ``extract_feat`` and its head's ``forward``; an engine that runs whole graphs puts
its runner in their place (instance attributes, as :func:`~..precision.make_fast` does).
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch

__all__ = ['InferenceEngine', 'GraphOutputs', 'group_tasks']


def group_tasks(group: Sequence[str], with_pose: bool) -> Tuple[str, ...]:
    """The tasks one graph computes: a dense group's, plus pose decoded from its features."""
    return tuple(group) + (('pose', ) if with_pose else ())


class GraphOutputs(dict):
    """``{task: head output (B, C, h, w) float32 tensor}`` of one graph run; passed where the
    heads expect features, so that each head's ``forward`` returns its own entry."""


class InferenceEngine:
    """The interface (see the module docstring).

    Attributes:
        name: ``'torch'`` or ``'openvino'``.
        dtype: the precision the models compute in (``torch.float32`` / ``torch.bfloat16``).
    """

    name = ''

    def __init__(self, dtype: torch.dtype):
        self.dtype = dtype

    def prepare(self, models: Dict[str, 'TaskModel'], groups: List[List[str]],  # noqa: F821
                pose_group: Optional[int]) -> None:
        """Get ready to run ``models`` grouped as ``groups`` (dense tasks sharing a backbone
        pass; ``pose_group``: the group pose is decoded from, None: pose runs top-down)."""
        raise NotImplementedError

    def features(self, tasks: Tuple[str, ...], model: torch.nn.Module,
                 inputs: torch.Tensor):
        """What the heads of ``tasks`` take for the normalised batch ``inputs`` (B, 3, H, W);
        ``model``: the group's first task model (its backbone runs)."""
        raise NotImplementedError

    def describe(self) -> str:
        """One line for the log: engine, precision, device."""
        raise NotImplementedError

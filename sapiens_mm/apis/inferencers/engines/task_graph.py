"""The tensor-to-head-outputs graph of one or several task models, as one ``nn.Module``.

:class:`TaskGraph` is what an engine converts: the first model's ``extract_feat`` (backbone,
and neck if any) once, then each task's head ``forward``, as the inferencer's torch path and
:mod:`sapiens_mm.export` compute them. The methods are called through the classes
(``type(head).forward(head, feats)``), so the replacement forwards an engine puts on the
instances are bypassed. Convert models that :func:`~..precision.make_fast` has not touched
(its backbone forwards and casts are on the modules themselves).
"""
from typing import Dict, Sequence

import torch

__all__ = ['TaskGraph', 'task_head']


def task_head(model: torch.nn.Module, task: str) -> torch.nn.Module:
    """The head module of a task model (mmpose ``head`` or mmseg ``decode_head``)."""
    return model.head if task == 'pose' else model.decode_head


class TaskGraph(torch.nn.Module):
    """``forward(x)``: normalised (B, 3, H, W) float input -> a tuple of head outputs, one per
    task of ``tasks`` in that order: pose heatmaps (B, K, H/4, W/4), seg logits
    (B, C, H/2, W/2), depth (B, 1, H, W), normals (B, 3, H/2, W/2) (not unit length) for the
    release's heads.

    Args:
        models: ``{task: eval-mode task model}``; the models of one graph must have equal
            backbone weights (the inferencer's sharing groups; one model alone otherwise).
        tasks: the outputs, in order; the backbone pass is ``models[tasks[0]]``'s.
    """

    def __init__(self, models: Dict[str, torch.nn.Module], tasks: Sequence[str]):
        super().__init__()
        self.tasks = tuple(tasks)
        first = models[self.tasks[0]]
        self._first = (first, )  # a tuple: not a submodule (its own head is not needed)
        self.backbone = first.backbone
        if getattr(first, 'with_neck', False):
            self.neck = first.neck
        self.heads = torch.nn.ModuleList(task_head(models[t], t) for t in self.tasks)
        self.eval()

    def forward(self, x: torch.Tensor):
        first = self._first[0]
        feats = type(first).extract_feat(first, x)
        outs = []
        for head in self.heads:
            out = type(head).forward(head, feats)
            outs.append(out[-1] if isinstance(out, (tuple, list)) else out)
        return tuple(outs)

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

__all__ = ['TaskGraph', 'task_head', 'task_output_names']

#: the outputs of a task's head, for tasks with several (default: one, named as the task)
MULTI_OUTPUT = dict(pointmap=('pointmap', 'pointmap_scale'))


def task_output_names(task: str):
    """Names of the graph outputs of ``task``: ``('pointmap', 'pointmap_scale')`` for the
    pointmap head's (canonical map, scale), else ``(task, )``."""
    return MULTI_OUTPUT.get(task, (task, ))


def task_head(model: torch.nn.Module, task: str) -> torch.nn.Module:
    """The head module of a task model (mmpose ``head`` or mmseg ``decode_head``)."""
    return model.head if task == 'pose' else model.decode_head


class TaskGraph(torch.nn.Module):
    """``forward(x)``: normalised (B, 3, H, W) float input -> a tuple of head outputs, per task
    of ``tasks`` in that order: pose heatmaps (B, K, H/4, W/4), seg logits
    (B, C, H/2, W/2), depth (B, 1, H, W), normals (B, 3, H/2, W/2) (not unit length) for the
    release's heads; pointmaps give two, the canonical map (B, 3, H, W) and the scale (B, 1)
    (:func:`task_output_names`).

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
        for task, head in zip(self.tasks, self.heads):
            out = type(head).forward(head, feats)
            if len(task_output_names(task)) > 1:
                outs.extend(out)
            else:
                outs.append(out[-1] if isinstance(out, (tuple, list)) else out)
        return tuple(outs)

    def output_names(self):
        """The graph's output names, ``output_{name}`` per :func:`task_output_names`."""
        return [f'output_{n}' for t in self.tasks for n in task_output_names(t)]

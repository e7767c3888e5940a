"""Task models as plain ``tensor -> tensor`` modules for tracing and export."""
from typing import Optional, Tuple, Union

import torch
from mmengine.config import Config

__all__ = ['TaskExportWrapper', 'build_export_model', 'example_input']


class TaskExportWrapper(torch.nn.Module):
    """``forward(x)``: (B, 3, H, W) normalised RGB float input -> the head output.

    Outputs (float, the dtype of the module): pose heatmaps (B, K, H/4, W/4) for the
    release's 2-deconv head; segmentation logits (B, C, H/2, W/2); depth (B, 1, H, W);
    normals (B, 3, H/2, W/2), not yet unit length (Sapiens2: seg (B, 29, H, W), normals
    (B, 3, H, W)). The input is what the model's data
    preprocessor produces: RGB, ``(pixel - mean) / std`` with the config's mean and std.

    Args:
        model: an mmpose ``TopdownPoseEstimator`` or an mmseg segmentor / depth / normal
            estimator (uses its ``_forward``: backbone then head, no post-processing).
        task: 'pose', 'seg', 'depth' or 'normal' (for the record; see ``task_of``).
    """

    def __init__(self, model: torch.nn.Module, task: str):
        super().__init__()
        self.model = model.eval()
        self.task = task

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.model._forward(x)
        return out[-1] if isinstance(out, (tuple, list)) else out


def build_export_model(config: Union[str, Config], checkpoint: Optional[str] = None,
                       device: str = 'cpu') -> Tuple[TaskExportWrapper, Tuple[int, int]]:
    """Build the task model of ``config`` (+ ``checkpoint``: file, released name or None for
    random weights) and wrap it. Returns the wrapper and the fixed input size (H, W). A
    ``SapiensMultiTask`` config gives a :class:`MultiTaskExportWrapper` of all its heads."""
    from sapiens_mm.apis.inferencers import build_task_model
    from sapiens_mm.apis.inferencers.multitask_model import (build_multitask_task_models,
                                                            is_multitask_config)
    if is_multitask_config(config):  # a SapiensMultiTask checkpoint: one graph, all heads
        tms = build_multitask_task_models(config, checkpoint, device)
        return MultiTaskExportWrapper({tm.task: tm.model for tm in tms}), tms[-1].input_size
    tm = build_task_model(config, checkpoint, device)
    if tm.task == 'pointmap':  # two outputs; the wrapper and the checks expect one tensor
        raise ValueError(f'{tm.name}: pointmap models (two outputs, the canonical map and the '
                         'scale) cannot be exported yet; tools/infer.py runs them with the '
                         'torch or the OpenVINO engine')
    return TaskExportWrapper(tm.model, tm.task), tm.input_size


def example_input(hw: Tuple[int, int], batch: int = 1, seed: int = 0,
                  dtype: torch.dtype = torch.float32, device='cpu') -> torch.Tensor:
    """A reproducible normalised input (B, 3, H, W) (standard normal values)."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 3, *hw, generator=g).to(device=device, dtype=dtype)


class MultiTaskExportWrapper(torch.nn.Module):
    """One backbone pass, several task heads: ``forward(x)`` -> a tuple of head outputs in
    the order of ``tasks`` (each as :class:`TaskExportWrapper` describes).

    The backbone is the first model's; build it only from models whose backbones are equal
    (:class:`~sapiens_mm.apis.SapiensInferencer` checks that before sharing), otherwise the
    other heads see features they were not trained on. Models of different backbone families
    (Sapiens and Sapiens2: the backbone class's ``checkpoint_family``) are refused.

    Args:
        models: {task: model} with tasks among 'pose', 'seg', 'depth', 'normal'.
    """

    def __init__(self, models: dict):
        super().__init__()
        self.tasks = [t for t in ('pose', 'seg', 'depth', 'normal') if t in models]
        families = {t: getattr(models[t].backbone, 'checkpoint_family', None)
                    for t in self.tasks}
        if len(set(families.values())) > 1:
            raise ValueError('MultiTaskExportWrapper: the models have backbones of different '
                             f'families ({families}); one backbone pass cannot serve them')
        self.backbone = models[self.tasks[0]].backbone
        self.heads = torch.nn.ModuleList(
            models[t].head if t == 'pose' else models[t].decode_head for t in self.tasks)
        self.eval()

    def forward(self, x: torch.Tensor):
        feats = self.backbone(x)
        return tuple(head.forward(feats) for head in self.heads)

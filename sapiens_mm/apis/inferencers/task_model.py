"""Config + checkpoint -> an eval-mode task model with its test pipeline.

:func:`build_task_model` is the one way inference, export and feature extraction build a pose,
body-part segmentation, depth, normal or pointmap model. The checkpoint (a path or a released
name, see :mod:`sapiens_mm.checkpoint.model_zoo`) is resolved **before** the model is built, so
a missing file fails in a moment instead of after building a 0.3B model. Weights load through
:func:`sapiens_mm.checkpoint.load_model_weights` (weights-only, every head tensor required).
"""
import copy
import os.path as osp
from typing import Optional, Tuple, Union

import torch
from mmengine.config import Config

from sapiens_mm.checkpoint import load_model_weights
from sapiens_mm.checkpoint.loading import resolve_checkpoint_path
from sapiens_mm.checkpoint.model_zoo import zoo_config
from sapiens_mm.datasets.body_part_classes import BODY_PART_CLASSES, BODY_PART_PALETTE
from sapiens_mm.utils.config_paths import read_config

__all__ = ['TaskModel', 'build_task_model', 'build_backbone', 'task_of', 'ModelSpec']

ModelSpec = Union[str, Tuple[Union[str, Config], Optional[str]]]

#: Backbone config keys without effect on an eval-mode forward pass.
_TRAINING_ONLY_KEYS = ('init_cfg', 'pretrained', 'drop_path_rate', 'drop_rate', 'with_cp',
                       'frozen_stages')
#: Data-preprocessor keys that only concern labels.
_LABEL_ONLY_KEYS = ('seg_pad_val', )


def task_of(model: torch.nn.Module) -> str:
    """'pose', 'seg', 'depth', 'normal' or 'pointmap' from the model class."""
    from mmseg.models.segmentors import DepthEstimator
    from sapiens_mm.models.segmentors import NormalEstimator, PointmapEstimator
    if hasattr(model, 'head') and not hasattr(model, 'decode_head'):
        return 'pose'
    if isinstance(model, NormalEstimator):
        return 'normal'
    if isinstance(model, PointmapEstimator):  # a DepthEstimator subclass: tested first
        return 'pointmap'
    if isinstance(model, DepthEstimator):
        return 'depth'
    return 'seg'


def _canonical(obj) -> str:
    """Order-independent text of a (nested) config value, to compare two configs."""
    if isinstance(obj, dict):
        return '{' + ','.join(f'{k!r}:{_canonical(obj[k])}' for k in sorted(obj)) + '}'
    if isinstance(obj, (list, tuple)):
        return '[' + ','.join(_canonical(v) for v in obj) + ']'
    return repr(obj)


def _is_none(checkpoint) -> bool:
    return checkpoint is None or str(checkpoint).lower() == 'none'


class TaskModel:
    """One built task model.

    Attributes:
        model: the eval-mode mmpose ``TopdownPoseEstimator`` or mmseg segmentor / depth /
            normal estimator.
        task: 'pose', 'seg', 'depth', 'normal' or 'pointmap'.
        name: the released name, or the config file's stem.
        cfg: the full config.
        checkpoint: the resolved checkpoint file (None: random weights).
        pipeline: the test pipeline on ``dict(img=BGR array)`` (annotation loading removed);
            for pose it expects ``bbox`` / ``bbox_score`` too (mmpose's ``TopdownAffine``).
        input_key, shareable, backbone_key: what decides whether two models can share one
            backbone pass (see :meth:`same_backbone`).
    """

    def __init__(self, model, task, name, cfg, checkpoint, pipeline_cfg):
        self.model, self.task, self.name, self.cfg = model, task, name, cfg
        self.checkpoint = checkpoint
        self.pipeline_cfg = pipeline_cfg
        self.pipeline = self._build_pipeline(pipeline_cfg)
        if task != 'pose':
            pre = {k: v for k, v in cfg.model.data_preprocessor.items()
                   if k not in _LABEL_ONLY_KEYS}
            # packers differ only in the label fields they pack
            self.input_key = _canonical([t for t in pipeline_cfg
                                         if not t['type'].startswith('Pack')]) + _canonical(pre)
            self.shareable = cfg.model.get('test_cfg', {}).get('mode', 'whole') == 'whole' \
                and not getattr(model, 'with_neck', False)
        else:
            self.input_key, self.shareable = None, False
        self.backbone_key = _canonical({k: v for k, v in cfg.model.backbone.items()
                                        if k not in _TRAINING_ONLY_KEYS})

    def _build_pipeline(self, steps):
        from mmengine.dataset import Compose
        if self.task == 'pose':
            from mmpose.registry import TRANSFORMS
        else:
            from mmseg.registry import TRANSFORMS
        return Compose([TRANSFORMS.build(copy.deepcopy(t)) for t in steps])

    @property
    def head(self) -> torch.nn.Module:
        return self.model.head if self.task == 'pose' else self.model.decode_head

    @property
    def input_size(self) -> Tuple[int, int]:
        """The model's input (H, W) in pixels."""
        if self.task == 'pose':
            w, h = self.model.head.decoder.input_size
        else:
            h, w = self.cfg.model.data_preprocessor.size
        return int(h), int(w)

    def same_backbone(self, other: 'TaskModel') -> bool:
        """Same checkpoint family (Sapiens v1 or Sapiens2: the backbone class's
        ``checkpoint_family``), same backbone config and exactly equal backbone tensors.

        The family is compared first and on its own: a v1 and a v2 backbone compute different
        functions (RoPE and storage tokens vs position embedding), so they must never share a
        pass or a module, whatever their configs' keys or tensors."""
        family = getattr(self.model.backbone, 'checkpoint_family', None)
        if family != getattr(other.model.backbone, 'checkpoint_family', None):
            return False
        if self.backbone_key != other.backbone_key:
            return False
        a, b = self.model.backbone.state_dict(), other.model.backbone.state_dict()
        return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _test_steps(cfg: Config, task: str) -> list:
    steps = []
    for t in cfg.test_dataloader.dataset.pipeline:
        t = dict(t)
        if task == 'pose' and t['type'] == 'LoadImage':
            pass  # mmpose's LoadImage takes the array in results['img']
        elif t['type'] in ('LoadImageFromFile', 'LoadImage'):
            t = dict(type='LoadImageFromNDArray')
        elif t['type'].startswith('Load'):  # annotations, depth, normals
            continue
        steps.append(t)
    if task == 'pointmap':
        from .pointmap_task import inference_steps
        steps = inference_steps(steps)
    return steps


def build_task_model(config: Union[str, Config, None], checkpoint: Optional[str] = None,
                     device: str = 'cpu', name: Optional[str] = None) -> TaskModel:
    """Build the model of ``config`` with the weights of ``checkpoint``, in eval mode.

    Args:
        config: a config file, a packaged config name (relative to ``configs/``), a
            :class:`Config`, or None with ``checkpoint`` a released name (its zoo config).
        checkpoint: a file, a released name (``'sapiens_0.3b_seg_goliath'``) or None /
            ``'none'`` for random weights. Resolved before anything is built.
        device: torch device string.
        name: the model's name in logs (default: the released name or config stem).

    Raises:
        CheckpointError: an unknown name, a checkpoint not found locally nor obtainable, or
            one whose tensors do not fit the model (named with the file).
    """
    ckpt_file = None if _is_none(checkpoint) else resolve_checkpoint_path(str(checkpoint))
    if config is None:
        if _is_none(checkpoint):
            raise ValueError('build_task_model: give a config or a released model name')
        config = zoo_config(str(checkpoint))
        name = name or str(checkpoint)
    if isinstance(config, str):
        cfg = read_config(config)
        name = name or osp.splitext(osp.basename(config))[0]
    else:
        cfg = copy.deepcopy(config)
        name = name or osp.splitext(osp.basename(cfg.filename or 'model'))[0]
    if cfg.model.type == 'TopdownPoseEstimator':
        from mmpose.apis import init_model
        task_hint = 'pose'
    else:
        from mmseg.apis import init_model
        cfg.model.backbone.init_cfg = None  # never load the pretrain file at inference
        task_hint = None
    model = init_model(cfg, None, device=device)
    task = task_hint or task_of(model)
    if ckpt_file is not None:  # read from the resolved file, errors name it as given
        load_model_weights(model, str(checkpoint))
        model.to(device)
    model.eval()
    if task == 'seg' and model.decode_head.num_classes == len(BODY_PART_CLASSES):
        model.dataset_meta = dict(classes=BODY_PART_CLASSES, palette=BODY_PART_PALETTE)
    elif task == 'seg' and model.decode_head.num_classes == 29:  # Sapiens2's vocabulary
        from sapiens_mm.datasets.body_parts_29 import load_body_parts_29
        meta = load_body_parts_29()
        model.dataset_meta = dict(classes=meta['classes'], palette=meta['palette'])
    return TaskModel(model, task, name, cfg, ckpt_file, _test_steps(cfg, task))


def build_from_spec(spec: ModelSpec, device: str = 'cpu') -> TaskModel:
    """:func:`build_task_model` of a released name or a ``(config, checkpoint)`` pair."""
    if isinstance(spec, str):
        return build_task_model(None, spec, device)
    config, checkpoint = spec
    return build_task_model(config, checkpoint, device)


def build_backbone(config: Union[str, Config], checkpoint: Optional[str] = None,
                   device: str = 'cpu', out_type: str = 'featmap') -> Tuple[torch.nn.Module, Config]:
    """The eval-mode backbone of any sapiens_mm config (task or MAE) with the weights of
    ``checkpoint`` (any layout :func:`~sapiens_mm.checkpoint.load_backbone_weights` reads, or
    a released name; resolved before building). Returns the backbone and the config."""
    from mmengine.registry import MODELS, init_default_scope
    from sapiens_mm.checkpoint import load_backbone_weights
    ckpt_file = None if _is_none(checkpoint) else resolve_checkpoint_path(str(checkpoint))
    cfg = read_config(config) if isinstance(config, str) else config
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    backbone_cfg = dict(cfg.model.backbone)
    backbone_cfg.pop('init_cfg', None)
    backbone_cfg['out_type'] = out_type
    backbone = MODELS.build(backbone_cfg)
    if ckpt_file is not None:  # read from the resolved file, errors name it as given
        load_backbone_weights(backbone, str(checkpoint))
    return backbone.eval().to(device), cfg

"""A ``SapiensMultiTask`` checkpoint as the inferencer's task models, one backbone pass.

:func:`build_multitask_task_models` turns a multi-task config + checkpoint into one
:class:`~.task_model.TaskModel` per head: the single-task model of that head (mmseg
``EncoderDecoder`` / ``DepthEstimator`` / sapiens_mm ``NormalEstimator`` around the backbone,
mmpose ``TopdownPoseEstimator`` for pose) with the checkpoint's backbone and that head's
weights. Their backbones are equal tensor for tensor and their inputs coincide, so
``SapiensInferencer`` puts the dense heads into one shared-backbone group and decodes pose from
the same features (``pose_on_dense``): all outputs from one backbone pass per image.
"""
import copy
from typing import List, Optional, Union

from mmengine.config import Config

from sapiens_mm.checkpoint.families import check_family
from sapiens_mm.checkpoint.loading import (CheckpointError, check_finite, load_checkpoint_file,
                                           model_state_dict, resolve_checkpoint_path)
from sapiens_mm.utils.config_paths import read_config
from sapiens_mm.utils.multitask import MULTITASK_TASKS
from .task_model import TaskModel, build_task_model

__all__ = ['is_multitask_config', 'multitask_task_configs', 'build_multitask_task_models']

_DENSE_TYPES = dict(seg='EncoderDecoder', depth='DepthEstimator', normal='NormalEstimator')


def _load(config: Union[str, Config, None]) -> Optional[Config]:
    if config is None:
        return None
    if isinstance(config, Config):
        return config
    return read_config(config)


def is_multitask_config(config: Union[str, Config, None]) -> bool:
    """Whether ``config`` builds a ``SapiensMultiTask`` model."""
    cfg = _load(config)
    return cfg is not None and cfg.get('model', {}).get('type') == 'SapiensMultiTask'


def _input_hw(cfg: Config):
    for t in cfg.test_dataloader.dataset.pipeline:
        if t['type'] == 'Resize':
            w, h = t['scale']
            return int(h), int(w)
    raise ValueError(f'{cfg.filename}: the multi-task test pipeline has no Resize, so the '
                     'network input size is unknown')


def multitask_task_configs(config: Union[str, Config]) -> dict:
    """task -> the single-task config equivalent to that head of the multi-task model."""
    cfg = _load(config)
    if not is_multitask_config(cfg):
        raise ValueError(f'{getattr(cfg, "filename", config)}: not a SapiensMultiTask config')
    h, w = _input_hw(cfg)
    pre = cfg.model.get('data_preprocessor') or {}
    norm = dict(mean=list(pre.get('mean', [0, 0, 0])), std=list(pre.get('std', [1, 1, 1])),
                bgr_to_rgb=bool(pre.get('bgr_to_rgb', False)))
    backbone = copy.deepcopy(cfg.model.backbone)
    backbone.pop('init_cfg', None)
    out = {}
    for task in MULTITASK_TASKS:
        if task not in cfg.model.heads:
            continue
        head = copy.deepcopy(cfg.model.heads[task])
        head.pop('init_cfg', None)
        if task == 'pose':
            model = dict(type='TopdownPoseEstimator',
                         data_preprocessor=dict(type='PoseDataPreprocessor', **norm),
                         backbone=backbone, head=head, test_cfg=dict(flip_test=False))
            pipeline = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale', padding=1.0),
                        dict(type='TopdownAffine', input_size=(w, h), use_udp=True),
                        dict(type='PackPoseInputs')]
            scope = 'mmpose'
        else:
            model = dict(type=_DENSE_TYPES[task],
                         data_preprocessor=dict(type='SegDataPreProcessor', size=(h, w),
                                                pad_val=0, seg_pad_val=255, **norm),
                         backbone=backbone, decode_head=head, test_cfg=dict(mode='whole'))
            pipeline = [dict(type='LoadImageFromFile'),
                        dict(type='Resize', scale=(w, h), keep_ratio=False),
                        dict(type='PackSegInputs')]
            scope = 'mmseg'
        out[task] = Config(dict(
            model=model, default_scope=scope,
            custom_imports=dict(imports=['sapiens_mm'], allow_failed_imports=False),
            test_dataloader=dict(dataset=dict(pipeline=pipeline))),
            filename=cfg.filename)
    return out


def _check_places(sd: dict, task_cfgs: dict, checkpoint: str) -> None:
    """Refuse a checkpoint with tensors that no head of the config takes."""
    heads = {k.split('.')[1] for k in sd if k.startswith('heads.')}
    extra = sorted(heads - set(task_cfgs))
    other = sorted(k for k in sd if not k.startswith(('backbone.', 'heads.')))
    if extra or other:
        raise CheckpointError(f'{checkpoint}: tensors the multi-task config has no place '
                              f'for: heads {extra}, keys {other[:8]}')


def build_multitask_task_models(config: Union[str, Config], checkpoint: Optional[str],
                                device: str = 'cpu', name: Optional[str] = None
                                ) -> List[TaskModel]:
    """One eval-mode :class:`TaskModel` per head of a multi-task model (see the module
    docstring). ``checkpoint``: a ``SapiensMultiTask`` checkpoint (file, URL, released name) or
    None for random weights. Every tensor of the checkpoint must be used and every tensor of
    the task models given; otherwise a ``CheckpointError`` names the file and the keys. A
    checkpoint whose backbone is of the other family (Sapiens v1 vs Sapiens2,
    :mod:`~sapiens_mm.checkpoint.families`) is refused with an error that says so."""
    task_cfgs = multitask_task_configs(config)
    sd = None
    if checkpoint is not None and str(checkpoint).lower() != 'none':
        path = resolve_checkpoint_path(str(checkpoint))
        sd = model_state_dict(load_checkpoint_file(path), str(checkpoint))
        check_finite(sd, str(checkpoint))
    models = []
    base = name or (config if isinstance(config, str) else 'multitask')
    for task, cfg in task_cfgs.items():
        tm = build_task_model(cfg, None, device, name=f'{base}:{task}')
        if sd is not None:
            if not models:  # once: the backbone's family first, then a place for every tensor
                check_family(tm.model.backbone, [k[len('backbone.'):] for k in sd
                                                 if k.startswith('backbone.')], str(checkpoint))
                _check_places(sd, task_cfgs, str(checkpoint))
            prefix = 'head.' if task == 'pose' else 'decode_head.'
            own = {k: v for k, v in sd.items() if k.startswith('backbone.')}
            own.update({prefix + k[len(f'heads.{task}.'):]: v for k, v in sd.items()
                        if k.startswith(f'heads.{task}.')})
            try:
                tm.model.load_state_dict(own, strict=True)
            except RuntimeError as e:
                raise CheckpointError(f'{checkpoint}: does not fit the {task} head of the '
                                      f'multi-task config: {e}') from e
            tm.checkpoint = str(checkpoint)
        if task == 'pose' and cfg.model.head.get('out_channels') == 308:
            from sapiens_mm.datasets.pose import Goliath308Dataset
            tm.model.dataset_meta = Goliath308Dataset._load_metainfo()  # skeleton, names
        tm.model.to(device).eval()
        models.append(tm)
    return models


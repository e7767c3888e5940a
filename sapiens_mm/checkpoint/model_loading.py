"""Loading a whole task model (backbone + head) from any released checkpoint layout.

:func:`load_model_weights` accepts what :func:`~sapiens_mm.checkpoint.load_backbone_weights`
accepts (flat ``*_clean.pth``, raw MAE, ``.safetensors``) and task checkpoints
(``{'state_dict': {'backbone.*', 'head.*' | 'decode_head.*'}, 'meta'}``), and the Sapiens2
release's task files (flat ``backbone.*`` + ``decode_head.*``; pose heads renamed by
:mod:`.release_keys`). A backbone-only file
fills the backbone and leaves the head as initialised, with a warning; a task file must fill
the model: keys of the model's task head missing from it are an error, so a pose checkpoint
given to a segmentation config fails loudly instead of predicting with a random head.
"""
from typing import Dict, List, Optional

import torch
from mmengine.logging import MMLogger

from .families import check_family
from .release_keys import translate_release_keys
from .loading import (CheckpointError, _short, check_shapes, load_backbone_weights,
                      load_checkpoint_file, load_matching, matching_keys, model_state_dict)

__all__ = ['load_model_weights', 'check_model_checkpoint', 'check_checkpoint_family',
           'load_exact_weights']

# ``heads.{task}.``: the heads of a multi-task ``SapiensMultiTask`` checkpoint
_HEAD_PREFIXES = ('head.', 'decode_head.', 'auxiliary_head.', 'neck.', 'heads.')


def _is_task_layout(sd: Dict[str, torch.Tensor]) -> bool:
    return any(k.startswith('backbone.') for k in sd) and any(
        k.startswith(('head.', 'decode_head.', 'heads.')) for k in sd)


def _check_backbone_family(model: torch.nn.Module, sd: Dict[str, torch.Tensor],
                           path: str) -> None:
    """Refuse a task file whose ``backbone.*`` is of the other family than the model's
    backbone (Sapiens v1 vs Sapiens2, :mod:`~sapiens_mm.checkpoint.families`)."""
    backbone = getattr(model, 'backbone', None)
    if backbone is not None:
        check_family(backbone, [k[len('backbone.'):] for k in sd if k.startswith('backbone.')],
                     path)


def _check_fit(own: Dict[str, torch.Tensor], sd: Dict[str, torch.Tensor], path: str,
               model_name: str, strict: bool) -> List[str]:
    """Raise :class:`CheckpointError` naming ``path`` unless ``sd`` fits ``own``: some key
    matches, no head tensor is missing (with ``strict`` no tensor at all), shapes agree.
    Returns the matching keys."""
    loaded = matching_keys(own, sd, path, model_name)
    missing = [k for k in own if k not in sd]
    missing_head = missing if strict else [k for k in missing if k.startswith(_HEAD_PREFIXES)]
    if missing_head:
        heads = sorted({k.split('.')[0] for k in sd if k.startswith(_HEAD_PREFIXES)})
        raise CheckpointError(
            f'{path}: has no weights for {len(missing_head)} tensors of {model_name} '
            f'({_short(missing_head, 4)}); the file holds {heads or "no head"} '
            '- a checkpoint of another task or model?')
    check_shapes(own, sd, loaded, path, model_name,
                 ' (another size, keypoint or class count?)')
    return loaded


def check_model_checkpoint(model: torch.nn.Module, path: str, strict: bool = True) -> None:
    """Check, without loading, that checkpoint ``path`` fits ``model`` by the rules of
    :func:`load_model_weights` (used before ``--resume`` hands the file to mmengine)."""
    sd, _ = translate_release_keys(model, model_state_dict(load_checkpoint_file(path), path))
    if hasattr(model, 'backbone') and not _is_task_layout(sd):
        raise CheckpointError(f'{path}: a backbone-only checkpoint (no head weights); it '
                              f'cannot be resumed or evaluated as a {type(model).__name__}')
    _check_backbone_family(model, sd, path)
    _check_fit(model.state_dict(), sd, path, type(model).__name__, strict)


def check_checkpoint_family(model: torch.nn.Module, path: str) -> None:
    """Refuse checkpoint ``path`` (task or backbone-only layout) when its backbone is of the
    other family than ``model``'s (Sapiens v1 vs Sapiens2): a :class:`CheckpointError` naming
    the file and both families. Nothing else is checked, so transfer from another task, size
    or head stays possible (used before ``tools/train.py`` hands ``load_from`` to mmengine,
    whose non-strict load would match no backbone key and train from random weights)."""
    sd = model_state_dict(load_checkpoint_file(path), path)  # backbone keys: never renamed
    if hasattr(model, 'backbone') and not any(k.startswith('backbone.') for k in sd):
        check_family(model.backbone, list(sd), path)  # a backbone-only file
    else:
        _check_backbone_family(model, sd, path)


def load_model_weights(model: torch.nn.Module, path: str,
                       logger: Optional[MMLogger] = None,
                       strict: bool = False) -> Dict[str, List[str]]:
    """Load checkpoint ``path`` (any path form and released layout, ``.pth`` or
    ``.safetensors``) into a task ``model`` with a ``backbone`` (mmpose
    ``TopdownPoseEstimator`` or mmseg segmentor), or with ``strict`` into any model.

    Raises :class:`CheckpointError` naming ``path`` when the file is unreadable or holds
    NaN/inf, when no key matches, when shapes disagree (another model size or keypoint/class
    count), or when a task checkpoint lacks head weights the model has (a checkpoint of another
    task). With ``strict`` (``tools/test.py``) a backbone-only file and any missing tensor are
    errors too, so nothing is evaluated with random weights.

    Returns:
        dict with ``loaded``, ``missing`` and ``unexpected`` key lists (model-level keys).
    """
    logger = logger or MMLogger.get_current_instance()
    sd, renamed = translate_release_keys(model,
                                         model_state_dict(load_checkpoint_file(path), path))
    name = type(model).__name__
    if renamed:
        logger.info(f'{path}: a Sapiens2 release pose checkpoint; {renamed} decode_head.* keys '
                    f'read as {name} head.* (conv_pose as final_layer)')
    if hasattr(model, 'backbone') and not _is_task_layout(sd):
        if strict:
            raise CheckpointError(f'{path}: a backbone-only checkpoint (no head weights); '
                                  f'{name} would be evaluated with a random head')
        info = load_backbone_weights(model.backbone, path, logger=logger, state_dict=sd)
        logger.warning(f'{path}: a backbone-only checkpoint; the task head of '
                       f'{name} keeps its initial (random) weights')
        return {k: [f'backbone.{n}' for n in v] for k, v in info.items()}
    _check_backbone_family(model, sd, path)
    own = model.state_dict()
    loaded = _check_fit(own, sd, path, name, strict)
    return load_matching(model, own, sd, loaded, path, logger)


def load_exact_weights(model: torch.nn.Module, path: str,
                       logger: Optional[MMLogger] = None) -> dict:
    """Load checkpoint ``path`` (any path form, weights-only) into ``model`` exactly: every
    tensor of the model from the file, every tensor of the file used, every shape equal.

    For models outside the Sapiens task layouts (an mmdet person detector): a checkpoint of
    another detector (another architecture, class count or size) is a :class:`CheckpointError`
    naming ``path`` and the keys, where mmengine's ``load_checkpoint`` (``strict=False``) loads
    what matches and leaves the rest random.

    Returns:
        dict: the checkpoint as read (its ``meta`` holds e.g. mmdet's ``dataset_meta``).
    """
    logger = logger or MMLogger.get_current_instance()
    ckpt = load_checkpoint_file(path)
    sd = model_state_dict(ckpt, path)
    own = model.state_dict()
    name = type(model).__name__
    loaded = matching_keys(own, sd, path, name)
    missing = [k for k in own if k not in sd]
    unexpected = [k for k in sd if k not in own]
    if missing or unexpected:
        raise CheckpointError(
            f'{path}: does not fit {name} - a checkpoint of another model? '
            f'{len(missing)} of its tensors missing from the file ({_short(missing, 4) or "-"}), '
            f'{len(unexpected)} tensors of the file unknown to it '
            f'({_short(unexpected, 4) or "-"})')
    check_shapes(own, sd, loaded, path, name, ' (another size or class count?)')
    model.load_state_dict(sd, strict=True)
    logger.info(f'Loaded {len(loaded)}/{len(own)} tensors of {name} from {path}')
    return ckpt if isinstance(ckpt, dict) else {}

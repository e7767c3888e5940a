"""Reading checkpoint files in every released Sapiens layout, and loading them strictly enough.

Layouts understood (sapiens-facts §1.6), as ``.pth`` or ``.safetensors``:

* flat ``*_clean.pth`` pretrain file: ``{'patch_embed.projection.weight': ..., ...}``;
* raw MAE checkpoint: ``{'state_dict': {'backbone.*': ..., 'neck.*': ...}, 'meta': ...}``;
* task checkpoint: ``{'state_dict': {'backbone.*': ..., 'head.*' | 'decode_head.*': ...}}``;
* any of the above with a DDP ``module.`` prefix.

``torch.load`` runs with ``weights_only=True``; the few mmengine classes stored in training
checkpoints are allow-listed in :mod:`sapiens_mm.checkpoint.safe_globals`.
"""
import os
from typing import Dict, Optional

import torch
from mmengine.logging import MMLogger

__all__ = ['CheckpointError', 'load_checkpoint_file', 'model_state_dict',
           'backbone_state_dict', 'load_backbone_weights']


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be read or does not fit the model; the message names it."""


def load_checkpoint_file(path: str, map_location='cpu') -> dict:
    """Read a ``.pth``/``.pt`` (weights-only unpickling) or ``.safetensors`` file into a dict."""
    if '://' in path:  # URLs and other mmengine schemes
        from mmengine.runner.checkpoint import CheckpointLoader
        return CheckpointLoader.load_checkpoint(path, map_location=map_location)
    if not os.path.isfile(path):
        raise CheckpointError(f'{path}: checkpoint file not found')
    try:
        if path.endswith('.safetensors'):
            from safetensors.torch import load_file
            device = map_location if isinstance(map_location, str) else 'cpu'
            return load_file(path, device=device)
        from .safe_globals import register_safe_globals
        register_safe_globals()
        return torch.load(path, map_location=map_location, weights_only=True)
    except CheckpointError:
        raise
    except Exception as e:  # corrupt, truncated, not a checkpoint, unsafe pickle ...
        raise CheckpointError(f'{path}: cannot be read as a checkpoint '
                              f'({type(e).__name__}: {str(e).splitlines()[0][:300]})') from e


def model_state_dict(ckpt: dict, path: str = '<checkpoint>') -> Dict[str, torch.Tensor]:
    """The tensor dict of a checkpoint: unwrap ``state_dict``/``model`` and DDP ``module.``."""
    if not isinstance(ckpt, dict):
        raise CheckpointError(f'{path}: expected a dict of tensors, got {type(ckpt).__name__}')
    for wrapper in ('state_dict', 'model'):
        if isinstance(ckpt.get(wrapper), dict):
            ckpt = ckpt[wrapper]
            break
    sd = {k: v for k, v in ckpt.items() if isinstance(v, torch.Tensor)}
    if not sd:
        raise CheckpointError(f'{path}: holds no tensors (top-level keys: {list(ckpt)[:10]})')
    if all(k.startswith('module.') for k in sd):
        sd = {k[len('module.'):]: v for k, v in sd.items()}
    return sd


def backbone_state_dict(ckpt: dict, path: str = '<checkpoint>',
                        prefix: Optional[str] = None) -> Dict[str, torch.Tensor]:
    """Backbone tensors of any layout, keys relative to the backbone.

    ``prefix`` (e.g. ``'backbone.'``) selects and strips a sub-module; by default ``backbone.``
    is used when present (raw MAE and task checkpoints) and the dict is taken as flat otherwise.
    """
    sd = model_state_dict(ckpt, path)
    if prefix is None:
        prefix = 'backbone.' if any(k.startswith('backbone.') for k in sd) else ''
    if prefix and not prefix.endswith('.'):
        prefix += '.'
    if prefix:
        sub = {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}
        if not sub:
            raise CheckpointError(f'{path}: no key starts with prefix {prefix!r} '
                                  f'(first keys: {list(sd)[:5]})')
        sd = sub
    return sd


def _short(keys, n=8):
    keys = list(keys)
    return ', '.join(keys[:n]) + (f', ... ({len(keys)} in all)' if len(keys) > n else '')


def load_backbone_weights(module: torch.nn.Module, path: str, prefix: Optional[str] = None,
                          logger: Optional[MMLogger] = None) -> Dict[str, list]:
    """Load a backbone checkpoint of any layout into ``module``.

    Raises :class:`CheckpointError` naming ``path`` when no checkpoint key matches the module
    (e.g. a wrongly prefixed file, which the original silently ignores) or when matching keys
    disagree in shape (e.g. another model size). Missing keys are logged as warnings and keys
    the module does not have (cls token, MAE decoder, task head) as info.

    Returns:
        dict with the ``loaded``, ``missing`` and ``unexpected`` key lists.
    """
    logger = logger or MMLogger.get_current_instance()
    sd = dict(backbone_state_dict(load_checkpoint_file(path), path, prefix))
    if hasattr(module, '_prepare_pos_embed'):
        try:
            module._prepare_pos_embed(sd, '')
        except ValueError as e:
            raise CheckpointError(f'{path}: {e}') from e
    own = module.state_dict()
    loaded = [k for k in sd if k in own]
    if not loaded:
        raise CheckpointError(
            f'{path}: none of its {len(sd)} keys matches {type(module).__name__} '
            f'(checkpoint keys: {_short(sd)}; expected keys such as {_short(own, 3)})')
    mismatched = [f'{k}: checkpoint {tuple(sd[k].shape)} vs model {tuple(own[k].shape)}'
                  for k in loaded if sd[k].shape != own[k].shape]
    if mismatched:
        raise CheckpointError(f'{path}: {len(mismatched)} shape mismatches with '
                              f'{type(module).__name__}: ' + '; '.join(mismatched[:6]))
    module.load_state_dict({k: sd[k] for k in loaded}, strict=False)
    missing = [k for k in own if k not in sd]
    unexpected = [k for k in sd if k not in own]
    logger.info(f'Loaded {len(loaded)}/{len(own)} tensors of {type(module).__name__} '
                f'from {path}')
    if missing:
        logger.warning(f'{path}: keys missing from the checkpoint, left as initialised: '
                       f'{_short(missing)}')
    if unexpected:
        logger.info(f'{path}: checkpoint keys not used by {type(module).__name__}: '
                    f'{_short(unexpected)}')
    return dict(loaded=loaded, missing=missing, unexpected=unexpected)

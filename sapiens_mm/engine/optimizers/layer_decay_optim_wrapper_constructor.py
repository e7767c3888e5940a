"""Layer-wise learning-rate decay for Sapiens and Sapiens2 fine-tuning (the release's
``pose/mmpose/engine/optim_wrappers/layer_decay_optim_wrapper.py``; Sapiens2:
``BaseRunner._get_layer_id_for_sapiens`` in ``sapiens/engine/runners/base_runner.py``).

Layer ids: 0 for ``backbone.{cls_token,mask_token,pos_embed,storage_tokens,patch_embed.*,
tokenizer.*}``, ``i + 1`` for ``backbone.layers.{i}.*`` (Sapiens) and ``backbone.blocks.{i}.*``
(Sapiens2) and ``L + 1`` for everything else (final ``backbone.ln1``, neck, head). A parameter
of layer id ``d`` gets ``lr = base_lr * rate ** (L + 1 - d)``. No weight decay for 1-D
parameters, ``*.bias`` and ``*pos_embed`` (the 4K tokenizer's ``local_pos_embed`` too).
Sapiens2's rates: 0.8 (0.4b), 0.85 (0.8b), 0.9 (1b), 0.94 (5b); its ``rope_embed.periods`` is a
buffer, not optimised.

Under FSDP (mmengine's ``FSDPStrategy`` builds the optimizer on the wrapped model) the groups
and learning rates are the same as without it: names lose the wrappers' prefixes, and whether a
parameter is 1-D is read from its unsharded shape (FSDP with ``use_orig_params=True`` turns every
parameter into a 1-D view of its rank's flat shard, so ``param.ndim`` would put every weight in
the no-decay group). With ``use_orig_params=False`` a flat parameter mixes layers, so no per-layer
learning rate exists: that is an error.

Unlike the original constructor, ``custom_keys`` are applied (on top of the layer scale: a
matching key multiplies lr by ``lr_mult`` and weight decay by ``decay_mult``) and misspelled
options are an error rather than silently ignored.

Config::

    optim_wrapper = dict(
        optimizer=dict(type='AdamW', lr=5e-4, betas=(0.9, 0.999), weight_decay=0.1),
        constructor='SapiensLayerDecayOptimWrapperConstructor',
        paramwise_cfg=dict(layer_decay_rate=0.85,
                           custom_keys={'head': dict(lr_mult=10.0)}),
        clip_grad=dict(max_norm=1.0, norm_type=2))
"""
from typing import Dict, List, Optional

import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.optim import DefaultOptimWrapperConstructor

from sapiens_mm.registry import OPTIM_WRAPPER_CONSTRUCTORS

__all__ = ['SapiensLayerDecayOptimWrapperConstructor', 'get_layer_id']

# Name parts that wrappers (FSDP, activation checkpointing, torch.compile) insert; DDP's
# ``module.`` is stripped from the front only (a replace would cut it out of these, too).
_WRAPPER_PARTS = ('_fsdp_wrapped_module.', '_checkpoint_wrapped_module.', '_orig_mod.')
_ALLOWED_PARAMWISE = {'layer_decay_rate', 'num_layers', 'custom_keys', 'backbone_prefix'}
_ALLOWED_CUSTOM = {'lr_mult', 'decay_mult'}


def _clean_name(name: str) -> str:
    for part in _WRAPPER_PARTS:
        name = name.replace(part, '')
    while name.startswith('module.'):
        name = name[len('module.'):]
    return name


def _unsharded_ndims(module: nn.Module) -> Dict[int, int]:
    """``id(param) -> ndim`` of the original (unsharded) parameters of the FSDP units in
    ``module`` (empty without FSDP). Read from each ``FlatParameter``'s ``_params`` and
    ``_shapes`` (its original parameters and their shapes, set with ``use_orig_params=True``).
    """
    try:
        from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
    except ImportError:  # torch built without distributed
        return {}
    ndims: Dict[int, int] = {}
    for unit in module.modules():
        if not isinstance(unit, FSDP) or getattr(unit, '_handle', None) is None:
            continue
        flat = unit._handle.flat_param
        if getattr(flat, '_params', None) is None:
            raise ValueError(
                'layer-wise lr decay under FSDP needs use_orig_params=True in the strategy\'s '
                'model_wrapper: with flat parameters one tensor holds several layers\' '
                'parameters, which cannot have different learning rates')
        for param, shape in zip(flat._params, flat._shapes):
            ndims[id(param)] = len(shape)
    return ndims


def get_layer_id(name: str, num_layers: int, backbone_prefix: str = 'backbone.') -> int:
    """Layer id in [0, num_layers + 1] of a (wrapper-free) parameter name."""
    if not name.startswith(backbone_prefix):
        return num_layers + 1
    name = name[len(backbone_prefix):]
    if name in ('cls_token', 'mask_token', 'pos_embed', 'storage_tokens') or \
            name.startswith(('patch_embed.', 'tokenizer.')):
        return 0
    if name.startswith(('layers.', 'blocks.')):
        return int(name.split('.')[1]) + 1
    return num_layers + 1


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SapiensLayerDecayOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Optimizer-wrapper constructor with layer-wise lr decay for ViT backbones.

    ``paramwise_cfg`` keys:
        layer_decay_rate (float): per-layer lr factor, e.g. 0.85. Defaults to 1.0 (no decay).
        num_layers (int, optional): L; read from ``model.backbone.num_layers``. Needed only
            for a model without ``backbone.num_layers``; given for a model that has it, it
            must agree (a config whose arch changed would otherwise get the old decay).
        custom_keys (dict): ``{substring: dict(lr_mult=..., decay_mult=...)}``; the longest
            matching substring wins.
        backbone_prefix (str): prefix of backbone parameters. Defaults to ``'backbone.'``.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None):
        paramwise_cfg = dict(paramwise_cfg or {})
        unknown = set(paramwise_cfg) - _ALLOWED_PARAMWISE
        if unknown:
            raise ValueError(f'Unknown paramwise_cfg keys {sorted(unknown)} for '
                             f'{type(self).__name__}; allowed: {sorted(_ALLOWED_PARAMWISE)}')
        for key, opts in paramwise_cfg.get('custom_keys', {}).items():
            bad = set(opts) - _ALLOWED_CUSTOM
            if bad:
                raise ValueError(f'custom_keys[{key!r}] has unknown options {sorted(bad)}; '
                                 f'allowed: {sorted(_ALLOWED_CUSTOM)}')
        paramwise_cfg.setdefault('layer_decay_rate', 1.0)  # non-empty: add_params is used
        super().__init__(optim_wrapper_cfg, paramwise_cfg)

    def __call__(self, model: nn.Module):
        # Upstream's __call__ hands add_params ``model.module``: under FSDP the root unit's
        # flat parameter (embeddings, final norm, head) is only reachable from ``model``.
        self._ndims = _unsharded_ndims(model)
        try:
            return super().__call__(model)
        finally:
            del self._ndims

    def _num_layers(self, module: nn.Module) -> int:
        given = self.paramwise_cfg.get('num_layers')
        inner = getattr(module, 'module', module)  # DDP / FSDP wrappers
        backbone = getattr(inner, 'backbone', None)
        if backbone is None or not hasattr(backbone, 'num_layers'):
            if given is None:
                raise ValueError('Cannot find model.backbone.num_layers; set '
                                 'paramwise_cfg.num_layers for layer-wise lr decay')
            return int(given)
        if given is not None and int(given) != int(backbone.num_layers):
            raise ValueError(f'paramwise_cfg.num_layers={given} disagrees with the backbone\'s '
                             f'{backbone.num_layers} layers; drop it (the backbone\'s count '
                             'is used)')
        return int(backbone.num_layers)

    def add_params(self, params: List[dict], module: nn.Module, prefix: str = '', **kwargs):
        """Append one param group per (layer id, decay, custom key) to ``params``."""
        rate = float(self.paramwise_cfg['layer_decay_rate'])
        num_layers = self._num_layers(module)
        bb_prefix = self.paramwise_cfg.get('backbone_prefix', 'backbone.')
        custom_keys = self.paramwise_cfg.get('custom_keys', {})
        keys_by_len = sorted(custom_keys, key=len, reverse=True)
        groups = {}
        ndims = getattr(self, '_ndims', None)
        if ndims is None:  # add_params called on its own
            ndims = _unsharded_ndims(module)
        for raw_name, param in module.named_parameters(prefix=prefix.rstrip('.')):
            if not param.requires_grad:
                continue
            name = _clean_name(raw_name)
            layer_id = get_layer_id(name, num_layers, bb_prefix)
            ndim = ndims.get(id(param), param.ndim)
            no_decay = ndim == 1 or name.endswith('.bias') or name.endswith('pos_embed')
            key = next((k for k in keys_by_len if k in name), None)
            lr_mult = custom_keys[key].get('lr_mult', 1.0) if key else 1.0
            decay_mult = custom_keys[key].get('decay_mult', 1.0) if key else 1.0
            scale = rate**(num_layers + 1 - layer_id)
            group_name = f'layer_{layer_id}_{"no_decay" if no_decay else "decay"}' + \
                (f'_{key}' if key else '')
            if group_name not in groups:
                groups[group_name] = dict(
                    params=[], param_names=[], group_name=group_name, layer_id=layer_id,
                    lr_scale=scale, lr=self.base_lr * scale * lr_mult,
                    weight_decay=0.0 if no_decay else (self.base_wd or 0.0) * decay_mult)
            groups[group_name]['params'].append(param)
            groups[group_name]['param_names'].append(raw_name)
        params.extend(groups.values())
        MMLogger.get_current_instance().info(
            f'Layer-wise lr decay {rate} over {num_layers} layers: {len(groups)} param groups, '
            f'lr scale {rate**(num_layers + 1):.3g} (embeddings) to 1 (head)')

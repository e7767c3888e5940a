"""Key names of the Sapiens2 release's task checkpoints where the project's models differ.

The release saves its estimators' state dicts (``sapiens/{pose,dense}/src/models/``): the head
always under ``decode_head.``. The dense heads of sapiens_mm are mmseg decode heads with the
same names, so seg, normal (and pointmap, albedo) files load as they are. Pose is mmpose's
``TopdownPoseEstimator``, whose head is ``head.`` and whose last layer is ``final_layer``; the
release's pose head calls it ``conv_pose``::

    decode_head.deconv_layers.*  -> head.deconv_layers.*
    decode_head.conv_layers.*    -> head.conv_layers.*
    decode_head.conv_pose.*      -> head.final_layer.*

:func:`translate_release_keys` does this when, and only when, the model has a ``head`` and no
``decode_head`` and the file has ``decode_head.*`` keys and no ``head.*`` keys;
:func:`to_release_keys` is its inverse (a pose model's state dict as the release writes it).
"""
from typing import Dict, Tuple

import torch

__all__ = ['translate_release_keys', 'to_release_keys']

_POSE_RENAMES = (('decode_head.conv_pose.', 'head.final_layer.'), ('decode_head.', 'head.'))


def translate_release_keys(model: torch.nn.Module,
                           sd: Dict[str, torch.Tensor]) -> Tuple[Dict[str, torch.Tensor], int]:
    """``(state_dict, number of renamed keys)``: ``sd`` with the release's pose-head names
    mapped to mmpose's for a model with a ``head`` (see the module doc); otherwise unchanged."""
    if not (hasattr(model, 'head') and not hasattr(model, 'decode_head')):
        return sd, 0
    if any(k.startswith('head.') for k in sd) or \
            not any(k.startswith('decode_head.') for k in sd):
        return sd, 0
    out, renamed = {}, 0
    for key, value in sd.items():
        for old, new in _POSE_RENAMES:
            if key.startswith(old):
                key = new + key[len(old):]
                renamed += 1
                break
        out[key] = value
    return out, renamed


def to_release_keys(sd: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """A pose model's state dict with the release's task-file names: mmpose's ``head.*``
    under ``decode_head.``, ``head.final_layer.*`` as ``decode_head.conv_pose.*`` (the inverse
    of :func:`translate_release_keys`, from the same table); other keys unchanged."""
    out = {}
    for key, value in sd.items():
        for release, ours in _POSE_RENAMES:
            if key.startswith(ours):
                key = release + key[len(ours):]
                break
        out[key] = value
    return out

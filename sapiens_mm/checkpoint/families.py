"""Which model family a backbone checkpoint belongs to: Sapiens (v1, 2024) or Sapiens2 (2026).

The two families share a few key names (``cls_token``, ``patch_embed.projection.*``,
``ln1.weight``), so loading one into the other's backbone would match those keys and silently
leave everything else at its random init. The families are told apart by their own keys
(after any ``backbone.`` prefix is stripped):

* **Sapiens** (mmpretrain ViT, ``SapiensViT``): ``layers.{i}.*`` blocks (fused ``attn.qkv``)
  and a learned ``pos_embed``;
* **Sapiens2** (``Sapiens2ViT``, the release's ``sapiens/backbones/standalone/sapiens2.py``):
  ``blocks.{i}.*`` blocks (``attn.wq``/``wk``/``wv``), the RoPE buffer
  ``rope_embed.periods`` and ``storage_tokens``.

A backbone class says which family it loads with a ``checkpoint_family`` attribute
(``'sapiens'`` or ``'sapiens2'``); :func:`check_family` refuses a file of the other family.
"""
from typing import Iterable, Optional

from .loading import CheckpointError

__all__ = ['SAPIENS', 'SAPIENS2', 'checkpoint_family', 'check_family']

SAPIENS, SAPIENS2 = 'sapiens', 'sapiens2'

#: family -> (name, its distinctive keys, the backbone that loads it)
_DESCRIPTION = {
    SAPIENS: ('Sapiens (v1, 2024)', 'layers.{i}.*, pos_embed',
              "type='SapiensViT' with a sapiens_{0.3b,0.6b,1b,2b} arch"),
    SAPIENS2: ('Sapiens2 (2026)', 'blocks.{i}.attn.wq.*, rope_embed.periods, storage_tokens',
               "type='Sapiens2ViT' with a sapiens2_* arch"),
}


def checkpoint_family(keys: Iterable[str]) -> Optional[str]:
    """``'sapiens'``, ``'sapiens2'`` or None (neither recognised) for backbone-relative keys."""
    keys = list(keys)
    v2 = any(k in ('rope_embed.periods', 'storage_tokens') or
             (k.startswith('blocks.') and '.attn.wq.' in k) for k in keys)
    v1 = any(k == 'pos_embed' or (k.startswith('layers.') and '.attn.qkv.' in k)
             for k in keys)
    if v1 == v2:  # neither, or a mixture (not a backbone of either family)
        return None
    return SAPIENS2 if v2 else SAPIENS


def check_family(module, keys: Iterable[str], path: str) -> None:
    """Raise :class:`CheckpointError` naming ``path`` when the checkpoint's family differs from
    ``module.checkpoint_family`` (modules without that attribute accept anything)."""
    expected = getattr(module, 'checkpoint_family', None)
    found = checkpoint_family(keys)
    if expected is None or found is None or found == expected:
        return
    name = type(module).__name__
    family, keys_seen, builder = _DESCRIPTION[found]
    raise CheckpointError(
        f'{path}: a {family} checkpoint (keys {keys_seen}); {name} loads '
        f'{_DESCRIPTION[expected][0]} checkpoints only. Build the backbone as {builder} '
        'for this file.')

"""Functions the FSDP configs name in mmengine's ``FUNCTIONS`` registry.

``FSDPStrategy(model_wrapper=dict(auto_wrap_policy='sapiens_vit_block_wrap_policy'),
activation_checkpointing=dict(check_fn='is_sapiens_vit_block'))`` shards each transformer layer
of the backbone as its own FSDP unit (its parameters are gathered only while that layer runs)
and recomputes each layer's activations in the backward pass (torch's
``apply_activation_checkpointing``). The layer classes are mmpretrain's ``TransformerEncoderLayer``,
which ``SapiensViT`` (a ``VisionTransformer``) is made of, and ``Sapiens2Block``, the blocks of
``Sapiens2ViT`` (and of its 4K tokenizer); the remaining modules (patch embedding, tokens,
RoPE buffer, final norm, head) form the root unit.
"""
import torch.nn as nn
from mmpretrain.models.backbones.vision_transformer import TransformerEncoderLayer
from torch.distributed.fsdp.wrap import transformer_auto_wrap_policy

from sapiens_mm.models.backbones.sapiens2_layers import Sapiens2Block
from sapiens_mm.registry import FUNCTIONS

#: transformer layer classes of the Sapiens backbones
BLOCK_CLASSES = (TransformerEncoderLayer, Sapiens2Block)

__all__ = ['sapiens_vit_block_wrap_policy', 'is_sapiens_vit_block']


@FUNCTIONS.register_module()
def sapiens_vit_block_wrap_policy(module: nn.Module, recurse: bool,
                                  nonwrapped_numel: int) -> bool:
    """FSDP auto-wrap policy: one FSDP unit per ViT transformer layer (Sapiens, Sapiens2)."""
    return transformer_auto_wrap_policy(module, recurse, nonwrapped_numel,
                                        transformer_layer_cls=set(BLOCK_CLASSES))


@FUNCTIONS.register_module()
def is_sapiens_vit_block(module: nn.Module) -> bool:
    """Activation-checkpointing ``check_fn``: True for a ViT transformer layer."""
    return isinstance(module, BLOCK_CLASSES)

"""Checkpoint reading, layout conversion and safe unpickling."""
from .convert import save_backbone_checkpoint
from .loading import (CheckpointError, backbone_state_dict, load_backbone_weights,
                      load_checkpoint_file, model_state_dict)
from .model_loading import load_model_weights, save_model_checkpoint
from .model_zoo import MODEL_ZOO, ZooEntry, resolve_checkpoint
from .safe_globals import register_safe_globals

__all__ = ['CheckpointError', 'backbone_state_dict', 'load_backbone_weights',
           'load_checkpoint_file', 'model_state_dict', 'register_safe_globals', 'save_backbone_checkpoint',
           'load_model_weights', 'save_model_checkpoint', 'MODEL_ZOO', 'ZooEntry',
           'resolve_checkpoint']

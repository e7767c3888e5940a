"""Checkpoint reading, layout conversion and safe unpickling."""
from .convert import save_backbone_checkpoint, save_model_checkpoint
from .loading import (CheckpointError, CheckpointNotFoundError, backbone_state_dict, check_finite, load_backbone_weights,
                      load_checkpoint_file, model_state_dict, register_checkpoint_schemes,
                      resolve_checkpoint_path)
from .model_loading import (check_checkpoint_family, check_model_checkpoint, load_exact_weights,
                            load_model_weights)
from .model_zoo import MODEL_ZOO, ZooEntry, resolve_checkpoint
from .safe_globals import register_safe_globals

__all__ = ['CheckpointError', 'backbone_state_dict', 'load_backbone_weights',
           'load_checkpoint_file', 'model_state_dict', 'register_safe_globals', 'save_backbone_checkpoint',
           'load_model_weights', 'save_model_checkpoint', 'MODEL_ZOO', 'ZooEntry',
           'resolve_checkpoint', 'resolve_checkpoint_path', 'check_finite',
           'register_checkpoint_schemes', 'check_model_checkpoint', 'check_checkpoint_family', 'CheckpointNotFoundError',
           'load_exact_weights']

# The weights-only loader is in place as soon as anything that can load a checkpoint is
# imported (every module that builds or loads a model imports this package), whatever the
# package import decided (``sapiens_mm._console_help_only``).
register_safe_globals()
register_checkpoint_schemes()

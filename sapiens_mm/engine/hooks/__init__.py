from .atomic_checkpoint_hook import AtomicCheckpointHook
from .dense_visualization_hook import DenseVisualizationHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook, non_finite_terms

__all__ = [
    'DenseVisualizationHook', 'AtomicCheckpointHook', 'NonFiniteLossHook',
    'NonFiniteLossError', 'non_finite_terms'
]

from .atomic_checkpoint_hook import AtomicCheckpointHook, atomic_write_text
from .dense_visualization_hook import DenseVisualizationHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook, non_finite_terms

__all__ = [
    'DenseVisualizationHook', 'AtomicCheckpointHook', 'atomic_write_text', 'NonFiniteLossHook',
    'NonFiniteLossError', 'non_finite_terms'
]

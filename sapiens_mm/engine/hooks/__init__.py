from .atomic_checkpoint_hook import AtomicCheckpointHook, atomic_write_text
from .body_part_visualization_hook import BodyPartVisualizationHook, colorize_parts
from .dense_visualization_hook import DenseVisualizationHook
from .depth_visualization_hook import DepthVisualizationHook, colorize_depth
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook, non_finite_terms
from .normal_visualization_hook import NormalVisualizationHook, colorize_normals

__all__ = [
    'DenseVisualizationHook', 'BodyPartVisualizationHook', 'DepthVisualizationHook',
    'NormalVisualizationHook', 'colorize_parts', 'colorize_depth', 'colorize_normals',
    'AtomicCheckpointHook', 'atomic_write_text', 'NonFiniteLossHook', 'NonFiniteLossError',
    'non_finite_terms'
]

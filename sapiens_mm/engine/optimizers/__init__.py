from .autocast_optim_wrapper import AutocastOptimWrapper
from .layer_decay_optim_wrapper_constructor import (SapiensLayerDecayOptimWrapperConstructor,
                                                    get_layer_id)

__all__ = ['SapiensLayerDecayOptimWrapperConstructor', 'get_layer_id', 'AutocastOptimWrapper']

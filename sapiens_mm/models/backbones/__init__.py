from .fast_inference import disable_fast_inference, enable_fast_inference
from .sapiens_mae_vit import SapiensMAEViT
from .sapiens_vit import SAPIENS_ARCHS, SapiensViT

__all__ = ['SapiensViT', 'SapiensMAEViT', 'SAPIENS_ARCHS', 'enable_fast_inference',
           'disable_fast_inference']

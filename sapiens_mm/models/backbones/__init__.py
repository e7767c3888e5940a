from .sapiens2_vit import SAPIENS2_ARCHS, Sapiens2ViT
from .sapiens_mae_vit import SapiensMAEViT
from .sapiens_vit import SAPIENS_ARCHS, SapiensViT

__all__ = ['SapiensViT', 'SapiensMAEViT', 'SAPIENS_ARCHS', 'Sapiens2ViT', 'SAPIENS2_ARCHS']

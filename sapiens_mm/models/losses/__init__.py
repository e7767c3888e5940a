from .normal_cosine_loss import NormalCosineLoss
from .normal_l1_loss import NormalL1Loss

__all__ = ['NormalCosineLoss', 'NormalL1Loss']

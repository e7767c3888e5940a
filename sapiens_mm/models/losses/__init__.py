from .batch_ohkm_mse_loss import BatchKeypointOHKMMSELoss
from .normal_cosine_loss import NormalCosineLoss
from .normal_l1_loss import NormalL1Loss

__all__ = ['BatchKeypointOHKMMSELoss', 'NormalCosineLoss', 'NormalL1Loss']

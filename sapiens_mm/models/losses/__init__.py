from .albedo_losses import AlbedoChromaticityL1Loss, AlbedoGradientMSELoss, AlbedoL1Loss
from .batch_ohkm_mse_loss import BatchKeypointOHKMMSELoss
from .foreground_dice_loss import ForegroundDiceLoss
from .normal_cosine_loss import NormalCosineLoss
from .normal_gradient_mse_loss import NormalGradientMSELoss
from .normal_l1_loss import NormalL1Loss
from .pointmap_losses import (PointmapCentredL1Loss, PointmapDepthNormalizedL1Loss,
                              PointmapDepthSiLogLoss, PointmapIntrinsicsConsistencyLoss,
                              PointmapNormalLoss, PointmapScaleL1Loss, PointmapUpsampledL1Loss)

__all__ = ['AlbedoChromaticityL1Loss', 'AlbedoGradientMSELoss', 'AlbedoL1Loss',
           'BatchKeypointOHKMMSELoss', 'ForegroundDiceLoss', 'NormalCosineLoss',
           'NormalGradientMSELoss', 'NormalL1Loss', 'PointmapCentredL1Loss',
           'PointmapDepthNormalizedL1Loss', 'PointmapDepthSiLogLoss',
           'PointmapIntrinsicsConsistencyLoss', 'PointmapNormalLoss', 'PointmapScaleL1Loss',
           'PointmapUpsampledL1Loss']

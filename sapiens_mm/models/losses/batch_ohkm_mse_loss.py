"""Online hard keypoint mining MSE loss, computed for all keypoints and samples at once."""
import torch
from mmpose.models.losses import KeypointOHKMMSELoss
from torch import Tensor

from sapiens_mm.registry import MODELS

__all__ = ['BatchKeypointOHKMMSELoss']


@MODELS.register_module()
class BatchKeypointOHKMMSELoss(KeypointOHKMMSELoss):
    """mmpose's ``KeypointOHKMMSELoss`` (the release's Goliath loss, ``topk=128``) without its
    Python loops over keypoints and samples: the same value and gradients, in one pass.

    Per sample the heatmap MSE of every keypoint (mean over H x W, heatmaps multiplied by the
    target weight first when ``use_target_weight``) is taken, the ``topk`` largest are averaged,
    and the result is averaged over the batch and multiplied by ``loss_weight``.

    Shapes: ``output`` and ``target`` (B, K, H, W); ``target_weights`` (B, K).
    Upstream loops 2K small ops forward and backward, which for K = 308 costs more than a tiny
    model's whole step on a CPU.
    """

    def forward(self, output: Tensor, target: Tensor, target_weights: Tensor) -> Tensor:
        num_keypoints = output.size(1)
        if num_keypoints < self.topk:
            raise ValueError(f'topk ({self.topk}) should not be larger than num_keypoints '
                             f'({num_keypoints}).')
        if self.use_target_weight:
            w = target_weights[:, :, None, None]
            output, target = output * w, target * w
        per_keypoint = (output - target).pow(2).mean(dim=(2, 3))  # (B, K)
        hardest = torch.topk(per_keypoint, k=self.topk, dim=1, sorted=False).values
        return hardest.mean(dim=1).mean() * self.loss_weight

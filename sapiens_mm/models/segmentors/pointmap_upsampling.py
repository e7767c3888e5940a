"""Resizing a predicted pointmap to the image size as the release's demo does
(``resize_pointmap`` in ``sapiens/dense/tools/vis/vis_pointmap.py``)."""
from typing import Tuple

import torch.nn.functional as F
import torchvision.transforms.functional as TVF
from torch import Tensor

__all__ = ['resize_pointmap']


def resize_pointmap(pointmap: Tensor, size: Tuple[int, int], smooth: bool = True,
                    kernel_size: int = 3, sigma: float = 0.8, passes: int = 4) -> Tensor:
    """(B, 3, h, w) XYZ -> (B, 3, H, W). When the map is enlarged (H > h or W > w) and
    ``smooth``, it is first blurred ``passes`` times with a ``kernel_size`` Gaussian of
    ``sigma`` pixels (torchvision, reflect padding) so the bilinear upsampling does not show the
    network's pixel grid; then bilinear, ``align_corners=False``, no antialiasing. Units are
    kept (metres in, metres out)."""
    if pointmap.dim() != 4 or pointmap.shape[1] != 3:
        raise ValueError(f'pointmap must be (B, 3, h, w), got {tuple(pointmap.shape)}')
    height, width = int(size[0]), int(size[1])
    if smooth and (height > pointmap.shape[2] or width > pointmap.shape[3]):
        for _ in range(passes):
            pointmap = TVF.gaussian_blur(pointmap, kernel_size=[kernel_size, kernel_size],
                                         sigma=[sigma, sigma])
    return F.interpolate(pointmap, size=(height, width), mode='bilinear', align_corners=False,
                         antialias=False)

"""Sapiens2 pointmap head (the release's ``PointmapHead``,
``sapiens/dense/src/models/heads/pointmap_head.py``): a dense XYZ branch and a scale branch."""
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from sapiens_mm.registry import MODELS
from .layers import norm_act
from .sapiens2_normal_head import Sapiens2NormalHead
from .sapiens2_seg_head import SAPIENS2_CONV_INIT

__all__ = ['Sapiens2PointmapHead', 'POINTMAP_LOSSES']

#: The release's seven losses and weights (``sapiens/dense/configs/pointmap/``).
POINTMAP_LOSSES = (
    dict(type='PointmapDepthNormalizedL1Loss', loss_weight=2.0),
    dict(type='PointmapUpsampledL1Loss', loss_weight=1.0, scale_factor=2),
    dict(type='PointmapDepthSiLogLoss', loss_weight=1.0),
    dict(type='PointmapIntrinsicsConsistencyLoss', loss_weight=1.0),
    dict(type='PointmapCentredL1Loss', loss_weight=1.0),
    dict(type='PointmapNormalLoss', loss_weight=2.0),
    dict(type='PointmapScaleL1Loss', loss_weight=4.0),
)
#: The release's init of the scale MLP: Kaiming normal (fan in, gain 1), bias 0.
LINEAR_INIT = dict(type='Kaiming', layer='Linear', mode='fan_in', nonlinearity='linear',
                   distribution='normal', bias=0)


def _halved(size: int, times: int) -> int:
    """Size after ``times`` 1x1 convolutions of stride 2 without padding: ceil(size / 2) each."""
    for _ in range(times):
        size = (size - 1) // 2 + 1
    return size


@MODELS.register_module()
class Sapiens2PointmapHead(Sapiens2NormalHead):
    """feature (B, C, h, w) ->

    * dense branch (the normal head's layout): input_conv, PixelShuffle blocks, conv_layers,
      ``conv_pointmap`` 1x1 -> (B, 3, 16h, 16w) canonical XYZ (camera with focal 768 px);
    * scale branch: ``scale_conv_layers`` = per width Conv1x1 (stride 2, no padding) + IN + SiLU
      (64x48 -> 32x24 -> 16x12 -> 8x6 for (1536, 512, 128)), then ``scale_final_layer`` =
      Flatten (C, H, W order) -> Linear + SiLU ... -> Linear(.., 1): (B, 1), the scale
      ``s = 768 / fx``; the metric map is ``canonical / s``.

    The flatten ties the scale branch to one feature-map size: ``input_size`` (the network
    input, (H, W) pixels, 1024x768 in the release: 128 * 8 * 6 = 6144 features) and
    ``patch_size`` fix it, and a feature map of another size is refused with an error naming
    both. State-dict keys are the release's: the normal head's, ``conv_pointmap``,
    ``scale_conv_layers.{0,3,6}``, ``scale_final_layer.{1,3,5}`` (``.weight``, ``.bias``).

    Widths of the release: ``upsample_channels`` (1536, 768, 512, 256) and
    ``conv_out_channels`` (64, 32, 16) for 0.4B/0.8B/1B; (1536, 768, 768, 768) and
    (128, 64, 32) for 5B; ``scale_conv_out_channels`` (1536, 512, 128), ``scale_mlp_channels``
    (512, 128).

    Losses (:mod:`sapiens_mm.models.losses.pointmap_losses`, :data:`POINTMAP_LOSSES`), from
    the data samples' ``gt_pointmap`` (3, H, W) canonical XYZ, ``gt_pointmap_mask`` (1, H, W)
    and the metainfo ``pointmap_scale`` (s) and ``pointmap_K`` (3x3 K of the network input
    before the canonical rescale), made by ``PackPointmapInputs``.

    Args:
        in_channels (int): backbone width C.
        input_size (tuple[int, int]): network input (H, W) in pixels. Defaults to (1024, 768).
        patch_size (int): backbone stride. Defaults to 16.
        upsample_channels, conv_out_channels, conv_kernel_sizes: the dense branch (see
            :class:`Sapiens2NormalHead`).
        scale_conv_out_channels (Sequence[int]): widths of the stride-2 1x1 convolutions.
        scale_mlp_channels (Sequence[int]): hidden widths of the MLP (the output is 1).
        **kwargs: mmseg ``BaseDecodeHead`` arguments (``loss_decode``...).
    """

    def __init__(self, in_channels: int, input_size: Tuple[int, int] = (1024, 768),
                 patch_size: int = 16,
                 upsample_channels: Sequence[int] = (1536, 768, 512, 256),
                 conv_out_channels: Sequence[int] = (64, 32, 16),
                 conv_kernel_sizes: Sequence[int] = (3, 3, 3),
                 scale_conv_out_channels: Sequence[int] = (1536, 512, 128),
                 scale_mlp_channels: Sequence[int] = (512, 128),
                 loss_decode=POINTMAP_LOSSES,
                 init_cfg=SAPIENS2_CONV_INIT + (LINEAR_INIT, ), **kwargs):
        height, width = (int(v) for v in input_size)
        if height % patch_size or width % patch_size:
            raise ValueError(f'{type(self).__name__}: input_size {tuple(input_size)} is not a '
                             f'multiple of patch_size {patch_size}')
        super().__init__(in_channels, upsample_channels=upsample_channels,
                         conv_out_channels=conv_out_channels,
                         conv_kernel_sizes=conv_kernel_sizes, loss_decode=list(loss_decode),
                         init_cfg=init_cfg, **kwargs)
        self.conv_pointmap = self.conv_normal  # the release's name of the output layer
        del self.conv_normal
        self.input_size = (height, width)
        self.feature_size = (height // patch_size, width // patch_size)
        layers, width_c = [], in_channels
        for out in scale_conv_out_channels:
            layers += [nn.Conv2d(width_c, out, 1, stride=2), *norm_act(out)]
            width_c = out
        self.scale_conv_layers = nn.Sequential(*layers)
        n = len(scale_conv_out_channels)
        final = (_halved(self.feature_size[0], n), _halved(self.feature_size[1], n))
        if n and final == (1, 1):
            raise ValueError(
                f'{type(self).__name__}: the {n} stride-2 scale convolutions reduce the '
                f'{self.feature_size[0]}x{self.feature_size[1]} feature map of input '
                f'{height}x{width} to 1x1, where InstanceNorm cannot train; use a larger '
                'input_size or fewer scale_conv_out_channels')
        features = width_c * final[0] * final[1]
        mlp = [nn.Flatten()]
        for out in scale_mlp_channels:
            mlp += [nn.Linear(features, out), nn.SiLU()]
            features = out
        mlp.append(nn.Linear(features, 1))
        self.scale_final_layer = nn.Sequential(*mlp)

    def cls_seg(self, feat: Tensor) -> Tensor:
        if self.dropout is not None:
            feat = self.dropout(feat)
        return self.conv_pointmap(feat)

    def forward(self, inputs) -> Tuple[Tensor, Tensor]:
        """(B, C, h, w) feature (last of the backbone tuple) -> (canonical XYZ (B, 3, 16h, 16w),
        scale (B, 1))."""
        x = self._transform_inputs(inputs)
        if tuple(x.shape[2:]) != self.feature_size:
            raise ValueError(
                f'{type(self).__name__} was built for {self.input_size[0]}x{self.input_size[1]} '
                f'input (feature map {self.feature_size[0]}x{self.feature_size[1]}), got a '
                f'{x.shape[2]}x{x.shape[3]} feature map: the scale branch flattens the feature '
                'map into a fixed-size linear layer, so resize/pad the image to input_size or '
                'build the head with the input size you use')
        pointmap = self.cls_seg(self.conv_layers(self.upsample_blocks(self.input_conv(x))))
        scale = self.scale_final_layer(self.scale_conv_layers(x))
        return pointmap, scale

    def predict(self, inputs, batch_img_metas: List[dict], test_cfg) -> Tuple[Tensor, Tensor]:
        """The raw outputs: canonical map at the network input size and the scale; the
        estimator removes padding and makes the metric map."""
        return self.forward(inputs)

    def loss_by_feat(self, outputs: Tuple[Tensor, Tensor], batch_data_samples: List) -> dict:
        """The losses of ``loss_decode`` (summed per ``loss_name``), each called with the
        common arguments of :mod:`sapiens_mm.models.losses.pointmap_losses`."""
        pointmap, scale = outputs
        target = torch.stack([s.gt_pointmap.data for s in batch_data_samples]).to(pointmap)
        mask = torch.stack([s.gt_pointmap_mask.data for s in batch_data_samples]).bool()
        mask = mask.to(pointmap.device)
        if pointmap.shape[2:] != target.shape[2:]:
            raise ValueError(f'{type(self).__name__}: prediction {tuple(pointmap.shape[2:])} '
                             f'and gt_pointmap {tuple(target.shape[2:])} differ in size (the '
                             'release generates the target at the output size)')
        target_scale = torch.tensor([float(s.metainfo['pointmap_scale'])
                                     for s in batch_data_samples]).to(scale).view(-1, 1)
        intrinsics = torch.stack([torch.as_tensor(s.metainfo['pointmap_K'], dtype=torch.float32)
                                  for s in batch_data_samples]).to(pointmap)
        m = mask.to(pointmap.dtype)
        mean_depth = (target[:, 2:3] * m).sum(dim=(2, 3), keepdim=True) \
            / m.sum(dim=(2, 3), keepdim=True).clamp(min=1)
        context = dict(mean_depth=mean_depth, pred_scale=scale, target_scale=target_scale,
                       intrinsics=intrinsics)
        losses = dict()
        loss_fns = self.loss_decode if isinstance(self.loss_decode, nn.ModuleList) \
            else [self.loss_decode]
        for loss_fn in loss_fns:
            value = loss_fn(pointmap, target, mask, **context)
            losses[loss_fn.loss_name] = losses.get(loss_fn.loss_name, 0) + value
        return losses

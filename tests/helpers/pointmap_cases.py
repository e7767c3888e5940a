"""Deterministic (formula-made, no RNG) pointmap inputs shared by the loss and metric tests and
by the script that produced their golden values with the release's code."""
import torch

CANONICAL_FOCAL = 768.0


def camera(b: int):
    """(fx, fy, cx, cy) of sample ``b`` of a 16x12 image, pixels."""
    return 20.0 + 5.0 * b, 22.0 - 2.0 * b, 5.5 + b, 7.5 - 0.5 * b


def loss_case(batch: int = 2, height: int = 16, width: int = 12):
    """Curved surfaces seen by per-sample cameras: returns dict with ``pred``, ``target``
    (B, 3, H, W) canonical maps (target 0 off the mask), ``mask`` (B, 1, H, W) bool,
    ``intrinsics`` (B, 3, 3) before the canonical rescale, ``target_scale`` and
    ``pred_scale`` (B, 1), ``mean_depth`` (B, 1, 1, 1)."""
    v, u = torch.meshgrid(torch.arange(height, dtype=torch.float64),
                          torch.arange(width, dtype=torch.float64), indexing='ij')
    targets, preds, masks, Ks, scales = [], [], [], [], []
    for b in range(batch):
        fx, fy, cx, cy = camera(b)
        z = 2.0 + 0.5 * b + 0.3 * torch.sin(u / 3.0) + 0.2 * torch.cos(v / 4.0)
        metric = torch.stack([(u - cx) * z / fx, (v - cy) * z / fy, z])
        s = CANONICAL_FOCAL / fx
        mask = ((u - cx) / (0.4 * width)) ** 2 + ((v - cy) / (0.4 * height)) ** 2 < 1
        target = s * metric * mask
        wobble = torch.stack([torch.sin(u + v), torch.cos(2 * u - v), torch.sin(u * v / 7.0)])
        pred = s * metric * (1.1 - 0.05 * b) + 0.3 * wobble + 0.2 * b
        targets.append(target)
        preds.append(pred)
        masks.append(mask[None])
        Ks.append(torch.tensor([[fx, 0, cx], [0, fy, cy], [0, 0, 1.0]], dtype=torch.float64))
        scales.append(s)
    target = torch.stack(targets).float()
    mask = torch.stack(masks)
    m = mask.float()
    mean_depth = (target[:, 2:3] * m).sum(dim=(2, 3), keepdim=True) / m.sum(dim=(2, 3),
                                                                          keepdim=True)
    target_scale = torch.tensor(scales).view(-1, 1).float()
    return dict(pred=torch.stack(preds).float(), target=target, mask=mask,
                intrinsics=torch.stack(Ks).float(), target_scale=target_scale,
                pred_scale=target_scale * torch.tensor([[0.9], [1.2]])[:batch],
                mean_depth=mean_depth)


def transform_case(height: int = 40, width: int = 30):
    """A results dict for the pointmap transforms: BGR image, uint8 mask (255 on an ellipse),
    float32 metric depth (a slanted surface), K and M (float64)."""
    import numpy as np
    v, u = np.mgrid[0:height, 0:width].astype(np.float64)
    img = np.stack([(u * 7 + v * 3) % 256, (u * v) % 256, (v * 11) % 256], -1).astype(np.uint8)
    person = (((u - 0.45 * width) / (0.3 * width)) ** 2
              + ((v - 0.5 * height) / (0.4 * height)) ** 2 < 1)
    depth = (2.0 + 0.02 * u + 0.01 * v + 0.1 * np.sin(u / 3)).astype(np.float32)
    K = np.array([[35.0, 0, 14.2], [0, 36.0, 20.7], [0, 0, 1]])
    M = np.array([[1.0, 0, 0, 0.1], [0, 0.8, -0.6, 0.2], [0, 0.6, 0.8, 3.0], [0, 0, 0, 1]])
    return dict(img=img, mask=(person * 255).astype(np.uint8), gt_depth=depth, K=K, M=M,
                img_shape=(height, width))


def formula_params(module):
    """Set every parameter (in state-dict order) to a fixed formula of its index, so a head
    and the release's give comparable outputs without sharing a checkpoint."""
    with torch.no_grad():
        for i, (_, p) in enumerate(sorted(module.named_parameters())):
            n = torch.arange(p.numel(), dtype=torch.float64)
            p.copy_((0.3 * torch.sin(0.7 * n + i) / max(1.0, p[0].numel() ** 0.5) + (
                1.0 if p.dim() == 1 and 'norm' in _ else 0.0)).view_as(p))


def formula_input(channels: int, height: int, width: int, batch: int = 2):
    """A (B, C, h, w) feature map from a formula."""
    n = torch.arange(batch * channels * height * width, dtype=torch.float64)
    return torch.cos(0.37 * n).view(batch, channels, height, width).float()

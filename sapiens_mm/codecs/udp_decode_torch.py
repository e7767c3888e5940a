"""Batched torch version of mmpose's UDP heatmap decoding with DARK refinement.

mmpose's ``UDPHeatmap.decode`` runs per person in numpy (argmax, a cv2 Gaussian blur of every
heatmap, log, then a per-keypoint Newton step on the log-heatmap); for 308 heatmaps of 256x192
that is 70-130 ms per person on a laptop CPU. The functions here do the same arithmetic on a
whole batch at once, on any device, and give the same keypoints (see the tests and
``tools/benchmark/benchmark_pose_decode.py``).
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F

__all__ = ['heatmap_maximum', 'blur_heatmaps', 'refine_dark_udp', 'decode_udp_heatmaps']


def heatmap_maximum(heatmaps: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Argmax location (x, y) in heatmap pixels and value of (B, K, H, W) heatmaps.

    Returns (B, K, 2) float locations (-1 where the maximum is <= 0, as mmpose) and (B, K)
    values. Ties resolve as numpy's flat argmax (first row, then first column). One pass over
    the maps (row maxima), then small reductions: a fused values+indices reduction over
    H*W elements is several times slower on CPU.
    """
    B, K, H, W = heatmaps.shape
    row_max = heatmaps.amax(dim=-1)                          # (B, K, H)
    y = row_max.argmax(dim=-1)                               # first row holding the maximum
    vals = row_max.gather(-1, y[..., None])[..., 0]
    row = heatmaps.gather(2, y[..., None, None].expand(B, K, 1, W))[:, :, 0]  # (B, K, W)
    x = row.argmax(dim=-1)
    locs = torch.stack([x, y], dim=-1).to(heatmaps.dtype)
    locs[vals <= 0] = -1
    return locs, vals


def _gaussian_kernel1d(ksize: int, device, dtype) -> torch.Tensor:
    # OpenCV's sigma for GaussianBlur(..., sigmaX=0).
    sigma = 0.3 * ((ksize - 1) * 0.5 - 1) + 0.8
    x = torch.arange(ksize, device=device, dtype=torch.float64) - (ksize - 1) / 2
    g = torch.exp(-x**2 / (2 * sigma**2))
    return (g / g.sum()).to(dtype)


def blur_heatmaps(heatmaps: torch.Tensor, kernel: int = 11) -> torch.Tensor:
    """Gaussian blur (zero border) of (B, K, H, W) heatmaps, each rescaled to keep its maximum."""
    B, K, H, W = heatmaps.shape
    border = (kernel - 1) // 2
    g = _gaussian_kernel1d(kernel, heatmaps.device, heatmaps.dtype)
    x = heatmaps.reshape(B * K, 1, H, W)
    x = F.conv2d(F.pad(x, (border, border, 0, 0)), g.view(1, 1, 1, kernel))
    x = F.conv2d(F.pad(x, (0, 0, border, border)), g.view(1, 1, kernel, 1))
    x = x.reshape(B, K, H, W)
    origin_max = heatmaps.amax(dim=(2, 3), keepdim=True)
    return x * (origin_max / x.amax(dim=(2, 3), keepdim=True))


def _newton_step(locs, i_, ix1, ix1_, iy1, iy1_, ix1y1, ix1_y1_):
    """mmpose's DARK step from the log-heatmap at the 3x3 neighbourhood (float64 arithmetic)."""
    dx, dy = 0.5 * (ix1 - ix1_), 0.5 * (iy1 - iy1_)
    dxx = ix1 - 2 * i_ + ix1_
    dyy = iy1 - 2 * i_ + iy1_
    dxy = 0.5 * (ix1y1 - ix1 - iy1 + i_ + i_ - ix1_ - iy1_ + ix1_y1_)
    eps = torch.finfo(torch.float32).eps
    a, d = dxx + eps, dyy + eps  # mmpose inverts hessian + eps * I
    det = a * d - dxy * dxy
    step = torch.stack([(d * dx - dxy * dy) / det, (a * dy - dxy * dx) / det], dim=-1)
    return (locs.double() - step).to(locs.dtype)


def _refine_full(locs: torch.Tensor, heatmaps: torch.Tensor, kernel: int) -> torch.Tensor:
    """Reference path: blur whole maps as mmpose does, then step. (B, K, 2), (B, K, H, W)."""
    B, K, H, W = heatmaps.shape
    hm = blur_heatmaps(heatmaps, kernel).clamp(1e-3, 50.).log()
    flat = F.pad(hm, (1, 1, 1, 1), mode='replicate').reshape(B, -1)
    row, total = W + 2, flat.shape[1]
    index = (locs[..., 0] + 1 + (locs[..., 1] + 1) * row).long() + \
        torch.arange(K, device=heatmaps.device) * (row * (H + 2))

    def at(offset):  # mmpose indexes a flat numpy array: negative indices wrap around
        return flat.gather(1, (index + offset) % total).double()

    return _newton_step(locs, at(0), at(1), at(-1), at(row), at(-row), at(row + 1),
                        at(-row - 1))


def refine_dark_udp(locs: torch.Tensor, heatmaps: torch.Tensor, blur_kernel_size: int = 11,
                    peaks: Optional[torch.Tensor] = None) -> torch.Tensor:
    """DARK-UDP refinement: one Newton step on the blurred log-heatmap at each maximum.

    mmpose blurs every whole map, rescales it to keep its maximum, clamps to [1e-3, 50] and
    takes the log. The rescale is a constant in log space and cancels in every finite
    difference, so unless clamping touches the 3x3 neighbourhood the step only needs the
    blurred values there: they are computed from a (k+2)^2 window around each maximum, which
    costs O(K k^2) instead of O(K H W). Maps where clamping could matter (a neighbour below 1e-3,
    a maximum above 50 or <= 0) take the whole-map path, so the result is mmpose's.

    Args:
        locs: (B, K, 2) integer argmax locations (x, y) in heatmap pixels (-1 if max <= 0).
        heatmaps: (B, K, H, W).
        blur_kernel_size: odd Gaussian kernel size k.
        peaks: (B, K) maxima of the maps if already known (saves a pass over the maps).
    Returns:
        (B, K, 2) refined sub-pixel locations in heatmap pixels.
    """
    B, K, H, W = heatmaps.shape
    r = (blur_kernel_size - 1) // 2 + 1
    x, y = locs[..., 0].long(), locs[..., 1].long()
    cx, cy = x.clamp(1, W - 2), y.clamp(1, H - 2)  # 3x3 block cx-1..cx+1 holds every neighbour
    offs = torch.arange(-r, r + 1, device=heatmaps.device)
    xs, ys = cx[..., None] + offs, cy[..., None] + offs  # (B, K, k+2)
    inside = ((ys >= 0) & (ys < H))[..., :, None] & ((xs >= 0) & (xs < W))[..., None, :]
    idx = (ys.clamp(0, H - 1)[..., :, None] * W + xs.clamp(0, W - 1)[..., None, :])
    win = heatmaps.reshape(B, K, H * W).gather(2, idx.reshape(B, K, -1))
    win = win.reshape(idx.shape) * inside  # zero border, as mmpose pads before blurring
    g = _gaussian_kernel1d(blur_kernel_size, heatmaps.device, heatmaps.dtype)
    block = (win.unfold(-1, blur_kernel_size, 1) @ g)  # (B, K, k+2, 3): blurred along x
    block = (block.transpose(-1, -2).unfold(-1, blur_kernel_size, 1) @ g).transpose(-1, -2)

    def at(dx, dy):  # blurred value at the edge-clamped neighbour (x+dx, y+dy)
        col = (x + dx).clamp(0, W - 1) - (cx - 1)
        row = (y + dy).clamp(0, H - 1) - (cy - 1)
        return block.reshape(B, K, 9).gather(2, (row * 3 + col)[..., None])[..., 0].double()

    n = {(dx, dy): at(dx, dy) for dx, dy in
         ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1))}
    vals = torch.stack(list(n.values()), dim=-1)
    if peaks is None:
        peaks = heatmaps.reshape(B, K, -1).amax(-1)
    safe = (vals.amin(-1) >= 1e-3) & (peaks <= 50.) & (locs[..., 0] >= 0)
    logs = {key: v.clamp_min(1e-30).log() for key, v in n.items()}
    out = _newton_step(locs, logs[0, 0], logs[1, 0], logs[-1, 0], logs[0, 1], logs[0, -1],
                       logs[1, 1], logs[-1, -1])
    if not bool(safe.all()):
        b_idx, k_idx = torch.nonzero(~safe, as_tuple=True)
        out[b_idx, k_idx] = _refine_full(
            locs[b_idx, k_idx][:, None], heatmaps[b_idx, k_idx][:, None],
            blur_kernel_size)[:, 0]
    return out


@torch.no_grad()
def decode_udp_heatmaps(heatmaps: torch.Tensor, input_size: Tuple[int, int],
                        blur_kernel_size: int = 11) -> Tuple[torch.Tensor, torch.Tensor]:
    """Decode (B, K, H, W) UDP Gaussian heatmaps into input-image keypoints.

    Args:
        heatmaps: model output for B person crops.
        input_size: (w, h) of the model input in pixels.
        blur_kernel_size: DARK modulation kernel (mmpose default 11).
    Returns:
        keypoints (B, K, 2) in input pixels (x, y) and scores (B, K), the heatmap maxima.
    """
    heatmaps = heatmaps.float()
    _, _, H, W = heatmaps.shape
    locs, scores = heatmap_maximum(heatmaps)
    locs = refine_dark_udp(locs, heatmaps, blur_kernel_size, peaks=scores)
    scale = torch.tensor([input_size[0] / (W - 1), input_size[1] / (H - 1)],
                         device=locs.device, dtype=locs.dtype)
    return locs * scale, scores

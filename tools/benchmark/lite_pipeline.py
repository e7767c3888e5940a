"""The release's lite-demo pre- and post-processing, replicated for comparisons.

What ``lite/demo/vis_{seg,depth,normal,pose}.py`` of the Sapiens release do around the model
(eager here, fp32, with this project's modules holding the same weights):

* preprocess: cv2 BGR -> ``cv2.resize`` to the model input (W, H), bilinear -> RGB ->
  ``(x - [123.5, 116.5, 103.5]) / [58.5, 57.0, 57.5]`` (rounded training constants);
* seg: logits -> one bilinear resize to the image -> argmax; depth: one bilinear resize;
  normal: one bilinear resize, then ``n / (|n| + 1e-5)``;
* pose: the whole image as the box, padded 1.25x at the **image's** aspect ratio and warped
  (UDP) onto the 768x1024 input (a stretch when the aspects differ), no flip; heatmaps decoded
  with UDP + DARK refinement (blur kernel 11) and mapped back to the image.
"""
import cv2
import numpy as np
import torch
import torch.nn.functional as F

LITE_MEAN = (123.5, 116.5, 103.5)
LITE_STD = (58.5, 57.0, 57.5)


def lite_preprocess(img_bgr: np.ndarray, hw, mean=LITE_MEAN, std=LITE_STD) -> torch.Tensor:
    """(1, 3, H, W) float32 input of the lite demo."""
    h, w = hw
    x = cv2.resize(img_bgr, (w, h), interpolation=cv2.INTER_LINEAR)[..., ::-1]
    x = torch.from_numpy(np.ascontiguousarray(x)).permute(2, 0, 1).float()
    m = torch.tensor(mean).view(3, 1, 1)
    s = torch.tensor(std).view(3, 1, 1)
    return ((x - m) / s)[None]


def lite_dense(task: str, out: torch.Tensor, shape) -> np.ndarray:
    """The lite demo's result of one head output (C, h, w) at the image ``shape`` (H, W)."""
    x = F.interpolate(out[None].float(), size=tuple(shape), mode='bilinear',
                      align_corners=False)[0]
    if task == 'seg':
        return x.argmax(0).to(torch.uint8).numpy()
    if task == 'depth':
        return x[0].numpy()
    n = x.permute(1, 2, 0).numpy()
    return n / (np.linalg.norm(n, axis=-1, keepdims=True) + 1e-5)


def lite_pose_crop(img_bgr: np.ndarray, hw, padding: float = 1.25):
    """(1, 3, H, W) input of the whole image's crop, and (center, scale) to map back."""
    from mmpose.structures.bbox import get_udp_warp_matrix
    h_in, w_in = hw
    H, W = img_bgr.shape[:2]
    center = np.array([W / 2, H / 2], np.float32)
    scale = np.array([W, H], np.float32) * padding  # the image's aspect, not the model's
    warp = get_udp_warp_matrix(center, scale, 0, output_size=(w_in, h_in))
    crop = cv2.warpAffine(img_bgr, warp, (w_in, h_in), flags=cv2.INTER_LINEAR)
    return lite_preprocess(crop, hw), center, scale


def lite_pose_decode(heatmaps: np.ndarray, center, scale, input_wh):
    """(K, 2) keypoints in image pixels and (K,) scores from one crop's (K, h, w) heatmaps
    (UDP + DARK, blur kernel 11, as ``lite/demo/pose_utils.py``)."""
    from mmpose.codecs import UDPHeatmap
    k, h, w = heatmaps.shape
    codec = UDPHeatmap(input_size=tuple(input_wh), heatmap_size=(w, h), blur_kernel_size=11)
    kpts, scores = codec.decode(heatmaps.astype(np.float32))
    kpts = kpts[0] / np.array(input_wh, np.float32) * scale + center - 0.5 * scale
    return kpts, scores[0]

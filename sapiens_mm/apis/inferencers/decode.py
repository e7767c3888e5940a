"""Head outputs -> results at the original image size, and pose results as JSON records.

Dense outputs are resized **once**, straight from the head output to the original image (as
the release's ``lite/demo/vis_{seg,depth,normal}.py`` do), in float32:

* seg: logits (C, h, w) -> bilinear to (H, W) -> argmax -> (H, W) uint8 labels;
* depth: (1, h, w) -> bilinear -> (H, W) float32;
* normal: (3, h, w) -> bilinear -> divided by its length -> (H, W, 3) float32 unit vectors.

mmseg's ``predict`` (``tools/test.py``, the release's evaluation path) resizes twice: head
output -> the model input size -> the original image; the inference path does not.
"""
from typing import List, Tuple

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ['dense_to_image', 'pose_instances', 'pose_to_coco']


def dense_to_image(task: str, out: torch.Tensor, shape: Tuple[int, int],
                   align_corners: bool = False) -> np.ndarray:
    """One image's result from its head output ``out`` (C, h, w) at ``shape`` = (H, W)."""
    x = out[None].float()
    if tuple(x.shape[-2:]) != tuple(shape):
        x = F.interpolate(x, size=tuple(shape), mode='bilinear', align_corners=align_corners)
    x = x[0]
    if task == 'seg':
        labels = x.argmax(0) if x.shape[0] > 1 else (x[0].sigmoid() > 0.5).long()
        return labels.to(torch.uint8).cpu().numpy()
    if task == 'depth':
        return x[0].cpu().numpy()
    if task == 'normal':
        x = F.normalize(x, dim=0, eps=1e-6)
        return x.permute(1, 2, 0).contiguous().cpu().numpy()
    raise ValueError(f'dense_to_image: unknown task {task!r}')


def pose_instances(sample) -> List[dict]:
    """mmpose's per-image JSON records (``split_instances``): ``keypoints`` (K, 2) px,
    ``keypoint_scores`` (K,), ``bbox`` [[x1, y1, x2, y2]], ``bbox_score``, as lists."""
    if sample is None or 'pred_instances' not in sample:
        return []
    from mmpose.structures import split_instances
    return _plain(split_instances(sample.pred_instances))


def _plain(obj):
    """numpy scalars / arrays inside lists and dicts -> Python numbers and lists."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def pose_to_coco(sample, image_id: int) -> List[dict]:
    """COCO keypoint results (``keypoints`` as x, y, score triplets; ``bbox`` xywh)."""
    if sample is None or 'pred_instances' not in sample:
        return []
    inst = sample.pred_instances
    out = []
    for kpts, scores, box in zip(inst.keypoints, inst.keypoint_scores, inst.bboxes):
        trip = np.concatenate([kpts, np.asarray(scores)[:, None]], axis=1).reshape(-1)
        x0, y0, x1, y1 = (float(v) for v in box)
        out.append(dict(image_id=image_id, category_id=1,
                        keypoints=[round(float(v), 2) for v in trip],
                        score=float(np.mean(scores)), bbox=[x0, y0, x1 - x0, y1 - y0]))
    return out

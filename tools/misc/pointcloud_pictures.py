"""Point-cloud pictures of held-out people: a pointmap model's points beside the ground truth.

    python tools/misc/pointcloud_pictures.py CONFIG CHECKPOINT DATA_DIR --out DIR [--num 4]

For the first ``--num`` samples of ``CONFIG``'s test pipeline with ``data_root=DATA_DIR``
(the network input and canonical target ``tools/test.py`` scores), writes
``DIR/{image stem}_pointcloud.png``: the input | ground truth and prediction seen from the
camera | ground truth and prediction seen from the side (from the left, looking along +x:
depth runs to the right). Both clouds are the canonical maps divided by the image's true
canonical scale ``s = 768 / fx`` (so metres), on the person's pixels only (those the metric
scores), each point in the colour of its pixel, drawn orthographically with a depth buffer;
prediction and ground truth share one framing (the ground truth's), so a wrong distance or
shape shows as a shift. The header gives the image's mean L2 error in metres. CHECKPOINT
``none`` draws the untrained model.
"""
import argparse
import os
import os.path as osp
from typing import Tuple

import cv2
import numpy as np
import torch

PANEL = (256, 192)  # (h, w) of each picture
# per view: the two world axes drawn along the picture's (right, down) directions and the one
# whose smaller value is nearer the viewer
VIEWS = {'camera view': (0, 1, 2), 'side view': (2, 1, 0)}


def view_frame(points: np.ndarray, view: str) -> Tuple[np.ndarray, float]:
    """The centre (3,) and half extent (metres, 10 % margin) that frame ``points`` (N, 3) in
    ``view`` (the larger of its two drawn axes' half ranges)."""
    right, down, _ = VIEWS[view]
    lo, hi = points.min(0), points.max(0)
    centre = (lo + hi) / 2
    half = max(hi[right] - lo[right], hi[down] - lo[down]) / 2 * 1.1
    return centre, max(float(half), 1e-3)


def render_points(points: np.ndarray, colors: np.ndarray, view: str, centre: np.ndarray,
                  half: float, size: Tuple[int, int] = PANEL, splat: int = 3) -> np.ndarray:
    """(N, 3) points (metres, OpenCV camera frame) with (N, 3) uint8 colours -> (h, w, 3)
    uint8 picture on black: an orthographic view of ``half`` metres either side of
    ``centre`` along the larger picture side, each point a ``splat``-pixel square; where
    squares overlap the point nearer the viewer wins."""
    h, w = size
    right, down, depth = VIEWS[view]
    px = min(h, w) / (2 * half)  # pixels per metre
    u = np.round((points[:, right] - centre[right]) * px + w / 2).astype(np.int64)
    v = np.round((points[:, down] - centre[down]) * px + h / 2).astype(np.int64)
    offsets = [(du, dv) for du in range(splat) for dv in range(splat)]
    u = np.concatenate([u + du for du, _ in offsets])
    v = np.concatenate([v + dv for _, dv in offsets])
    z = np.tile(points[:, depth], len(offsets))
    rgb = np.tile(colors, (len(offsets), 1))
    inside = (u >= 0) & (u < w) & (v >= 0) & (v < h)
    u, v, z, rgb = u[inside], v[inside], z[inside], rgb[inside]
    order = np.argsort(z, kind='stable')  # nearest first
    _, first = np.unique((v * w + u)[order], return_index=True)
    keep = order[first]
    picture = np.zeros((h, w, 3), np.uint8)
    picture[v[keep], u[keep]] = rgb[keep]
    return picture


def labelled(picture: np.ndarray, text: str) -> np.ndarray:
    out = picture.copy()
    cv2.putText(out, text, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1,
                cv2.LINE_AA)
    return out


def person_picture(image: np.ndarray, gt: np.ndarray, pred: np.ndarray,
                   mask: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 BGR input, (H, W, 3) metric ground-truth and predicted maps, (H, W)
    bool person mask -> the row of five pictures (module docstring)."""
    colors = image[mask]
    gt_points, pred_points = gt[mask], pred[mask]
    error = float(np.linalg.norm(pred_points - gt_points, axis=1).mean())
    panels = [labelled(cv2.resize(image, PANEL[::-1], interpolation=cv2.INTER_AREA), 'input')]
    for view in VIEWS:
        centre, half = view_frame(gt_points, view)
        panels.append(labelled(render_points(gt_points, colors, view, centre, half),
                               f'ground truth, {view}'))
        panels.append(labelled(render_points(pred_points, colors, view, centre, half),
                               f'prediction, {view}'))
    row = np.concatenate([np.pad(p, ((0, 0), (0, 2), (0, 0))) for p in panels], axis=1)
    header = np.zeros((20, row.shape[1], 3), np.uint8)
    cv2.putText(header, f'mean L2 error on the person: {error:.3f} m', (4, 14),
                cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
    return np.concatenate([header, row], axis=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', help="a trained checkpoint, or 'none' (untrained)")
    parser.add_argument('data_dir', help='a split in the release layout (the test data root)')
    parser.add_argument('--out', required=True, help='folder of the pictures')
    parser.add_argument('--num', type=int, default=4, help='how many samples (the first ones)')
    args = parser.parse_args()
    if args.num < 1:
        parser.error(f'--num must be at least 1, got {args.num}')

    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DATASETS, MODELS, init_default_scope

    from sapiens_mm.checkpoint import load_model_weights
    from sapiens_mm.utils.fileio import check_not_input

    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset_cfg = cfg.test_dataloader.dataset
    dataset_cfg.data_root = args.data_dir
    dataset = DATASETS.build(dataset_cfg)
    model = MODELS.build(cfg.model)
    if args.checkpoint.lower() != 'none':
        load_model_weights(model, args.checkpoint, strict=True)
    model.eval()
    os.makedirs(args.out, exist_ok=True)
    for i in range(min(args.num, len(dataset))):
        data = dataset[i]
        sample = data['data_samples']
        with torch.no_grad():
            result = model.test_step(pseudo_collate([data]))[0]
        s = float(sample.metainfo['pointmap_scale'])
        gt = sample.gt_pointmap.data.numpy().transpose(1, 2, 0) / s
        pred = result.pred_canonical_pointmap.data.float().numpy().transpose(1, 2, 0) / s
        mask = sample.gt_pointmap_mask.data.numpy()[0]
        image = np.ascontiguousarray(data['inputs'].numpy().transpose(1, 2, 0))
        stem = osp.splitext(osp.basename(sample.metainfo['img_path']))[0]
        path = osp.join(args.out, f'{stem}_pointcloud.png')
        check_not_input(path, [sample.metainfo['img_path']])
        cv2.imwrite(path, person_picture(image, gt, pred, mask))
        print(path)


if __name__ == '__main__':
    main()

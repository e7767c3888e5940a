"""Trivial baselines of the dense tasks on a split, with the same metrics as the models.

    python tools/misc/dense_baselines.py DATA_DIR --out-dir outputs/demo/baselines \
        [--pointmap-config configs/sapiens2_pointmap/synthetic/...-128x96.py]

* part segmentation: every pixel Background, scored by mmseg's ``IoUMetric`` (mIoU, mAcc, aAcc
  in %, as ``tools/test.py`` reports them; aAcc is then the background share of the pixels);
* depth: a constant prediction (the same relative depth everywhere on the person), scored by
  ``HumanDepthMetric`` (its scale-and-shift alignment turns it into the mean depth); and, as a
  stronger reference, the image row as the prediction (a ramp from top to bottom), which the
  metric's per-image alignment fits with the best slope and sign: what a model gets from
  knowing only which way depth runs along the body, and nothing about its shape;
* normals: every normal facing the camera, (0, 0, -1) in the OpenCV camera frame, scored by
  ``SurfaceNormalMetric``;
* pointmaps (with ``--pointmap-config``): a fronto-parallel plane at the mean ground-truth
  depth of the person's pixels, back-projected through the image's intrinsics
  (:func:`plane_pointmap`), scored by ``PointmapMetric`` on the samples of the config's test
  pipeline with the split as its ``data_root`` (the canonical maps at the network input that
  ``tools/test.py`` scores the model on).

Writes ``<out-dir>/{seg,depth,depth_ramp,normal[,pointmap]}/baseline/baseline.json`` in the
format of ``tools/test.py``'s metric files (one JSON line; keys ``mIoU``..., ``depth/...``,
``normal/...``, ``pointmap/...``), so that ``tools/misc/demo_summary.py`` can show them beside
the models.
"""
import argparse
import glob
import json
import os
import sys

import cv2
import numpy as np
import torch
from mmseg.evaluation.metrics import IoUMetric

from sapiens_mm.datasets.body_part_classes import BODY_PART_CLASSES
from sapiens_mm.datasets.transforms.pointmap_target import canonical_pointmap
from sapiens_mm.evaluation.metrics.human_depth_metric import HumanDepthMetric
from sapiens_mm.evaluation.metrics.pointmap_metric import PointmapMetric
from sapiens_mm.evaluation.metrics.surface_normal_metric import \
    SurfaceNormalMetric


def write(out_dir: str, task: str, metrics: dict, prefix: bool = True,
          folder: str = None) -> str:
    path = os.path.join(out_dir, folder or task, 'baseline', 'baseline.json')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(json.dumps({(f'{task}/{k}' if prefix else k): float(v)
                            for k, v in metrics.items()}) + '\n')
    return path


def depth_baselines(depth_files) -> dict:
    """``HumanDepthMetric`` of a constant prediction and of the image row as the prediction."""
    metric = HumanDepthMetric(pred_space='relative')
    constant, ramp = [], []
    for f in depth_files:
        gt = np.load(f)
        if gt.ndim != 2:
            sys.exit(f'{f}: not an (H, W) depth array')
        constant.append(metric.image_errors(np.full_like(gt, 0.5), gt))
        rows = np.broadcast_to(np.arange(gt.shape[0], dtype=np.float32)[:, None], gt.shape)
        ramp.append(metric.image_errors(rows / max(gt.shape[0] - 1, 1), gt))
    return dict(constant=metric.compute_metrics(constant), ramp=metric.compute_metrics(ramp))


def all_background_seg(seg_files) -> dict:
    """mmseg ``IoUMetric`` of predicting Background (0) on every pixel of the label maps."""
    metric = IoUMetric(iou_metrics=['mIoU'])
    metric.dataset_meta = dict(classes=BODY_PART_CLASSES)
    results = []
    for f in seg_files:
        gt = cv2.imread(f, cv2.IMREAD_UNCHANGED)
        if gt is None or gt.ndim != 2:
            sys.exit(f'{f}: not a single-channel label PNG')
        gt = torch.from_numpy(gt.astype(np.int64))
        results.append(metric.intersect_and_union(torch.zeros_like(gt), gt,
                                                  len(BODY_PART_CLASSES), 255))
    return metric.compute_metrics(results)


def plane_pointmap(depth: np.ndarray, mask: np.ndarray, K: np.ndarray,
                   canonical_focal_length: float = 768.0) -> np.ndarray:
    """The plane baseline of one image: (H, W) metric depth (metres), (H, W) bool person mask
    and its 3x3 ``K`` -> (H, W, 3) canonical XYZ of the fronto-parallel plane ``Z = mean depth
    of the person's pixels``, back-projected through ``K`` as the target is
    (:func:`~sapiens_mm.datasets.transforms.pointmap_target.canonical_pointmap`, times
    ``s = canonical_focal_length / fx``), 0 off the person as the target."""
    mask = np.asarray(mask, bool)
    if depth.shape != mask.shape or not mask.any():
        raise ValueError(f'plane_pointmap: depth {depth.shape} and mask {mask.shape} must have '
                         'the same (H, W) shape and the mask a person pixel')
    plane = np.full(depth.shape, depth[mask].mean(), np.float64)
    xyz, _ = canonical_pointmap(plane, np.asarray(K, np.float64), canonical_focal_length)
    xyz[~mask] = 0
    return xyz.astype(np.float32)


def pointmap_plane_baseline(config: str, data_dir: str) -> dict:
    """``PointmapMetric`` of :func:`plane_pointmap` on every sample of ``config``'s test
    pipeline with ``data_root=data_dir``: the depth is the target's metric Z (canonical Z /
    ``s``), ``K`` the intrinsics at the network input (metainfo ``pointmap_K``), so the plane
    is scored at the same size and in the same canonical units as the model, by the metrics of
    the config's ``test_evaluator`` (the tiny config's: ``pointmap/...``, ``pointmap_aligned/...``
    and ``pointmap_rays/...``, the same numbers here: the plane already has the person's mean
    depth and the true camera rays)."""
    from mmengine.config import Config
    from mmengine.registry import DATASETS, init_default_scope

    from sapiens_mm.registry import METRICS
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset_cfg = cfg.test_dataloader.dataset
    dataset_cfg.data_root = data_dir
    dataset = DATASETS.build(dataset_cfg)
    focal = next((t.get('canonical_focal_length', 768.0) for t in dataset_cfg.pipeline
                  if t['type'] == 'GenerateCanonicalPointmap'), 768.0)
    evaluators = cfg.get('test_evaluator') or [dict(type='PointmapMetric')]
    if isinstance(evaluators, dict):
        evaluators = [evaluators]
    metrics = [METRICS.build(e) for e in evaluators]
    if not all(isinstance(m, PointmapMetric) for m in metrics):
        raise ValueError(f'{config}: test_evaluator must be PointmapMetric entries, got '
                         f'{[e["type"] for e in evaluators]}')
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        gt = sample.gt_pointmap.data  # (3, H, W) canonical
        mask = sample.gt_pointmap_mask.data  # (1, H, W) bool
        depth = gt[2].numpy() / sample.metainfo['pointmap_scale']
        plane = plane_pointmap(depth, mask[0].numpy(), sample.metainfo['pointmap_K'], focal)
        for metric in metrics:
            metric.process(None, [dict(pred_canonical_pointmap=torch.from_numpy(
                plane.transpose(2, 0, 1).copy()), gt_pointmap=gt, gt_pointmap_mask=mask)])
    return {k: v for metric in metrics for k, v in metric.evaluate(len(dataset)).items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('data_dir', help='a split with seg/ label maps, depth/ and normal/ arrays')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--pointmap-config',
                        help='a pointmap config: also score the plane baseline on its test '
                        'pipeline with DATA_DIR as data_root (needs images/ or rgb/, mask/, '
                        'camera_intrinsics/, camera_extrinsics/)')
    args = parser.parse_args()
    seg_files = sorted(glob.glob(os.path.join(args.data_dir, 'seg', '*.png')))
    depth_files = sorted(glob.glob(os.path.join(args.data_dir, 'depth', '*.npy')))
    normal_files = sorted(glob.glob(os.path.join(args.data_dir, 'normal', '*.npy')))
    if not seg_files or not depth_files or not normal_files:
        sys.exit(f'{args.data_dir}: no seg/*.png, depth/*.npy or normal/*.npy files')

    print('segmentation, all background:',
          write(args.out_dir, 'seg', all_background_seg(seg_files), prefix=False))

    depth = depth_baselines(depth_files)
    print('depth, constant:', write(args.out_dir, 'depth', depth['constant']))
    print('depth, image row:', write(args.out_dir, 'depth', depth['ramp'], folder='depth_ramp'))

    normal = SurfaceNormalMetric()
    stats = []
    for f in normal_files:
        gt = np.load(f).transpose(2, 0, 1)  # (3, H, W)
        pred = np.zeros_like(gt)
        pred[2] = -1.0  # facing the camera
        stats.append(normal.image_stats(pred, gt))
    print('normals, facing the camera:',
          write(args.out_dir, 'normal', normal.compute_metrics(stats)))

    if args.pointmap_config:
        print('pointmaps, plane at the mean depth:',
              write(args.out_dir, 'pointmap', prefix=False,
                    metrics=pointmap_plane_baseline(args.pointmap_config, args.data_dir)))


if __name__ == '__main__':
    main()

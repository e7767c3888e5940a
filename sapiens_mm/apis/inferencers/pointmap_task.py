"""The pointmap task of :class:`~.sapiens_inferencer.SapiensInferencer` (Sapiens2
``PointmapEstimator`` models, released as ``sapiens2_{size}_pointmap``), as the release's demo
``sapiens/dense/tools/vis/vis_pointmap.py`` runs it:

* **input**: the image fitted inside the network input keeping its aspect (floor sizes,
  bilinear) and centre-padded with 0 (the demo's ``PointmapResizePadImage``;
  :func:`inference_steps` switches the config's ``PointmapResize`` to ``rounding='floor'``,
  the training/validation resize rounds);
* **decoding** (:func:`decode_pointmaps`): the estimator's own ``postprocess_result``: metric
  map = canonical map / scale (metres, OpenCV camera frame: x right, y down, z forward),
  padding cropped, resized to the image (Gaussian-smoothed first when enlarged,
  :func:`~sapiens_mm.models.segmentors.pointmap_upsampling.resize_pointmap`) -> (H, W, 3)
  float32;
* **files** (:func:`write_pointmap_files`): ``{name}_pointmap.npy`` (H, W, 3) float32,
  ``{name}_depth.npy`` (H, W) float32 (its z; the release stores float16), ``{name}.ply``
  (binary PLY of the person's points with their RGB colours, then the release's 500 blue
  points on a 5 cm sphere marking the camera); the person is the segmentation foreground when
  a segmentation model runs in the same call, else every pixel (the demo without
  ``--seg_dir``);
* **pictures** (:func:`pointmap_pictures`): ``pointmap`` (turbo colour map of the inverse depth
  on the person, the release's clamps) and ``pointmap_normal`` (normals from the points). The
  colour bounds are the frame's (1st, 99th) depth percentiles; a video's frames share running
  bounds (:class:`DepthBounds`: the min and max over its frames so far, where the release
  takes them over all frames before drawing).
"""
import copy
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from ..pointmap_outputs import (depth_bounds, inverse_depth_picture, normals_picture,
                                person_cloud, write_ply)
from .writing import write_npy

__all__ = ['POINTMAP_FILES', 'POINTMAP_PICTURES', 'inference_steps', 'decode_pointmaps',
           'person_mask', 'pointmap_pictures', 'write_pointmap_files', 'DepthBounds',
           'check_pointmap_tasks']

#: suffixes of the files written per image under ``pred_out_dir``
POINTMAP_FILES = ('_pointmap.npy', '_depth.npy', '.ply')
#: pictures per image (``{name}_{key}.jpg`` under ``vis_out_dir``)
POINTMAP_PICTURES = ('pointmap', 'pointmap_normal')


def inference_steps(steps: List[dict]) -> List[dict]:
    """The config's test pipeline for inference: ``PointmapResize`` with the demo's floor
    rounding; the target steps (no depth at inference) left out."""
    out = []
    for t in steps:
        t = copy.deepcopy(dict(t))
        if t['type'] == 'GenerateCanonicalPointmap':
            continue
        if t['type'] == 'PointmapResize':
            t['rounding'] = 'floor'
        out.append(t)
    return out


def check_pointmap_tasks(tasks: Sequence[str]) -> None:
    """A depth model and a pointmap model both write ``{name}_depth.npy`` (relative depth /
    metric z): refused together, before anything is built or written."""
    if 'pointmap' in tasks and 'depth' in tasks:
        raise ValueError('a depth model and a pointmap model both write {name}_depth.npy; run '
                         'them in separate calls (or output folders)')


@torch.no_grad()
def decode_pointmaps(model: torch.nn.Module, outputs: Tuple[torch.Tensor, torch.Tensor],
                     packed: Sequence[dict]) -> List[np.ndarray]:
    """(H, W, 3) float32 metric maps at each image's size from the head's outputs (canonical
    map (B, 3, h, w), scale (B, 1)) and the samples' packed test-pipeline results (their
    ``ori_shape`` and ``img_padding_size``), through the estimator's ``postprocess_result``."""
    from mmseg.structures import SegDataSample
    canonical, scale = outputs
    samples = [SegDataSample(metainfo=p['data_samples'].metainfo) for p in packed]
    samples = model.postprocess_result((canonical.float(), scale.float()), samples)
    return [s.pred_pointmap.data.permute(1, 2, 0).float().contiguous().cpu().numpy()
            for s in samples]


def person_mask(result: dict, pointmap: np.ndarray) -> np.ndarray:
    """(H, W) bool: segmentation foreground if ``result`` has ``seg``, else every pixel; only
    finite points."""
    mask = result['seg'] > 0 if 'seg' in result else np.ones(pointmap.shape[:2], bool)
    return mask & np.isfinite(pointmap).all(axis=2)


class DepthBounds:
    """Running colour bounds of a video: (min of the frames' 1st percentiles, max of their 99th
    percentiles) of the person's depth, over the frames seen so far."""

    def __init__(self):
        self.value: Optional[Tuple[float, float]] = None

    def update(self, depth: np.ndarray, mask: np.ndarray) -> Optional[Tuple[float, float]]:
        b = depth_bounds(depth, mask)
        if b is not None:
            self.value = b if self.value is None else (min(self.value[0], b[0]),
                                                       max(self.value[1], b[1]))
        return self.value


def pointmap_pictures(pointmap: np.ndarray, mask: np.ndarray,
                      bounds: Optional[Tuple[float, float]] = None) -> Dict[str, np.ndarray]:
    """BGR uint8 pictures ``pointmap`` (inverse depth) and ``pointmap_normal`` (normals of the
    points), grey off the person; ``bounds`` (near, far) metres, default this frame's."""
    return dict(pointmap=inverse_depth_picture(pointmap[..., 2], mask, bounds),
                pointmap_normal=normals_picture(pointmap, mask))


def write_pointmap_files(base: str, pointmap: np.ndarray, img: np.ndarray, mask: np.ndarray,
                         guard=None) -> List[str]:
    """Write ``{base}_pointmap.npy``, ``{base}_depth.npy`` and ``{base}.ply`` (see the module
    docstring); ``img`` (H, W, 3) uint8 BGR gives the colours; each file checked against the
    inputs (``guard``) and read back. Returns the paths."""
    pointmap = np.asarray(pointmap, np.float32)
    if img.shape[:2] != pointmap.shape[:2]:
        raise ValueError(f'{base}: image {img.shape[:2]} and pointmap {pointmap.shape[:2]} '
                         'differ in size')
    paths = [base + s for s in POINTMAP_FILES]
    write_npy(paths[0], pointmap, guard)
    write_npy(paths[1], np.ascontiguousarray(pointmap[..., 2]), guard)
    write_ply(paths[2], *person_cloud(pointmap, img, mask), guard)
    return paths

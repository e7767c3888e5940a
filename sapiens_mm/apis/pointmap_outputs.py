"""Files and pictures of a pointmap prediction (the outputs of the Sapiens2 release's
``sapiens/dense/tools/vis/vis_pointmap.py``), for the inferencer to call per image:

* ``{name}_pointmap.npy``: (H, W, 3) float32 metric XYZ (metres, OpenCV camera frame: x right,
  y down, z forward) at the image size;
* ``{name}_depth.npy``: (H, W) its z (float16 as the release by default);
* ``{name}.ply``: the person's points with their image colours, binary little-endian PLY
  (``x y z`` float, ``red green blue`` uchar; the format Open3D, MeshLab and trimesh read),
  plus, as the release, 500 blue points on a 5 cm sphere at the camera centre;
* pictures: the inverse depth in the turbo colour map (the release's bounds and clamps) and the
  normals computed from the points.

The metric map is what ``PointmapEstimator`` puts in ``pred_pointmap`` (canonical / scale,
padding removed, Gaussian-smoothed when enlarged to the image size).
"""
import os
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from sapiens_mm.evaluation.metrics.pointmap_metric import sobel_normals
from sapiens_mm.utils.fileio import check_not_input
from .inferencers.writing import _temp, write_image, write_npy

__all__ = ['write_ply', 'camera_marker', 'person_cloud', 'inverse_depth_picture',
           'normals_picture', 'write_pointmap_outputs', 'depth_bounds']

#: the release's camera marker colour (RGB): blue
MARKER_RGB = (0, 0, 255)


def camera_marker(num: int = 500, radius: float = 0.05) -> np.ndarray:
    """(num, 3) points evenly spread (Fibonacci lattice) on a sphere of ``radius`` metres at
    the origin: the release marks the camera with 500 points of such a sphere (it samples them
    with Open3D's Poisson disk; this lattice is deterministic)."""
    i = np.arange(num) + 0.5
    z = 1 - 2 * i / num
    r = np.sqrt(1 - z ** 2)
    phi = np.pi * (1 + 5 ** 0.5) * i
    return radius * np.stack([r * np.cos(phi), r * np.sin(phi), z], axis=1)


def person_cloud(pointmap: np.ndarray, image: np.ndarray,
                 mask: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """The PLY's vertices as the release writes them: the person's points ``pointmap[mask]``
    (row order) with their ``image`` colours (BGR uint8 -> RGB), then the :func:`camera_marker`
    in blue. Returns points (N + 500, 3) and colours (N + 500, 3) uint8."""
    marker = camera_marker()
    colours = np.concatenate([image[mask][:, ::-1],
                              np.tile(np.array([MARKER_RGB], np.uint8), (len(marker), 1))])
    return np.concatenate([pointmap[mask], marker]), colours


def write_ply(path: str, points: np.ndarray, colors: np.ndarray, guard=None) -> str:
    """Binary little-endian PLY of ``points`` (N, 3) (stored float32) and ``colors`` (N, 3)
    uint8 RGB; written to a fresh temporary file beside it (refused first if ``guard``, an
    :class:`~.inferencers.output_files.OutputGuard`, holds ``path`` as an input), its size
    checked, then renamed into place."""
    points = np.asarray(points, np.float32).reshape(-1, 3)
    colors = np.asarray(colors, np.uint8).reshape(-1, 3)
    if len(points) != len(colors):
        raise ValueError(f'write_ply: {len(points)} points but {len(colors)} colours')
    if not np.isfinite(points).all():
        raise ValueError(f'write_ply: non-finite points for {path}')
    vertex = np.empty(len(points), dtype=[('x', '<f4'), ('y', '<f4'), ('z', '<f4'),
                                          ('red', 'u1'), ('green', 'u1'), ('blue', 'u1')])
    for i, key in enumerate('xyz'):
        vertex[key] = points[:, i]
    for i, key in enumerate(('red', 'green', 'blue')):
        vertex[key] = colors[:, i]
    header = ('ply\nformat binary_little_endian 1.0\ncomment sapiens_mm pointmap (metres, '
              f'OpenCV camera frame)\nelement vertex {len(points)}\nproperty float x\n'
              'property float y\nproperty float z\nproperty uchar red\nproperty uchar green\n'
              'property uchar blue\nend_header\n').encode('ascii')
    with _temp(path, guard) as tmp:
        with open(tmp, 'wb') as f:
            f.write(header)
            f.write(vertex.tobytes())
        if os.path.getsize(tmp) != len(header) + vertex.nbytes:
            raise OSError(f'{path}: the written PLY has the wrong size')
        os.replace(tmp, path)
    return path


def depth_bounds(depth: np.ndarray, mask: np.ndarray) -> Optional[Tuple[float, float]]:
    """(1st, 99th) percentile of the person's depth, or None without person pixels; the release
    takes the min of the first and the max of the second over all frames of a run."""
    values = depth[mask]
    if values.size == 0:
        return None
    low, high = np.percentile(values, [1, 99])
    return float(low), float(high)


def inverse_depth_picture(depth: np.ndarray, mask: np.ndarray,
                          bounds: Optional[Tuple[float, float]] = None) -> np.ndarray:
    """(H, W, 3) uint8 BGR: turbo colours of the inverse depth on the person, grey (100)
    elsewhere. ``bounds`` (near, far) in metres (default: :func:`depth_bounds` of this frame);
    the inverse-depth range is clamped to [1/250, 1/0.1] as the release."""
    import matplotlib
    out = np.full(depth.shape + (3, ), 100, np.uint8)
    bounds = bounds or depth_bounds(depth, mask)
    if bounds is None or not mask.any():
        return out
    near, far = bounds
    inv = 1 / np.clip(depth[mask], 1e-6, None)
    hi = min(1 / max(near, 1e-6), 1 / 0.1)
    lo = max(1 / 250, 1 / max(far, 1e-6))
    t = np.clip((inv - lo) / max(hi - lo, 1e-12), 0, 1)
    rgb = (matplotlib.colormaps['turbo'](t)[:, :3] * 255).astype(np.uint8)
    out[mask] = rgb[:, ::-1]
    return out


def normals_picture(points: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 BGR of the normals of the (H, W, 3) points (5x5 Sobel derivatives
    crossed as the release's pointmap metric, then negated so they point out of the seen
    surface, towards the camera, as the normal task's maps), ``(n + 1) / 2 * 255`` with
    RGB = xyz; grey off the person."""
    normals = -sobel_normals(points)
    pic = ((normals + 1) / 2 * 255).clip(0, 255).astype(np.uint8)[..., ::-1].copy()
    pic[~mask] = 100
    return pic


def write_pointmap_outputs(out_dir: str, name: str, pointmap: np.ndarray, image: np.ndarray,
                           mask: Optional[np.ndarray] = None, save_ply: bool = True,
                           depth_dtype=np.float16, pictures: bool = True,
                           bounds: Optional[Tuple[float, float]] = None,
                           inputs: Sequence[str] = ()) -> Dict[str, str]:
    """Write the outputs of one image; returns {kind: path}.

    Args:
        out_dir (str): output folder (created).
        name (str): file stem, e.g. the image's.
        pointmap (np.ndarray): (H, W, 3) metric XYZ at the image size.
        image (np.ndarray): (H, W, 3) uint8 BGR image (the PLY colours).
        mask (np.ndarray, optional): (H, W) bool person pixels; all pixels by default (as the
            release without ``--seg_dir``).
        save_ply (bool): write ``{name}.ply``.
        depth_dtype: dtype of ``{name}_depth.npy``; float16 as the release.
        pictures (bool): also write ``{name}_depth.png`` (inverse depth) and
            ``{name}_normal.png``.
        bounds (tuple, optional): depth colour bounds (near, far) shared by a video's frames.
        inputs (Sequence[str]): input paths no output may overwrite.
    """
    pointmap = np.asarray(pointmap, np.float32)
    if pointmap.ndim != 3 or pointmap.shape[2] != 3:
        raise ValueError(f'pointmap must be (H, W, 3), got {pointmap.shape}')
    if image.shape[:2] != pointmap.shape[:2]:
        raise ValueError(f'image {image.shape[:2]} and pointmap {pointmap.shape[:2]} differ')
    mask = np.ones(pointmap.shape[:2], bool) if mask is None else np.asarray(mask, bool)
    mask = mask & np.isfinite(pointmap).all(axis=2)
    base = osp.join(out_dir, name)
    paths = {'pointmap': base + '_pointmap.npy', 'depth': base + '_depth.npy'}
    if save_ply:
        paths['ply'] = base + '.ply'
    if pictures:
        paths.update(depth_picture=base + '_depth.png', normal_picture=base + '_normal.png')
    for path in paths.values():
        check_not_input(path, inputs)
    write_npy(paths['pointmap'], pointmap)
    write_npy(paths['depth'], pointmap[..., 2].astype(depth_dtype))
    if save_ply:
        write_ply(paths['ply'], *person_cloud(pointmap, image, mask))
    if pictures:
        write_image(paths['depth_picture'],
                    inverse_depth_picture(pointmap[..., 2], mask, bounds))
        write_image(paths['normal_picture'], normals_picture(pointmap, mask))
    return paths

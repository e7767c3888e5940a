"""Loading of body-part labels, depth and normal arrays with checks that name the bad file.

Every loader compares the annotation with the image it belongs to (``ori_shape`` from
``LoadImageFromFile``) and raises ``FileNotFoundError`` / ``ValueError`` naming the file for:
a missing or unreadable file, a shape that differs from the image (label, mask, array), label
values outside the vocabulary, non-finite depth or normals on the person, and foreground
normals that are not unit vectors beyond a tolerance.

All three put their map into ``results['seg_fields']``, so mmseg's ``Resize``, ``RandomResize``
and ``RandomCrop`` move it with the image (nearest-neighbour resampling, which never mixes person
and background values). mmseg's ``RandomFlip`` and ``RandomRotate`` are right for label maps
only: they treat every seg field as one (swapping label ids in depth, padding depth with 255,
neither mirroring nor rotating normal vectors), so depth and normal pipelines flip and rotate
with :class:`~.geometric.DenseRandomFlip` and :class:`~.geometric.DenseRandomRotate`
(:mod:`.geometric` says why).
"""
import io
from typing import Optional, Sequence

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmseg.datasets.transforms import LoadAnnotations, LoadDepthAnnotation

from sapiens_mm.registry import TRANSFORMS
from ..human_normal_dataset import NORMAL_CONVENTIONS

__all__ = ['LoadBodyPartAnnotations', 'LoadHumanDepth', 'LoadHumanNormal']


def _get_bytes(path: str, what: str, backend_args: Optional[dict]) -> bytes:
    try:
        data = fileio.get(path, backend_args=backend_args)
    except FileNotFoundError as e:
        raise FileNotFoundError(f'{what} file {path} does not exist') from e
    if not data:
        raise ValueError(f'{what} file {path} is empty (0 bytes)')
    return data


def read_png(path: str, what: str, backend_args: Optional[dict] = None) -> np.ndarray:
    """A PNG as stored (no colour conversion); (H, W) for a single-channel file."""
    try:
        arr = mmcv.imfrombytes(_get_bytes(path, what, backend_args), flag='unchanged',
                               backend='cv2')
    except ValueError:
        raise
    except Exception as e:  # cv2.error on bytes OpenCV cannot take
        raise ValueError(f'{what} file {path} is not a readable image ({e})') from e
    if arr is None:
        raise ValueError(f'{what} file {path} is not a readable image')
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if arr.ndim != 2:
        raise ValueError(f'{what} file {path} must have one channel, got shape {arr.shape}')
    return arr


def read_npy(path: str, what: str, backend_args: Optional[dict] = None) -> np.ndarray:
    """A real-valued ``.npy`` array (no pickles, no ``.npz`` archives, no complex numbers)."""
    data = _get_bytes(path, what, backend_args)
    if data[:4] == b'PK\x03\x04':
        raise ValueError(f'{what} file {path} is a .npz archive (zip), not a .npy array')
    try:
        arr = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception as e:  # truncated file, wrong format, pickled object...
        raise ValueError(f'{what} file {path} is not a readable .npy array ({e})') from e
    if not isinstance(arr, np.ndarray):
        raise ValueError(f'{what} file {path} must hold one array, got {type(arr).__name__}')
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
            or arr.dtype == np.bool_):
        raise ValueError(f'{what} file {path} must hold a real-valued (integer or float) '
                         f'array, got dtype {arr.dtype}')
    return arr


def check_depth_values(depth: np.ndarray, fg: np.ndarray, path: str) -> None:
    """Raise ``ValueError`` naming ``path`` when ``depth`` cannot be camera z: a bool array (a
    mask saved as depth), or values on the person (``fg``) that are never positive but
    negative somewhere (negated depth, disparity offsets...). All zero is not an error here: it
    is a sample without a target (holes are z <= 0)."""
    if depth.dtype == np.bool_:
        raise ValueError(f'depth file {path} holds a bool array (a mask?), not depth: camera z '
                         'in metres (float) is expected')
    on = depth[fg] if fg.shape == depth.shape else depth.reshape(-1)
    on = on[np.isfinite(on)]
    if on.size and not (on > 0).any() and (on < 0).any():
        raise ValueError(f'depth file {path} has no positive value on the person (values '
                         f'{float(on.min()):g} to {float(on.max()):g}): depth is camera z > 0 '
                         'in metres; negated depth or disparity is not taken')


def check_shape(shape: Sequence[int], results: dict, path: str, what: str) -> None:
    """Raise if the spatial ``shape`` (H, W) differs from the loaded image's."""
    img_hw = tuple(results['ori_shape'][:2])
    if tuple(shape[:2]) != img_hw:
        raise ValueError(f'{what} file {path} is {shape[0]}x{shape[1]} (HxW) but its image '
                         f'{results.get("img_path")} is {img_hw[0]}x{img_hw[1]}')


def read_foreground(results: dict, threshold: int, backend_args: Optional[dict]) -> np.ndarray:
    """Boolean person mask of ``results['mask_path']`` (pixel value > threshold)."""
    mask = read_png(results['mask_path'], 'mask', backend_args)
    check_shape(mask.shape, results, results['mask_path'], 'mask')
    return mask > threshold


@TRANSFORMS.register_module()
class LoadBodyPartAnnotations(LoadAnnotations):
    """mmseg's ``LoadAnnotations`` for body-part label PNGs, with checks.

    Reads ``seg_map_path`` into ``gt_seg_map`` (uint8, (H, W)). Checks: the file exists and
    decodes to one channel; its size equals the image's; every value is below
    ``results['num_label_values']`` or equals ``results['ignore_index']`` (both set by
    ``BodyPartSegDataset``; skipped when absent). Then applies the dataset's ``label_map``
    (e.g. the 34 -> 28 class mapping) and ``reduce_zero_label`` as upstream does.

    Args: see mmseg's ``LoadAnnotations`` (``reduce_zero_label``, ``backend_args``).
    """

    def _load_seg_map(self, results: dict) -> None:
        path = results['seg_map_path']
        seg = read_png(path, 'label map', self.backend_args)
        check_shape(seg.shape, results, path, 'label map')
        num_values = results.get('num_label_values')
        ignore = results.get('ignore_index', 255)
        if num_values is not None:
            bad = np.unique(seg[(seg >= num_values) & (seg != ignore)])
            if bad.size:
                raise ValueError(f'label map {path} has values {bad[:10].tolist()} outside '
                                 f'0..{num_values - 1} and the ignore index {ignore}')
        seg = seg.astype(np.uint8)
        if self.reduce_zero_label is None:
            self.reduce_zero_label = results.get('reduce_zero_label', False)
        if self.reduce_zero_label:
            seg[seg == 0] = 255
            seg = seg - 1
            seg[seg == 254] = 255
        if results.get('label_map') is not None:
            lut = np.arange(256, dtype=np.uint8)
            for old, new in results['label_map'].items():
                lut[old] = new
            seg = lut[seg]
        results['gt_seg_map'] = seg
        results['seg_fields'].append('gt_seg_map')


@TRANSFORMS.register_module()
class LoadHumanDepth(LoadDepthAnnotation):
    """Load a person's depth (``depth_map_path``, .npy) and mask (``mask_path``, .png).

    ``gt_depth_map`` becomes float32 (H, W) camera z in metres (times ``depth_rescale_factor``)
    on the person and 0 elsewhere: outside the mask, and where the file holds z <= 0 (a hole,
    excluded from loss and metric). Errors, naming the file: missing/unreadable file, an array
    that is not (H, W) or (H, W, 1), a size different from the image's, NaN/inf depth on
    the person (non-finite values on the background are allowed and zeroed), a bool array and
    a map with no positive but some negative value on the person (:func:`check_depth_values`).

    Args:
        mask_threshold (int): mask pixels above it are the person. Defaults to 127.
        depth_rescale_factor (float): multiplies the stored depth. Defaults to 1.0.
        backend_args (dict, optional): mmengine file backend arguments.
    """

    def __init__(self, mask_threshold: int = 127, depth_rescale_factor: float = 1.0,
                 backend_args: Optional[dict] = None):
        super().__init__(decode_backend='numpy', to_float32=True,
                         depth_rescale_factor=depth_rescale_factor, backend_args=backend_args)
        self.mask_threshold = mask_threshold

    def transform(self, results: dict) -> dict:
        path = results['depth_map_path']
        depth = read_npy(path, 'depth', self.backend_args)
        if depth.ndim == 3 and depth.shape[2] == 1:
            depth = depth[..., 0]
        if depth.ndim != 2:
            raise ValueError(f'depth file {path} must be an (H, W) array, got {depth.shape}')
        check_shape(depth.shape, results, path, 'depth')
        fg = read_foreground(results, self.mask_threshold, self.backend_args)
        check_depth_values(depth, fg, path)
        finite = np.isfinite(depth)
        if not finite[fg].all():
            raise ValueError(f'depth file {path} has {int((~finite[fg]).sum())} non-finite '
                             f'(NaN/inf) values on the person')
        depth = np.where(fg & finite, depth, 0).astype(np.float32) * self.depth_rescale_factor
        depth[depth <= 0] = 0
        results['gt_depth_map'] = depth
        results['seg_fields'].append('gt_depth_map')
        results['depth_rescale_factor'] = self.depth_rescale_factor
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(mask_threshold={self.mask_threshold}, '
                f'depth_rescale_factor={self.depth_rescale_factor})')


@TRANSFORMS.register_module()
class LoadHumanNormal(BaseTransform):
    """Load a person's surface normals (``normal_map_path``, .npy) and mask (``mask_path``).

    ``gt_normal_map`` becomes float32 (H, W, 3) unit normals in the OpenCV camera frame (x
    right, y down, z forward) on the person and 0 elsewhere.

    Non-unit normals: a foreground vector whose length differs from 1 by at most
    ``unit_tolerance`` is renormalised (float rounding, resampling); one beyond it is
    **rejected**: a ``ValueError`` names the file, so a wrong channel layout, a [0, 1]-encoded
    map or a mask that does not match the normals is caught instead of trained on.

    Other errors, naming the file: missing/unreadable file, an array that is not (H, W, 3), a
    size different from the image's, NaN/inf on the person.

    Args:
        unit_tolerance (float): allowed | |n| - 1 | before rejecting. Defaults to 0.01.
        normal_convention (str, optional): axis convention of the files (``'opencv'`` or
            ``'opengl'``); by default the dataset's (``results['normal_convention']``, set by
            ``HumanNormalDataset``). One of the two must be given.
        mask_threshold (int): mask pixels above it are the person. Defaults to 127.
        backend_args (dict, optional): mmengine file backend arguments.
    """

    def __init__(self, unit_tolerance: float = 0.01, normal_convention: Optional[str] = None,
                 mask_threshold: int = 127, backend_args: Optional[dict] = None):
        if normal_convention is not None and normal_convention not in NORMAL_CONVENTIONS:
            raise ValueError(f'normal_convention must be one of {sorted(NORMAL_CONVENTIONS)}, '
                             f'got {normal_convention!r}')
        self.unit_tolerance = unit_tolerance
        self.normal_convention = normal_convention
        self.mask_threshold = mask_threshold
        self.backend_args = backend_args.copy() if backend_args else None

    def transform(self, results: dict) -> dict:
        path = results['normal_map_path']
        convention = self.normal_convention or results.get('normal_convention')
        if convention is None:
            raise ValueError(f'{type(self).__name__}: the axis convention of {path} is unknown; '
                             "use HumanNormalDataset(normal_convention=...) or pass "
                             "normal_convention to the transform")
        normal = read_npy(path, 'normal', self.backend_args)
        if normal.ndim != 3 or normal.shape[2] != 3:
            raise ValueError(f'normal file {path} must be an (H, W, 3) array, got '
                             f'{normal.shape}')
        check_shape(normal.shape, results, path, 'normal')
        fg = read_foreground(results, self.mask_threshold, self.backend_args)
        vectors = normal[fg].astype(np.float64)
        if not np.isfinite(vectors).all():
            raise ValueError(f'normal file {path} has non-finite (NaN/inf) values on the person')
        norms = np.linalg.norm(vectors, axis=1)
        off = np.abs(norms - 1) > self.unit_tolerance
        if off.any():
            raise ValueError(
                f'normal file {path}: {int(off.sum())} of {norms.size} person pixels are not '
                f'unit vectors (|n| in [{norms.min():.3g}, {norms.max():.3g}], tolerance '
                f'{self.unit_tolerance}); expected unit normals, 0 on the background')
        out = np.zeros(normal.shape, np.float32)
        out[fg] = vectors / norms[:, None] * np.asarray(NORMAL_CONVENTIONS[convention])
        results['gt_normal_map'] = out
        results['seg_fields'].append('gt_normal_map')
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(unit_tolerance={self.unit_tolerance}, '
                f'normal_convention={self.normal_convention!r})')

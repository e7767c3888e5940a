"""Write a split of synthetic humans to disk (``tools/make_synthetic_humans.py``).

Layout of one split (ids are image indices 0..N-1)::

    DIR/
      images/{id:06d}.png        the RGB image (written with cv2, so BGR on disk), H x W
      seg/{id:06d}.png           uint8 class index 0..27 (Background 0), 28-class vocabulary
      mask/{id:06d}.png          uint8, 255 = any person, 0 = background
      depth/{id:06d}.npy         float32 (H, W) camera z in metres, 0 on background
      normal/{id:06d}.npy        float32 (H, W, 3) unit normals, OpenCV camera frame (x right,
                                 y down, z forward), pointing out of the surface, 0 on background
      albedo/{id:06d}.png        uint8 unshaded base colour (albedo x 255, rounded; BGR on disk as
                                 the Sapiens2 release's albedo layout), 0 on background
      camera_intrinsics/{id:06d}.txt  3x3 K (pixels) in the Sapiens2 release's pointmap layout:
                                 principal point in the pixel-index convention (cx = W/2 - 0.5),
                                 so X = (col - cx) z / f is the exact point of pixel (row, col)
      camera_extrinsics/{id:06d}.txt  4x4 world (y up, metres) -> camera (OpenCV) [R | -R c]
      backgrounds/{id:06d}.png   the same background without the people (BGR on disk)
      annotations/goliath_308.json         COCO keypoints format, 308 keypoints
      annotations/coco_17.json             the same people, the 17 COCO body keypoints
      annotations/coco_wholebody_133.json  COCO-WholeBody v1.0 format (53 points filled by name)
      preview/{id:06d}.png       (first few only) image | part map | depth | normals | skeleton
      meta.json                  generator version, seed, size, counts, class histogram,
                                 keypoint/class coverage of the body model

COCO files: ``images`` [{id, file_name ('images/000000.png', relative to DIR), height, width}],
``annotations`` [{id, image_id, category_id 1, bbox [x, y, w, h], area, iscrowd 0,
segmentation (uncompressed RLE of the person's visible pixels), num_keypoints, keypoints
[x, y, v] * K}], ``categories`` [{id 1, name 'person', keypoints, skeleton (1-based)}].
Keypoint coordinates use the pixel-index convention (the centre of pixel (row i, col j) is
(x = j, y = i); a horizontal flip maps x -> W - 1 - x); v = 2 visible, 1 in the image but
occluded (depth test), 0 outside the image (x = y = 0). bbox = tight box of the person's
visible pixels, [first col, first row, cols spanned, rows spanned] (pycocotools' toBbox).
People with a box side < 8 px or no visible keypoint are left out of the annotations (not of
the label maps). Everything is a function of (seed, id) only, so any number of workers writes
the same bytes.
"""
import json
import os
import time
from multiprocessing import get_all_start_methods, get_context
from typing import Optional, Tuple

import cv2
import numpy as np

from . import coco_export as ce
from .appearance import BODY_MODEL_CLASSES
from .preview import make_preview
from .scene import FOV_RANGE, PITCH_RANGE, Scene, render_scene, sample_scene
from .vocab import SEG_CLASSES, goliath_info
from sapiens_mm.utils.run_dirs import staged_run_dir

__all__ = ['GENERATOR_VERSION', 'SUBDIRS', 'camera_matrices', 'render_sample', 'write_sample',
           'generate_split']

GENERATOR_VERSION = '1.2'  # 1.1: floor = ground plane seen by the camera; pitch_range
# 1.2: fov_range (the default draws as 1.1 did)
SUBDIRS = ('images', 'seg', 'mask', 'depth', 'normal', 'albedo', 'camera_intrinsics',
           'camera_extrinsics', 'backgrounds', 'annotations', 'preview')
_ANN_FILES = {'goliath_308': ce.goliath_record, 'coco_17': ce.coco17_record,
              'coco_wholebody_133': ce.wholebody_record}


def render_sample(seed: int, index: int, size: Tuple[int, int] = (256, 192),
                  max_people: int = 3, **scene_options) -> Tuple[Scene, dict]:
    """Scene and render of image ``index`` of the split with ``seed`` (independent streams per
    image, so the result does not depend on the order or the process it is made in).
    ``scene_options``: ``max_view_yaw``, ``close_up_prob``, ``pitch_range``, ``fov_range`` of
    :func:`.scene.sample_scene`."""
    rng = np.random.default_rng([int(seed), int(index)])
    scene = sample_scene(rng, size, max_people, **scene_options)
    return scene, render_scene(scene)


def camera_matrices(cam) -> Tuple[np.ndarray, np.ndarray]:
    """(K (3, 3), M (4, 4)) of a :class:`~.camera.Camera` in the release's pointmap convention:
    the pixel-index principal point (``cx - 0.5``: pixel (row, col) is the ray through its
    centre) and the world -> camera transform ``[R | -R c]``."""
    K = np.array([[cam.f, 0.0, cam.cx - 0.5], [0.0, cam.f, cam.cy - 0.5], [0.0, 0.0, 1.0]])
    M = np.eye(4)
    M[:3, :3] = cam.rot
    M[:3, 3] = -cam.rot @ cam.pos
    return K, M


def _imwrite(path: str, img: np.ndarray):
    if not cv2.imwrite(path, img):
        raise OSError(f'{path}: could not write image')


def write_sample(out_dir: str, seed: int, index: int, size: Tuple[int, int], max_people: int,
                 preview: bool, scene_options: Optional[dict] = None) -> dict:
    """Render image ``index`` and write its files; returns its annotation record."""
    scene, r = render_sample(seed, index, size, max_people, **(scene_options or {}))
    name = f'{index:06d}'
    _imwrite(os.path.join(out_dir, 'images', name + '.png'), r['image'][..., ::-1])
    _imwrite(os.path.join(out_dir, 'backgrounds', name + '.png'), r['background'][..., ::-1])
    _imwrite(os.path.join(out_dir, 'seg', name + '.png'), r['seg'])
    _imwrite(os.path.join(out_dir, 'mask', name + '.png'), r['mask'])
    np.save(os.path.join(out_dir, 'depth', name + '.npy'), r['depth'])
    np.save(os.path.join(out_dir, 'normal', name + '.npy'), r['normal'])
    _imwrite(os.path.join(out_dir, 'albedo', name + '.png'),
             np.clip(np.rint(r['albedo'] * 255), 0, 255).astype(np.uint8)[..., ::-1])
    K, M = camera_matrices(scene.camera)
    np.savetxt(os.path.join(out_dir, 'camera_intrinsics', name + '.txt'), K, fmt='%.17g')
    np.savetxt(os.path.join(out_dir, 'camera_extrinsics', name + '.txt'), M, fmt='%.17g')
    if preview:
        _imwrite(os.path.join(out_dir, 'preview', name + '.png'), make_preview(r))
    people = []
    for p in range(len(r['keypoints'])):
        bbox, kpts = r['bboxes'][p], r['keypoints'][p]
        if r['areas'][p] == 0 or not ce.keep_person(bbox, kpts):
            continue
        people.append(dict(bbox=bbox.tolist(), area=int(r['areas'][p]), keypoints=kpts,
                           segmentation=ce.rle_encode(r['instance'] == p)))
    return dict(id=index, height=int(r['seg'].shape[0]), width=int(r['seg'].shape[1]),
                people=people, num_rendered=len(r['keypoints']),
                class_pixels=np.bincount(r['seg'].ravel(), minlength=len(SEG_CLASSES)))


def _work(args):
    return write_sample(*args)


def _coco_files(records) -> dict:
    out = {}
    for kind, make in _ANN_FILES.items():
        images, anns, ann_id = [], [], 0
        for rec in records:
            images.append(dict(id=rec['id'], file_name=f"images/{rec['id']:06d}.png",
                               height=rec['height'], width=rec['width']))
            for person in rec['people']:
                ann_id += 1
                anns.append(make(ann_id, rec['id'], person['bbox'], person['area'],
                                 person['segmentation'], person['keypoints']))
        out[kind] = dict(
            info=dict(description=f'sapiens_mm synthetic humans ({kind})',
                      version=GENERATOR_VERSION),
            images=images, annotations=anns, categories=ce.categories(kind))
    return out


def _is_split(folder: str) -> bool:
    """Whether ``folder`` holds a split of this generator (its ``meta.json`` says so)."""
    try:
        with open(os.path.join(folder, 'meta.json')) as f:
            return json.load(f).get('generator') == 'sapiens_mm.synthetic'
    except (OSError, ValueError, AttributeError):
        return False


def generate_split(out_dir: str, num: int, seed: int = 0, size: Tuple[int, int] = (256, 192),
                   max_people: int = 3, workers: int = 1, previews: int = 8,
                   progress: bool = True, max_view_yaw: Optional[float] = None,
                   close_up_prob: float = 0.25,
                   pitch_range: Optional[Tuple[float, float]] = None,
                   fov_range: Optional[Tuple[float, float]] = None) -> dict:
    """Write ``num`` images and their labels into ``out_dir`` (layout in the module docstring).
    ``max_view_yaw`` (degrees), ``close_up_prob``, ``pitch_range`` and ``fov_range`` (degrees):
    camera options of
    :func:`.scene.sample_scene`. Returns the meta dict (also written to ``meta.json``) plus
    ``seconds`` taken.

    A folder that holds an earlier split (its ``meta.json`` names this generator) is replaced as
    a whole, atomically, once the new split is complete (:func:`staged_run_dir`): a rerun with
    fewer images leaves no image of the old run behind. Any other non-empty folder is refused
    (:class:`ExistingOutputError`), so nothing of the user's is deleted."""
    if pitch_range is not None:
        pitch_range = (float(pitch_range[0]), float(pitch_range[1]))
    if fov_range is not None:
        fov_range = (float(fov_range[0]), float(fov_range[1]))
    scene_options = dict(max_view_yaw=max_view_yaw, close_up_prob=float(close_up_prob),
                         pitch_range=pitch_range, fov_range=fov_range)
    log = None
    if progress:
        from mmengine.logging import print_log
        log = lambda msg: print_log(msg, logger='current')  # noqa: E731
    with staged_run_dir(out_dir, _is_split, 'synthetic split', log=log) as run:
        for sub in SUBDIRS:
            os.makedirs(os.path.join(run.path, sub))
        size = (int(size[0]), int(size[1]))
        jobs = [(run.path, seed, i, size, max_people, i < previews, scene_options)
                for i in range(num)]
        start = time.perf_counter()
        bar = None
        if progress:
            from mmengine.utils import ProgressBar
            bar = ProgressBar(num)
        records = []
        if workers > 1:
            # fork (Linux) skips re-importing torch & co. in every worker; spawn works too
            ctx = get_context('fork' if 'fork' in get_all_start_methods() else None)
            with ctx.Pool(workers) as pool:
                for rec in pool.imap(_work, jobs, chunksize=4):
                    records.append(rec)
                    if bar:
                        bar.update()
        else:
            for job in jobs:
                records.append(_work(job))
                if bar:
                    bar.update()
        for kind, content in _coco_files(records).items():
            with open(os.path.join(run.path, 'annotations', kind + '.json'), 'w') as f:
                json.dump(content, f)
        pixels = np.sum([r['class_pixels'] for r in records], axis=0) if records else \
            np.zeros(len(SEG_CLASSES), np.int64)
        names = goliath_info()['names']
        meta = dict(
            generator='sapiens_mm.synthetic', version=GENERATOR_VERSION, seed=int(seed),
            size=list(size), max_people=int(max_people), num_images=int(num),
            max_view_yaw=max_view_yaw, close_up_prob=float(close_up_prob),
            pitch_range=list(pitch_range or PITCH_RANGE),
            fov_range=list(fov_range or FOV_RANGE),
            num_people_rendered=int(sum(r['num_rendered'] for r in records)),
            num_annotations=int(sum(len(r['people']) for r in records)),
            class_histogram={n: int(c) for n, c in zip(SEG_CLASSES, pixels)},
            keypoints_covered=len(names), keypoints_absent=[],
            classes_covered=[SEG_CLASSES[c] for c in BODY_MODEL_CLASSES],
            classes_absent=[n for i, n in enumerate(SEG_CLASSES)
                            if i != 0 and i not in BODY_MODEL_CLASSES],
            pixel_convention='keypoint (x, y) = (col, row) of the pixel centre; flip: x -> W-1-x',
            camera='OpenCV (x right, y down, z forward), principal point at the image centre')
        with open(os.path.join(run.path, 'meta.json'), 'w') as f:
            json.dump(meta, f, indent=1)
    return dict(meta, seconds=time.perf_counter() - start)

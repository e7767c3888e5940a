"""One-call inference of any set of Sapiens task models on images, folders and videos.

:class:`SapiensInferencer` takes task models given as released names
(``'sapiens_0.3b_seg_goliath'``, see :mod:`sapiens_mm.checkpoint.model_zoo`) or as
``(config, checkpoint)`` pairs, and returns per image:

* ``pose``: a ``PoseDataSample`` (keypoints (N, K, 2) in image pixels, scores, boxes), from
  top-down person crops (mmpose ``inference_topdown``) of given boxes, a detector's or the
  whole image;
* ``seg``: (H, W) uint8 body-part labels; ``depth``: (H, W) float32 relative depth;
  ``normal``: (H, W, 3) float32 unit normals - each at the original image size.

Dense models run through their config's test pipeline (``test_dataloader.dataset.pipeline``,
annotation loading removed) and data preprocessor, batched over ``batch_size`` images.

**Shared backbone pass.** Dense models whose inputs coincide (same test pipeline and data
preprocessor, ``test_cfg.mode='whole'``) and whose backbones are the same module config with
exactly equal weights (e.g. heads fine-tuned on a frozen common backbone) form a group: the
backbone runs once per batch and every head decodes its features. The results equal the
separate runs (same operations on the same tensors). Pose does not share by default: its
inputs are 1.25x-padded person crops, not the resized whole image. With ``pose_on_dense=True``
a pose model whose backbone and preprocessing match a dense group decodes its heatmaps from
the group's features instead (whole image, resized without padding, no flip test): one
backbone pass for all four tasks, at the cost of an input framing the pose model was not
trained with.

**Precision.** ``dtype='auto'`` runs bf16 autocast on CUDA devices that support it and fp32
elsewhere; ``'bf16'`` forces autocast to bfloat16 (also on CPU), ``'fp32'`` disables it. Head
outputs are cast back to float32 before decoding.
"""
import copy
import os
import os.path as osp
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.logging import MMLogger
from mmengine.utils import ProgressBar

from sapiens_mm.checkpoint import load_model_weights
from sapiens_mm.checkpoint.model_zoo import zoo_config
from sapiens_mm.utils.config_paths import config_file
from sapiens_mm.datasets.body_part_classes import BODY_PART_CLASSES, BODY_PART_PALETTE

__all__ = ['SapiensInferencer', 'task_of', 'iter_inputs', 'VIDEO_EXTENSIONS']

TASKS = ('pose', 'seg', 'depth', 'normal')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v')
ModelSpec = Union[str, Tuple[Union[str, Config], Optional[str]]]


def task_of(model: torch.nn.Module) -> str:
    """'pose', 'seg', 'depth' or 'normal' from the model class."""
    from mmseg.models.segmentors import DepthEstimator
    from sapiens_mm.models.segmentors import NormalEstimator
    if hasattr(model, 'head') and not hasattr(model, 'decode_head'):
        return 'pose'
    if isinstance(model, NormalEstimator):
        return 'normal'
    if isinstance(model, DepthEstimator):
        return 'depth'
    return 'seg'


#: Largest decoded image :meth:`SapiensInferencer.run` takes (width x height): 100 megapixels,
#: 300 MB as BGR uint8. A few hundred kB of PNG can declare 20000 x 20000 (1.2 GB decoded, more
#: in the test pipeline), which would end the whole run; such an image is skipped and counted.
MAX_IMAGE_PIXELS = 100_000_000


def _image_size(path: str) -> Optional[Tuple[int, int]]:
    """(width, height) from the file header without decoding, None if PIL cannot tell.

    PIL's own decompression-bomb guard refuses to open images over twice its
    ``Image.MAX_IMAGE_PIXELS`` (179 M by default); that is reported as a ``ValueError``, not
    taken for "size unknown" (which would decode the image)."""
    import warnings
    try:
        from PIL import Image
    except ImportError:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', Image.DecompressionBombWarning)
            with Image.open(path) as im:
                return im.size
    except Image.DecompressionBombError as e:
        raise ValueError(f'{path}: exceeds the pixel limit ({e})') from None
    except Exception:
        return None


def read_image(path: str, max_pixels: Optional[int] = None) -> np.ndarray:
    """BGR image at ``path``; ``ValueError`` naming the file for a missing, empty, truncated
    (JPEG without end marker, PNG without IEND) or undecodable file and for one whose size
    exceeds ``max_pixels`` (default :data:`MAX_IMAGE_PIXELS`; checked from the header before
    decoding)."""
    max_pixels = MAX_IMAGE_PIXELS if max_pixels is None else max_pixels
    from sapiens_mm.data_curation.image_io import ImageReadError, read_image_checked
    size = _image_size(path)
    if size is not None and size[0] * size[1] > max_pixels:
        raise ValueError(f'{path}: {size[0]}x{size[1]} pixels exceeds the limit of '
                         f'{max_pixels} pixels')
    try:
        img = read_image_checked(path)
    except ImageReadError as e:
        raise ValueError(f'{path}: unreadable image ({e})') from None
    if img.shape[0] * img.shape[1] > max_pixels:
        raise ValueError(f'{path}: {img.shape[1]}x{img.shape[0]} pixels exceeds the limit of '
                         f'{max_pixels} pixels')
    return img


def _read(path: str) -> np.ndarray:
    return read_image(path)


def write_checked(path: str, array: np.ndarray) -> None:
    """``cv2.imwrite`` (image suffix) or ``np.save`` (``.npy``), then check the file is there
    and non-empty; ``OSError`` naming the file otherwise (``cv2.imwrite`` only returns False
    on a read-only or full disk)."""
    try:
        if path.endswith('.npy'):
            np.save(path, array)
            ok = True
        else:
            ok = cv2.imwrite(path, array)
    except (OSError, cv2.error) as e:
        raise OSError(f'{path}: could not be written ({e})') from e
    if not ok or not osp.isfile(path) or osp.getsize(path) == 0:
        raise OSError(f'{path}: could not be written (read-only folder or full disk?)')


def output_stems(names: Sequence[str], source: str) -> Dict[str, str]:
    """Output stem of each input: its path relative to the ``source`` folder without the
    suffix (``sub/x.png`` -> ``sub/x``), so ``x.png`` and ``sub/x.png`` do not overwrite each
    other; inputs that would still share a stem (``x.png``, ``x.jpg``) keep their suffix
    (``x_png``, ``x_jpg``)."""
    rel = {n: (osp.relpath(n, source) if osp.isdir(source) else osp.basename(n))
           for n in names}
    stems = {n: osp.splitext(r)[0] for n, r in rel.items()}
    count: Dict[str, int] = {}
    for st in stems.values():
        count[st] = count.get(st, 0) + 1
    return {n: (st if count[st] == 1 else rel[n].replace('.', '_'))
            for n, st in stems.items()}


def iter_inputs(source: str) -> Iterator[Tuple[str, Optional[np.ndarray]]]:
    """``(name, BGR image)`` of an image file, the images of a folder (sorted, recursive) or
    the frames of a video (``frame_000000`` ...). Unusable images give ``(path, None)``."""
    for name, img, _ in _iter_checked(source):
        yield name, img


def _iter_checked(source: str) -> Iterator[Tuple[str, Optional[np.ndarray], Optional[str]]]:
    """``(name, image, None)`` or ``(name, None, why)`` for each input of ``source``."""
    from .feature_extraction import list_images
    if osp.isfile(source) and source.lower().endswith(VIDEO_EXTENSIONS):
        cap = cv2.VideoCapture(source)
        if not cap.isOpened():
            raise ValueError(f'{source}: cannot be opened as a video')
        i = 0
        try:
            while True:
                ok, frame = cap.read()
                if not ok:
                    break
                yield f'frame_{i:06d}', frame, None
                i += 1
        finally:
            cap.release()
        if i == 0:
            raise ValueError(f'{source}: video holds no readable frame')
        return
    for path in list_images(source):
        try:
            yield path, read_image(path), None
        except ValueError as e:  # the reason, without the path it starts with
            why = str(e)
            yield path, None, why[len(path) + 2:] if why.startswith(f'{path}: ') else why


def count_inputs(source: str) -> int:
    """Number of images (or video frames, as the container reports it) of ``source``."""
    from .feature_extraction import list_images
    if osp.isfile(source) and source.lower().endswith(VIDEO_EXTENSIONS):
        cap = cv2.VideoCapture(source)
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        cap.release()
        return max(n, 0)
    return len(list_images(source))


#: Backbone config keys without effect on an eval-mode forward pass.
_TRAINING_ONLY_KEYS = ('init_cfg', 'pretrained', 'drop_path_rate', 'drop_rate', 'with_cp',
                       'frozen_stages')
#: Data-preprocessor keys that only concern labels.
_LABEL_ONLY_KEYS = ('seg_pad_val', )


def _canonical(obj) -> str:
    """Order-independent text of a (nested) config value, to compare two configs."""
    if isinstance(obj, dict):
        return '{' + ','.join(f'{k!r}:{_canonical(obj[k])}' for k in sorted(obj)) + '}'
    if isinstance(obj, (list, tuple)):
        return '[' + ','.join(_canonical(v) for v in obj) + ']'
    return repr(obj)


class _TaskModel:
    """One built model with its task, name, input pipeline and sharing keys."""

    def __init__(self, spec: ModelSpec, device: str):
        from mmseg.registry import TRANSFORMS
        if isinstance(spec, str):  # a released name (unknown names raise with close ones)
            config, checkpoint, self.name = zoo_config(spec), spec, spec
        else:
            config, checkpoint = spec
            src = config if isinstance(config, str) else (config.filename or 'model')
            self.name = osp.splitext(osp.basename(src))[0]
        cfg = Config.fromfile(config_file(config)) if isinstance(config, str) \
            else copy.deepcopy(config)
        kind = cfg.model.type
        if kind == 'TopdownPoseEstimator':
            from mmpose.apis import init_model
            self.model = init_model(cfg, None, device=device)
        else:
            from mmseg.apis import init_model
            cfg.model.backbone.init_cfg = None  # never load the pretrain file at inference
            self.model = init_model(cfg, None, device=device)
        self.task = task_of(self.model)
        if checkpoint is not None and str(checkpoint).lower() != 'none':
            # any path form (file, URL, hf://, released name); errors name it as given
            load_model_weights(self.model, str(checkpoint))
            self.model.to(device)
        if self.task == 'seg' and self.model.decode_head.num_classes == len(BODY_PART_CLASSES):
            self.model.dataset_meta = dict(classes=BODY_PART_CLASSES, palette=BODY_PART_PALETTE)
        self.cfg = cfg
        self.pipeline = None
        if self.task != 'pose':
            steps = []
            for t in cfg.test_dataloader.dataset.pipeline:
                t = dict(t)
                if t['type'] == 'LoadImageFromFile':
                    t = dict(type='LoadImageFromNDArray')
                elif t['type'].startswith('Load'):  # annotations, depth, normals
                    continue
                steps.append(t)
            self.pipeline = Compose([TRANSFORMS.build(t) for t in steps])
            pre = {k: v for k, v in cfg.model.data_preprocessor.items()
                   if k not in _LABEL_ONLY_KEYS}
            # packers differ only in the label fields they pack
            self.input_key = _canonical([t for t in steps if not t['type'].startswith('Pack')]) \
                + _canonical(pre)
            self.shareable = cfg.model.get('test_cfg', {}).get('mode', 'whole') == 'whole' \
                and not getattr(self.model, 'with_neck', False)
        else:
            self.input_key, self.shareable = None, False
        self.backbone_key = _canonical({k: v for k, v in cfg.model.backbone.items()
                                        if k not in _TRAINING_ONLY_KEYS})

    def same_backbone(self, other: '_TaskModel') -> bool:
        """Same backbone config and exactly equal backbone tensors."""
        if self.backbone_key != other.backbone_key:
            return False
        a, b = self.model.backbone.state_dict(), other.model.backbone.state_dict()
        return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


class SapiensInferencer:
    """Run several Sapiens task models on images, sharing backbone passes where possible.

    Args:
        models: released names (``'sapiens_0.3b_depth'``) and/or ``(config, checkpoint)``
            pairs; ``checkpoint`` may be a path, a released name or None (random weights).
        device: torch device string.
        dtype: ``'auto'`` (bf16 on CUDA with bf16 support, else fp32), ``'bf16'`` or
            ``'fp32'``.
        batch_size: images per dense forward pass.
        share_backbone: group dense models with equal backbones and inputs (see the module
            docstring); False runs every model on its own.
        pose_on_dense: decode pose from a matching dense group's features (whole image).
        detector: person boxes for pose: None (whole image) or a callable
            ``img -> (N, 4) xyxy`` such as :class:`~sapiens_mm.apis.MMDetPersonDetector`.
    """

    def __init__(self, models: Sequence[ModelSpec], device: str = 'cpu', dtype: str = 'auto',
                 batch_size: int = 4, share_backbone: bool = True, pose_on_dense: bool = False,
                 detector=None):
        if isinstance(models, (str, tuple)):
            models = [models]
        if not models:
            raise ValueError('SapiensInferencer: give at least one model')
        self.device = device
        self.batch_size = max(1, int(batch_size))
        self.detector = detector
        self.logger = MMLogger.get_current_instance()
        self.models: Dict[str, _TaskModel] = {}
        for spec in models:
            tm = _TaskModel(spec, device)
            if tm.task in self.models:
                raise ValueError(f'two {tm.task} models given ({self.models[tm.task].name}, '
                                 f'{tm.name}); give one model per task')
            self.models[tm.task] = tm
        self.autocast_dtype = self._pick_dtype(dtype)
        if self.autocast_dtype is not None:
            for tm in self.models.values():  # decode in float32
                head = tm.model.head if tm.task == 'pose' else tm.model.decode_head
                head.register_forward_hook(lambda m, i, o: o.float())
        self.pose_on_dense = pose_on_dense
        self.set_sharing(share_backbone)
        for g in self.groups:
            if len(g) > 1:
                self.logger.info('shared backbone pass for: ' + ', '.join(
                    f'{self.models[t].task} ({self.models[t].name})' for t in g))

    # ------------------------------------------------------------------ set-up
    def set_sharing(self, share: bool = True) -> List[List[str]]:
        """(Re-)detect the shared backbones (e.g. after changing weights); returns the groups
        of dense tasks that share a pass (``pose_group``: the index of the group pose decodes
        from, or None)."""
        self.groups = self._group(share)
        self.pose_group = None
        if self.pose_on_dense and 'pose' in self.models:
            self.pose_group = self._pose_group()
        return self.groups

    def _pick_dtype(self, dtype: str) -> Optional[torch.dtype]:
        dev = torch.device(self.device)
        if dtype == 'fp32':
            return None
        if dtype == 'bf16':
            return torch.bfloat16
        if dtype != 'auto':
            raise ValueError(f"dtype must be 'auto', 'bf16' or 'fp32', got {dtype!r}")
        if dev.type == 'cuda' and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return None

    def _group(self, share: bool) -> List[List[str]]:
        groups: List[List[str]] = []
        for task in ('seg', 'depth', 'normal'):
            tm = self.models.get(task)
            if tm is None:
                continue
            for g in groups:
                first = self.models[g[0]]
                if share and tm.shareable and first.shareable and \
                        tm.input_key == first.input_key and tm.same_backbone(first):
                    g.append(task)
                    break
            else:
                groups.append([task])
        return groups

    def _pose_group(self) -> Optional[int]:
        pose = self.models['pose']
        size = tuple(pose.model.head.decoder.input_size)  # (w, h)
        pre = pose.cfg.model.data_preprocessor
        for i, g in enumerate(self.groups):
            dense = self.models[g[0]]
            dp = dense.cfg.model.data_preprocessor
            dsize = tuple(dp.get('size', (0, 0)))[::-1]  # (h, w) -> (w, h)
            if dsize == size and list(dp.mean) == list(pre.mean) and \
                    list(dp.std) == list(pre.std) and dp.bgr_to_rgb == pre.bgr_to_rgb and \
                    dense.shareable and pose.same_backbone(dense):
                return i
        self.logger.warning('pose_on_dense: no dense model with the same backbone weights, '
                            'input size and normalisation; pose runs top-down on its own')
        return None

    def _autocast(self):
        if self.autocast_dtype is None:
            return torch.autocast(torch.device(self.device).type, enabled=False)
        return torch.autocast(torch.device(self.device).type, dtype=self.autocast_dtype)

    # ------------------------------------------------------------------ inference
    @property
    def tasks(self) -> List[str]:
        return [t for t in TASKS if t in self.models]

    def __call__(self, images: Sequence[Union[str, np.ndarray]],
                 bboxes: Optional[Sequence[Optional[np.ndarray]]] = None) -> List[dict]:
        """Results of every model for each image (paths or BGR arrays), in batches.

        Returns one dict per image with the keys of the tasks run (see the module docstring).
        """
        imgs = [_read(i) if isinstance(i, str) else i for i in images]
        out: List[dict] = []
        for s in range(0, len(imgs), self.batch_size):
            boxes = None if bboxes is None else bboxes[s:s + self.batch_size]
            out += self.infer_batch(imgs[s:s + self.batch_size], boxes)
        return out

    @torch.no_grad()
    def infer_batch(self, imgs: Sequence[np.ndarray],
                    bboxes: Optional[Sequence[Optional[np.ndarray]]] = None) -> List[dict]:
        """Results for one batch of BGR images (see :meth:`__call__`)."""
        results = [dict() for _ in imgs]
        with self._autocast():
            for gi, group in enumerate(self.groups):
                first = self.models[group[0]]
                data = pseudo_collate([first.pipeline(dict(img=img)) for img in imgs])
                data = first.model.data_preprocessor(data, False)
                inputs, samples = data['inputs'], data['data_samples']
                if len(group) == 1 and self.pose_group != gi:
                    self._store(group[0], first.model.predict(inputs, samples), results)
                    continue
                feats = first.model.extract_feat(inputs)
                metas = [s.metainfo for s in samples]
                for task in group:
                    m = self.models[task].model
                    logits = m.decode_head.predict(feats, metas, m.test_cfg)
                    self._store(task, m.postprocess_result(logits, copy.deepcopy(samples)),
                                results)
                if self.pose_group == gi:
                    self._pose_from_features(feats, imgs, results)
            if 'pose' in self.models and self.pose_group is None:
                for i, img in enumerate(imgs):
                    given = None if bboxes is None else bboxes[i]
                    results[i]['pose'] = self._pose_topdown(img, given)
        return results

    def _store(self, task: str, samples, results: List[dict]) -> None:
        for r, s in zip(results, samples):
            if task == 'seg':
                r['seg'] = s.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8)
            elif task == 'depth':
                r['depth'] = s.pred_depth_map.data[0].float().cpu().numpy()
            else:
                r['normal'] = s.pred_normal_map.data.float().cpu().numpy().transpose(1, 2, 0)

    def _pose_topdown(self, img: np.ndarray, boxes: Optional[np.ndarray]):
        from mmpose.apis import inference_topdown
        from mmpose.structures import PoseDataSample, merge_data_samples
        if boxes is None:
            boxes = self.detector(img) if self.detector is not None else \
                np.array([[0, 0, img.shape[1], img.shape[0]]], np.float32)
        boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
        if len(boxes) == 0:
            return PoseDataSample()
        return merge_data_samples(inference_topdown(self.models['pose'].model, img, boxes,
                                                    bbox_format='xyxy'))

    def _pose_from_features(self, feats, imgs: Sequence[np.ndarray], results) -> None:
        from mmengine.structures import InstanceData
        from mmpose.structures import PoseDataSample
        pose = self.models['pose'].model
        heatmaps = pose.head.forward(feats).float()
        codec = pose.head.decoder
        if hasattr(codec, 'batch_decode'):
            kpts, scores = codec.batch_decode(heatmaps)
        else:
            decoded = [codec.decode(h.cpu().numpy()) for h in heatmaps]
            kpts, scores = [d[0] for d in decoded], [d[1] for d in decoded]
        in_w, in_h = codec.input_size
        for r, img, k, s in zip(results, imgs, kpts, scores):
            h, w = img.shape[:2]
            k = np.asarray(k, np.float32).copy()
            # the input is the image resized to (in_w, in_h) with half-pixel centres
            k[..., 0] = (k[..., 0] + 0.5) * w / in_w - 0.5
            k[..., 1] = (k[..., 1] + 0.5) * h / in_h - 0.5
            inst = InstanceData(keypoints=k.reshape(1, -1, 2),
                                keypoint_scores=np.asarray(s, np.float32).reshape(1, -1),
                                bboxes=np.array([[0, 0, w, h]], np.float32))
            r['pose'] = PoseDataSample(pred_instances=inst)

    # ------------------------------------------------------------------ outputs
    def pose_to_coco(self, pose, image_id: int) -> List[dict]:
        """COCO keypoint results (x, y, score triplets) of one image's pose."""
        if pose is None or 'pred_instances' not in pose:
            return []
        out = []
        inst = pose.pred_instances
        for kpts, scores, box in zip(inst.keypoints, inst.keypoint_scores, inst.bboxes):
            trip = np.concatenate([kpts, np.asarray(scores)[:, None]], axis=1).reshape(-1)
            x0, y0, x1, y1 = (float(v) for v in box)
            out.append(dict(image_id=image_id, category_id=1,
                            keypoints=[round(float(v), 2) for v in trip],
                            score=float(np.mean(scores)), bbox=[x0, y0, x1 - x0, y1 - y0]))
        return out

    def draw(self, img: np.ndarray, result: dict, kpt_thr: float = 0.3) -> Dict[str, np.ndarray]:
        """BGR pictures of one result: ``pose``, ``seg``, ``depth``, ``normal`` (those run) and
        ``panel`` ([image | each picture] side by side). Depth and normals are shown on the
        person (segmentation foreground) when a segmentation result is present. Drawn by the
        visualizers of the training and test hooks (:mod:`sapiens_mm.visualization`)."""
        from sapiens_mm.visualization import (SapiensDenseVisualizer, SapiensPoseVisualizer,
                                              side_by_side)
        if getattr(self, '_visualizers', None) is None:  # built once, outside any runner
            self._visualizers = dict(pose=SapiensPoseVisualizer(name=f'infer_pose_{id(self)}'),
                                     dense=SapiensDenseVisualizer(name=f'infer_dense_{id(self)}'))
        pics = {}
        rgb = np.ascontiguousarray(img[..., ::-1])
        mask = result['seg'] > 0 if 'seg' in result else None
        if 'pose' in result:
            if result['pose'].get('pred_instances') is None:
                pics['pose'] = img.copy()
            else:
                vis = self._visualizers['pose']
                vis.set_dataset_meta(self.models['pose'].model.dataset_meta)
                pics['pose'] = vis.add_datasample('pose', rgb, result['pose'], draw_gt=False,
                                                  draw_bbox=True, kpt_thr=kpt_thr)[..., ::-1]
        dense = self._visualizers['dense']
        if 'seg' in result:
            meta = getattr(self.models['seg'].model, 'dataset_meta', None) or {}
            dense.dataset_meta = dict(classes=meta.get('classes', BODY_PART_CLASSES),
                                      palette=meta.get('palette', BODY_PART_PALETTE))
            pics['seg'] = dense.draw_parts(rgb, result['seg'], with_labels=False)[..., ::-1]
        if 'depth' in result:
            pics['depth'] = dense.draw_depth(result['depth'], mask)[..., ::-1]
        if 'normal' in result:
            pics['normal'] = dense.draw_normals(result['normal'], mask,
                                                channels_first=False)[..., ::-1]
        pics = {k: np.ascontiguousarray(v) for k, v in pics.items()}
        pics['panel'] = side_by_side([img] + [pics[t] for t in TASKS if t in pics])
        return pics

    def write(self, out_dir: str, stem: str, img: np.ndarray, result: dict,
              kpt_thr: float = 0.3) -> Dict[str, np.ndarray]:
        """Write the raw results and pictures of one image under ``out_dir``:
        ``{stem}_seg.png`` (uint8 labels), ``{stem}_depth.npy`` (H, W float32),
        ``{stem}_normal.npy`` (H, W, 3 float32), ``{stem}_{task}.jpg`` pictures and
        ``{stem}_panel.jpg``. Keypoints go to the COCO JSON of :meth:`run`. Returns the
        pictures."""
        base = osp.join(out_dir, stem)
        os.makedirs(osp.dirname(base) or '.', exist_ok=True)
        if 'seg' in result:
            write_checked(base + '_seg.png', result['seg'])
        if 'depth' in result:
            write_checked(base + '_depth.npy', result['depth'].astype(np.float32))
        if 'normal' in result:
            write_checked(base + '_normal.npy', result['normal'].astype(np.float32))
        pics = self.draw(img, result, kpt_thr)
        for name, pic in pics.items():
            write_checked(f'{base}_{name}.jpg', pic)
        return pics

    def run(self, source: str, out_dir: str, video_out: bool = False, kpt_thr: float = 0.3
            ) -> dict:
        """Infer every image of ``source`` (image, folder or video) and write the outputs.

        Writes :meth:`write`'s files per image (per frame ``frame_NNNNNN`` for a video),
        ``keypoints.json`` (COCO keypoint results) and ``image_ids.json`` (``[{id,
        file_name}]``) if pose ran, and with
        ``video_out`` for a video source ``panel.mp4`` of the panels at the source frame rate.
        Output stems keep the input's path relative to the folder (:func:`output_stems`).
        Per-image failures (unreadable, empty, truncated, over :data:`MAX_IMAGE_PIXELS`, an
        inference error, a write that failed) are logged, skipped and listed. Returns
        ``dict(images=N written, failed=[path, ...], reasons={path: why}, keypoints=path or
        None)``.
        """
        import json
        os.makedirs(out_dir, exist_ok=True)
        is_video = osp.isfile(source) and source.lower().endswith(VIDEO_EXTENSIONS)
        fps = 25.0
        if is_video:
            cap = cv2.VideoCapture(source)
            fps = cap.get(cv2.CAP_PROP_FPS) or fps
            cap.release()
        from .feature_extraction import list_images
        stems = {} if is_video else output_stems(list_images(source), source)
        bar = ProgressBar(count_inputs(source))
        coco, names, failed, writer = [], [], [], None
        reasons: Dict[str, str] = {}
        batch: List[Tuple[str, np.ndarray]] = []

        def infer(items):
            try:
                return self.infer_batch([img for _, img in items])
            except Exception as e:
                if len(items) == 1:
                    return [e]
                return [r for item in items for r in infer([item])]  # find the bad image

        def flush():
            nonlocal writer
            for (name, img), res in zip(batch, infer(batch)):
                if isinstance(res, Exception):
                    failed.append(name)
                    reasons[name] = f'inference failed ({type(res).__name__}: {res})'
                    bar.update()
                    continue
                stem = stems.get(name, name)
                try:
                    pics = self.write(out_dir, stem, img, res, kpt_thr)
                except OSError as e:
                    failed.append(name)
                    reasons[name] = str(e)
                    bar.update()
                    continue
                names.append(name)
                coco.extend(self.pose_to_coco(res.get('pose'), len(names)))
                if video_out and is_video:
                    panel = pics['panel']
                    if writer is None:
                        writer = cv2.VideoWriter(osp.join(out_dir, 'panel.mp4'),
                                                 cv2.VideoWriter_fourcc(*'mp4v'), fps,
                                                 (panel.shape[1], panel.shape[0]))
                    writer.write(panel)
                bar.update()
            batch.clear()

        for name, img, why in _iter_checked(source):
            if img is None:
                failed.append(name)
                reasons[name] = why
                bar.update()
                continue
            batch.append((name, img))
            if len(batch) == self.batch_size:
                flush()
        if batch:
            flush()
        if writer is not None:
            writer.release()
        kpt_file = None
        if 'pose' in self.models:
            kpt_file = osp.join(out_dir, 'keypoints.json')
            from sapiens_mm.data_curation.image_io import atomic_write_text
            atomic_write_text(kpt_file, json.dumps(coco))
            atomic_write_text(osp.join(out_dir, 'image_ids.json'), json.dumps(
                [dict(id=i + 1, file_name=(osp.relpath(n, source) if osp.isdir(source)
                                           else osp.basename(n)))
                 for i, n in enumerate(names)]))
        for name in failed:
            self.logger.warning(f'skipped {name}: {reasons[name]}')
        return dict(images=len(names), failed=failed, reasons=reasons, keypoints=kpt_file)

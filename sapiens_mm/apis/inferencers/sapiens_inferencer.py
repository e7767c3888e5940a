"""SapiensInferencer: pose, body-part segmentation, depth, normals and pointmaps on images,
folders and videos, in the stages of mmengine's ``BaseInferencer``.

``inferencer(inputs, ...)`` runs ``_inputs_to_list`` (:mod:`.inputs`) -> ``preprocess``
(decoding and the dense test pipelines in DataLoader workers, batches of ``batch_size``) ->
``forward`` (the models) -> ``visualize`` (pictures) -> ``postprocess`` (JSON-friendly
predictions; files under ``pred_out_dir`` / ``vis_out_dir``), batch by batch, so a long video
never sits in memory. See :class:`SapiensInferencer` for the outputs.
"""
import os
import os.path as osp
from typing import Dict, Iterator, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.infer import BaseInferencer
from mmengine.logging import MMLogger

from sapiens_mm.utils.detection import detector_failure

from .boxes import BoxError, PersonBoxes, boxes_for_image
from .decode import dense_to_image, pose_instances, pose_to_coco
from .keypoint_formats import format_coco_records, format_pose_records
from .inputs import (ImageDataset, InputItem, VideoFrames, collate_list, count_frames,
                     inputs_to_list, video_fps)
from .engines import build_engine, group_tasks, resolve_engine
from .output_files import OutputGuard, picture_names
from .pointmap_task import (DepthBounds, check_pointmap_tasks, decode_pointmaps, person_mask,
                            pointmap_pictures, write_pointmap_files)
from .results_files import merge_results, read_results
from .precision import best_device, choose_precision
from .multitask_model import build_multitask_task_models, is_multitask_config
from .task_model import ModelSpec, TaskModel, build_task_model
from .writing import VideoOut, write_image, write_json, write_npy

__all__ = ['SapiensInferencer', 'TASKS']

TASKS = ('pose', 'seg', 'depth', 'normal', 'pointmap')
DENSE = ('seg', 'depth', 'normal', 'pointmap')


class SapiensInferencer(BaseInferencer):
    """Run several Sapiens task models on images, sharing backbone passes where possible.

    Follows the contract of mmengine's ``BaseInferencer`` (and of mmpose's / mmseg's
    inferencers): ``__call__(inputs, batch_size, return_vis, return_datasamples, show,
    vis_out_dir, pred_out_dir)`` with one input or a list (image paths, folders, videos, BGR
    arrays). It does not call ``BaseInferencer.__init__``, which builds a single model from a
    single config: this class builds one model per task with :func:`build_task_model`.

    **Outputs.** ``predictions``: one dict per image with the tasks run: ``seg`` (H, W) uint8
    labels, ``depth`` (H, W) float32 relative depth, ``normal`` (H, W, 3) float32 unit normals
    (at the original image size, resized once from the head output) and ``pose``: mmpose's
    per-image records (``keypoints`` (K, 2) px, ``keypoint_scores``, ``bbox``, ``bbox_score``),
    or with ``return_datasamples=True`` a ``PoseDataSample``. ``visualization`` (with
    ``return_vis``): per image a dict of BGR pictures (``pose``, ``seg``, ``depth``, ``normal``,
    ``pointmap``, ``pointmap_normal``, ``panel``). **Pointmaps** (Sapiens2 ``PointmapEstimator``
    models; :mod:`.pointmap_task`): ``pointmap`` (H, W, 3) float32 metric XYZ (metres, camera
    frame) at the image size; files ``{name}_pointmap.npy``, ``{name}_depth.npy`` (its z) and
    ``{name}.ply`` (the person's points in colour: the segmentation foreground when a
    segmentation model runs too, else every pixel). Files: under ``pred_out_dir``
    ``{name}_seg.png`` (labels), ``{name}_depth.npy``,
    ``{name}_normal.npy``, ``{name}.json`` (the pose records) and, for all images,
    ``keypoints.json`` (COCO results) + ``image_ids.json``, merged with an earlier call's
    (:mod:`.results_files`); under ``vis_out_dir``
    ``{name}_{task}.jpg``, ``{name}_panel.jpg`` and with ``video_out`` ``{video}_panel.mp4``.
    ``name`` keeps the input's relative sub-path (``sub/x``); video frames are
    ``{video}_{frame:06d}``, unique against every output name of the call (see
    :mod:`.output_names`). **No output replaces an input**: every planned file is checked
    before anything is written, each file again when written (:mod:`.output_files`).

    **Shared backbone pass.** Dense models whose inputs coincide (same test pipeline and data
    preprocessor, ``test_cfg.mode='whole'``) and whose backbones are the same module config
    with exactly equal weights form a group: the backbone runs once per batch and every head
    decodes its features. Pose does not share by default (its inputs are 1.25x-padded person
    crops); ``pose_on_dense=True`` decodes a matching pose model's heatmaps from the group's
    features (whole image resized without padding, no flip test).

    **Pose** is top-down: boxes given (``bboxes``, checked: :mod:`.boxes`), from
    ``detector``, or the whole image;
    every box goes through the config's test pipeline (mmpose ``TopdownAffine`` at the model's
    3:4 aspect) and the crops of a whole batch of images run together; ``flip_test``
    overrides the config's ``test_cfg.flip_test``.

    **Precision.** ``precision='auto'`` is bf16 on CUDA with bf16 support and on CPUs with
    native bf16 (AMX / AVX-512-BF16), else fp32; backbone and heads run in it through the
    fused fast path (:func:`~.precision.make_fast`) with ``engine='torch'``, or compiled by
    OpenVINO with that precision hint with ``engine='openvino'``; decoding always in fp32.

    Args:
        models: released names (``'sapiens_0.3b_depth'``) and/or ``(config, checkpoint)``
            pairs; ``checkpoint`` may be a path, a released name or None (random weights).
            Every checkpoint is found before any model is built. A ``SapiensMultiTask``
            config gives all its heads, decoded from one backbone pass (pose from the dense
            features, as ``pose_on_dense``; see :mod:`.multitask_model`).
        device: torch device; None: CUDA when available, else CPU.
        precision: ``'auto'``, ``'bf16'`` or ``'fp32'`` (``dtype`` is an older name of it).
        batch_size: images per forward pass (default of ``__call__``).
        share_backbone: group dense models with equal backbones and inputs.
        pose_on_dense: decode pose from a matching dense group's features.
        detector: None or a callable ``img -> (N, 4) xyxy`` (:class:`MMDetPersonDetector`).
        flip_test: None (the config's) or a bool.
        num_workers: image-decoding workers; None: up to 4, one core left to the model.
        show_progress: a progress bar over the inputs.
        compile_heads: run the heads through ``torch.compile`` (2-2.6x faster 0.3B dense heads
            on an AMX CPU, after about 16 s of compilation per head on the first batch and
            per new input shape): for folders and videos, not for one image.
        engine: what runs backbones and heads (:mod:`.engines`): ``'torch'`` (the fast path
            above, any device), ``'openvino'`` (the graphs converted to OpenVINO and compiled
            for the CPU in ``precision``, kept in the model cache; needs the ``openvino``
            package) or ``'auto'`` (the default, as ``tools/infer.py --engine``: OpenVINO on
            a CPU when installed, else torch).
    """

    #: per-video tracking / smoothing / detection every N frames (a ``PoseTemporal`` of
    #: :mod:`sapiens_mm.apis.video`), or None; and the keypoint format of the written pose
    #: (:mod:`.keypoint_formats`; None: as the model predicts). Set on an instance before
    #: calling it.
    temporal = None
    keypoint_format = None

    preprocess_kwargs = {'num_workers'}
    forward_kwargs = {'bboxes'}
    visualize_kwargs = {'return_vis', 'show', 'kpt_thr', 'vis_out_dir', 'video_out'}
    postprocess_kwargs = {'pred_out_dir', 'raw'}

    def __init__(self, models: Union[ModelSpec, Sequence[ModelSpec]], device: Optional[str] = None,
                 precision: str = 'auto', batch_size: int = 4, share_backbone: bool = True,
                 pose_on_dense: bool = False, detector=None, flip_test: Optional[bool] = None,
                 num_workers: Optional[int] = None, show_progress: bool = False,
                 dtype: Optional[str] = None, compile_heads: bool = False,
                 engine: str = 'auto'):
        if isinstance(models, (str, tuple)):
            models = [models]
        models = list(models)
        if not models:
            raise ValueError('SapiensInferencer: give at least one model')
        self.device = device or best_device()
        self.dtype = choose_precision(dtype or precision, self.device)
        engine = resolve_engine(engine, self.device)  # a missing engine fails before building
        self.batch_size = max(1, int(batch_size))
        self.detector = detector
        self.num_workers = num_workers
        self.show_progress = show_progress
        self._depth_bounds: Dict[str, DepthBounds] = {}  # per video of a call (pointmaps)
        self.logger = MMLogger.get_current_instance()
        # find every checkpoint before building anything (a missing one fails at once)
        # (any path form: file, URL, hf://, released name; errors name it as given)
        from sapiens_mm.checkpoint.loading import resolve_checkpoint_path
        from sapiens_mm.checkpoint.model_zoo import zoo_config
        resolved = []
        for spec in models:
            if isinstance(spec, str):
                resolve_checkpoint_path(spec)
                resolved.append((zoo_config(spec), spec, spec))
            else:
                config, ckpt = spec
                ckpt = None if ckpt is None or str(ckpt).lower() == 'none' else str(ckpt)
                if ckpt is not None:
                    resolve_checkpoint_path(ckpt)
                resolved.append((config, ckpt, None))
        self.models: Dict[str, TaskModel] = {}
        for config, ckpt, name in resolved:
            if is_multitask_config(config):  # one model per head, one backbone pass for all
                built = build_multitask_task_models(config, ckpt, self.device, name=name)
                pose_on_dense = True
            else:
                built = [build_task_model(config, ckpt, self.device, name=name)]
            for tm in built:
                if tm.task in self.models:
                    raise ValueError(f'two {tm.task} models given ({self.models[tm.task].name}, '
                                     f'{tm.name}); give one model per task')
                self.models[tm.task] = tm
        check_pointmap_tasks(list(self.models))
        if flip_test is not None and 'pose' in self.models:
            self.models['pose'].model.test_cfg['flip_test'] = bool(flip_test)
        self.pose_on_dense = pose_on_dense
        self.share_backbone = share_backbone
        self.set_sharing(share_backbone)  # compares fp32 weights: before the conversion
        if share_backbone:
            self._share_backbone_modules()
        self.engine = build_engine(engine, self.device, self.dtype, compile_heads, self.logger)
        self.engine.prepare(self.models, self.groups, self.pose_group)
        self.logger.info(f'inference engine: {self.engine.describe()}')
        for g in self.groups:
            if len(g) > 1:
                self.logger.info('shared backbone pass for: ' + ', '.join(
                    f'{self.models[t].task} ({self.models[t].name})' for t in g))
        if self.pose_group is not None:
            self.logger.info('pose decoded from the backbone pass of: ' + ', '.join(
                f'{t} ({self.models[t].name})' for t in self.groups[self.pose_group]))

    # ------------------------------------------------------------------ set-up
    @property
    def tasks(self) -> List[str]:
        return [t for t in TASKS if t in self.models]

    def set_sharing(self, share: bool = True) -> List[List[str]]:
        """(Re-)detect the groups of dense tasks sharing a backbone pass (``pose_group``: the
        index of the group pose decodes from, or None)."""
        groups: List[List[str]] = []
        for task in DENSE:
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
        self.groups = groups
        self.pose_group = None
        if self.pose_on_dense and 'pose' in self.models:
            self.pose_group = self._pose_group()
        return groups

    def _share_backbone_modules(self) -> int:
        """Let models whose backbones are equal (:meth:`TaskModel.same_backbone`) hold one
        backbone module instead of one copy each (0.3B: 1.2 GB of fp32 weights per copy).
        Outputs do not change: the weights are equal. Returns the number of copies freed."""
        kept: List[TaskModel] = []
        freed, nbytes = 0, 0
        for task in self.tasks:
            tm = self.models[task]
            same = next((k for k in kept if k.same_backbone(tm)), None)
            if same is None:
                kept.append(tm)
            elif tm.model.backbone is not same.model.backbone:
                nbytes += sum(p.numel() * p.element_size()
                              for p in tm.model.backbone.parameters())
                tm.model.backbone = same.model.backbone
                freed += 1
        if freed:
            self.logger.info(f'equal backbone weights: {freed} copies freed '
                             f'({nbytes / 2**30:.2f} GiB)')
        return freed

    def subset(self, tasks: Sequence[str]) -> 'SapiensInferencer':
        """An inferencer over some of this one's task models (the same modules, no copy;
        sharing re-detected among them), e.g. to run pose alone on some inputs."""
        import copy
        missing = [t for t in tasks if t not in self.models]
        if missing or not tasks:
            raise ValueError(f'subset: tasks {list(tasks)} not all among {self.tasks}')
        new = copy.copy(self)
        new.models = {t: self.models[t] for t in TASKS if t in tasks}
        new._visualizers = None
        new.set_sharing(self.share_backbone)
        new.engine.prepare(new.models, new.groups, new.pose_group)
        return new

    def _pose_group(self) -> Optional[int]:
        pose = self.models['pose']
        size = tuple(pose.model.head.decoder.input_size)  # (w, h)
        pre = pose.cfg.model.data_preprocessor
        for i, g in enumerate(self.groups):
            if 'pointmap' in g:  # a letterboxed input: pose decodes a stretched whole image
                continue
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

    # ------------------------------------------------------------------ stages
    def _init_pipeline(self, cfg):
        """Each task model has its own test pipeline (:attr:`TaskModel.pipeline`), run by
        :meth:`preprocess`; there is no single inferencer pipeline."""
        raise NotImplementedError('SapiensInferencer: pipelines belong to its task models')

    def _inputs_to_list(self, inputs) -> List[InputItem]:
        return inputs_to_list(inputs)

    def _workers(self, n_items: int, batch_size: int, num_workers: Optional[int]) -> int:
        if num_workers is None:
            num_workers = self.num_workers
        if num_workers is None:
            if n_items < 2 * batch_size:
                return 0
            num_workers = min(4, max(1, (os.cpu_count() or 1) - 1))
        return max(0, int(num_workers))

    def preprocess(self, items: List[InputItem], batch_size: int = 1,
                   num_workers: Optional[int] = None) -> Iterator[tuple]:
        """Batches ``(video or None, [sample, ...])``; a sample is ``dict(name, img, error,
        packed)`` with ``packed[i]`` the test-pipeline output of dense group ``i``. Images are
        read (and the pipelines run) in DataLoader workers; videos frame by frame."""
        transforms = [self.models[g[0]].pipeline for g in self.groups]
        runs: List[tuple] = []  # consecutive images form one loader, each video one
        for it in items:
            if it.video is None and runs and runs[-1][0] is None:
                runs[-1][1].append(it)
            else:
                runs.append((it.video and it, [it] if it.video is None else None))
        for video, images in runs:
            if video is None:
                ds = ImageDataset(images, transforms)
                workers = self._workers(len(images), batch_size, num_workers)
            else:
                ds = getattr(video, 'frames_class', VideoFrames)(video, transforms)
                workers = min(1, self._workers(2 * batch_size, batch_size, num_workers))
            loader = torch.utils.data.DataLoader(
                ds, batch_size=batch_size, num_workers=workers, collate_fn=collate_list,
                prefetch_factor=2 if workers else None)
            for batch in loader:
                yield video, batch

    @torch.no_grad()
    def forward(self, samples: List[dict], bboxes: Optional[list] = None,
                crop_batch_size: Optional[int] = None) -> List[dict]:
        """Results (``seg``/``depth``/``normal`` arrays, ``pose`` PoseDataSample) of readable
        samples; ``bboxes[i]``: the person boxes of sample ``i`` or None; the person crops of
        all samples run ``crop_batch_size`` (default: ``batch_size``) at a time."""
        imgs = [s['img'] for s in samples]
        results = [dict() for _ in samples]
        for gi, group in enumerate(self.groups):
            first = self.models[group[0]]
            data = first.model.data_preprocessor(
                pseudo_collate([s['packed'][gi] for s in samples]), False)
            feats = self.engine.features(group_tasks(group, self.pose_group == gi),
                                         first.model, data['inputs'])
            for task in group:
                model = self.models[task].model
                out = model.decode_head.forward(feats)
                if task == 'pointmap':  # (canonical, scale) -> metric maps, as the estimator
                    maps = decode_pointmaps(model, out, [s['packed'][gi] for s in samples])
                else:
                    maps = [dense_to_image(task, o, img.shape[:2],
                                           model.decode_head.align_corners)
                            for o, img in zip(out, imgs)]
                for r, m in zip(results, maps):
                    r[task] = m
            if self.pose_group == gi:
                self._pose_from_features(feats, imgs, results)
        if 'pose' in self.models and self.pose_group is None:
            poses = self._pose_topdown(imgs, bboxes, crop_batch_size or self.batch_size,
                                       [s.get('name') for s in samples])
            for r, p in zip(results, poses):
                r['pose'] = p
        return results

    def _pose_topdown(self, imgs: Sequence[np.ndarray], bboxes, step: int,
                      names: Optional[Sequence[str]] = None) -> list:
        """Top-down pose of every image; the crops of all images run in batches."""
        from mmpose.structures import PoseDataSample, merge_data_samples
        tm = self.models['pose']
        meta = tm.model.dataset_meta or {}
        crops, owner = [], []
        for i, img in enumerate(imgs):
            boxes = None if bboxes is None else bboxes[i]
            if boxes is None:
                name = names[i] if names and names[i] else f'image {i}'
                boxes = self._detect(img, name) if self.detector is not None else \
                    np.array([[0, 0, img.shape[1], img.shape[0]]], np.float32)
            for box in _box_rows(boxes):
                info = dict(img=img, bbox=box[None, :4], bbox_score=box[4:5])
                info.update(meta)
                crops.append(tm.pipeline(info))
                owner.append(i)
        per_image: List[list] = [[] for _ in imgs]
        step = max(1, step)
        for s in range(0, len(crops), step):
            out = tm.model.test_step(pseudo_collate(crops[s:s + step]))
            for o, i in zip(out, owner[s:s + step]):
                per_image[i].append(o)
        return [merge_data_samples(p) if p else PoseDataSample() for p in per_image]

    def _detect(self, img: np.ndarray, image: str) -> np.ndarray:
        """``self.detector(img)``; a detector that raises is a
        :class:`~sapiens_mm.utils.detection.DetectorError` naming it and ``image`` (which
        :meth:`_forward_or_fail` reports as failed, the other inputs going on)."""
        try:
            return self.detector(img)
        except Exception as e:
            name = getattr(self.detector, 'name', None) or getattr(
                self.detector, '__qualname__', None) or type(self.detector).__qualname__
            raise detector_failure(name, image, e) from e

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
                                bboxes=np.array([[0, 0, w, h]], np.float32),
                                bbox_scores=np.ones(1, np.float32))
            r['pose'] = PoseDataSample(pred_instances=inst)

    def visualize(self, imgs: Sequence[np.ndarray], preds: List[dict], kpt_thr: float = 0.3,
                  video: Optional[str] = None) -> List[Dict[str, np.ndarray]]:
        """BGR pictures of each result (see :func:`draw_results`); the frames of ``video``
        (its name) share running pointmap colour bounds (:class:`~.pointmap_task.DepthBounds`)."""
        bounds = None
        if video is not None and 'pointmap' in self.models:
            bounds = self._depth_bounds.setdefault(video, DepthBounds())
        return [draw_results(self, img, res, kpt_thr, bounds) for img, res in zip(imgs, preds)]

    def postprocess(self, names: Sequence[str], preds: List[dict], pred_out_dir: str = '',
                    raw: bool = True, return_datasamples: bool = False,
                    guard: Optional[OutputGuard] = None,
                    imgs: Optional[Sequence[np.ndarray]] = None) -> List[dict]:
        """JSON-friendly predictions; with ``pred_out_dir`` the raw maps and the per-image
        pose JSON written (checked; none replacing an input of ``guard``) there. ``imgs``:
        the BGR images, which colour the pointmaps' PLY files (needed for pointmaps)."""
        out = []
        for i, (name, res) in enumerate(zip(names, preds)):
            if pred_out_dir:
                base = osp.join(pred_out_dir, name)
                if raw and 'seg' in res:
                    write_image(base + '_seg.png', res['seg'], guard)
                if raw and 'depth' in res:
                    write_npy(base + '_depth.npy', res['depth'].astype(np.float32), guard)
                if raw and 'normal' in res:
                    write_npy(base + '_normal.npy', res['normal'].astype(np.float32), guard)
                if raw and 'pointmap' in res:
                    if imgs is None:
                        raise ValueError('postprocess: pointmap files need the images (imgs)')
                    write_pointmap_files(base, res['pointmap'], imgs[i],
                                         person_mask(res, res['pointmap']), guard)
                if 'pose' in res:
                    write_json(base + '.json', format_pose_records(
                        pose_records(res['pose']), self.keypoint_format), guard)
            if not return_datasamples and 'pose' in res:
                res = dict(res, pose=pose_records(res['pose']))
            out.append(res)
        return out

    # ------------------------------------------------------------------ running
    def __call__(self, inputs, return_datasamples: bool = False,
                 batch_size: Optional[int] = None, return_vis: bool = False,
                 show: bool = False, vis_out_dir: str = '', pred_out_dir: str = '',
                 bboxes=None, kpt_thr: float = 0.3, raw: bool = True, video_out: bool = False,
                 num_workers: Optional[int] = None, keep_predictions: bool = True,
                 write_keypoints: bool = True) -> dict:
        """Infer ``inputs`` (one or a list: image paths, folders, videos, BGR arrays).

        Args:
            return_datasamples: ``pose`` as a ``PoseDataSample`` instead of JSON records.
            batch_size: images per forward pass (default: the constructor's).
            return_vis: also return the pictures; ``show``: display them (cv2 window).
            vis_out_dir / pred_out_dir: where to write pictures / predictions ('' = nowhere).
            bboxes: person boxes per image (rows ``[x1, y1, x2, y2(, score)]``): a list with
                one entry per image of the call, or a dict ``{output name or file name:
                rows}``, or a :class:`~.boxes.PersonBoxes` (see :mod:`.boxes` for the checks).
            raw: write the raw maps (``_seg.png``, ``.npy``) under ``pred_out_dir``.
            video_out: write ``{video}_panel.mp4`` under ``vis_out_dir`` for video inputs.
            keep_predictions: False keeps nothing in memory (long videos written to disk).
            write_keypoints: merge the call's COCO results into ``keypoints.json`` +
                ``image_ids.json`` under ``pred_out_dir`` (:mod:`.results_files`); sharded
                runs merge the shards' instead.

        Returns:
            ``dict(predictions=[...], visualization=[...], names=[...], failed=[(name,
            reason), ...], warnings=[(name, message), ...], keypoints=COCO file or None,
            coco=[COCO records, image_id = the position in names + 1])``; unreadable images,
            images with unusable boxes and images whose outputs cannot be written are skipped,
            listed in ``failed`` and logged; ``warnings``: clipped boxes, truncated videos.

        Raises:
            OutputOverwritesInputError: an output would replace an input (before any write).
            ValueError: ``bboxes`` keys that match no input or several; an earlier run's
                ``keypoints.json`` / ``image_ids.json`` that cannot be merged with.
            TypeError: an array that is not (H, W, 3) uint8.
        """
        batch_size = batch_size or self.batch_size
        items = self._inputs_to_list(inputs)
        if self.temporal is not None:  # each call starts its videos afresh
            self.temporal.reset()
        self._depth_bounds = {}  # and its videos' pointmap colour bounds
        want_vis = return_vis or show or bool(vis_out_dir)
        # a live stream (camera, URL) has no frame count: 0, its frames are named as read
        frame_counts = {it.name: 0 if hasattr(it, 'frames_class') else count_frames(it.video)
                        for it in items if it.video}
        boxes = PersonBoxes.of(bboxes)
        if boxes is not None:
            boxes.resolve(items, frame_counts)
        per_call = bool(pred_out_dir) and 'pose' in self.models and write_keypoints
        guard = OutputGuard(items)  # outputs never replace inputs: checked before writing
        guard.preflight(items, self.tasks, pred_out_dir, vis_out_dir, raw,
                        video_out and bool(vis_out_dir), frame_counts, per_call)
        if per_call:
            read_results(pred_out_dir)  # an earlier run's files: readable, else refused now
        summary = dict(predictions=[], visualization=[], names=[], failed=[], warnings=[],
                       keypoints=None)
        coco: List[dict] = []
        videos: Dict[str, VideoOut] = {}
        seen = 0  # images of the call so far, unreadable ones included (list-form bboxes)
        bar = None
        if self.show_progress:
            from mmengine.utils import ProgressBar
            bar = ProgressBar(sum(frame_counts[it.name] if it.video else 1 for it in items))
        try:
            for video, samples in self.preprocess(items, batch_size, num_workers):
                ok = []
                for s in samples:
                    if s.get('warning'):
                        self._report(summary['warnings'], s['name'], s['warning'])
                        continue
                    index, seen = seen, seen + 1
                    if bar is not None:
                        bar.update()
                    if s['error'] is not None:
                        self._report(summary['failed'], s['name'], s['error'], skipped=True)
                    elif self._take_boxes(s, boxes, index, summary):
                        ok.append(s)
                if not ok:
                    continue
                given = [s['boxes'] for s in ok] if boxes is not None else None
                if self.temporal is not None and video is not None and given is None:
                    given = self.temporal.boxes(video.name, len(ok))
                ok, preds = self._forward_or_fail(ok, given, batch_size, summary['failed'])
                if self.temporal is not None and video is not None:
                    self.temporal.update(video.name, [s['img'] for s in ok], preds)
                names = [s['name'] for s in ok]
                vis = self.visualize([s['img'] for s in ok], preds, kpt_thr,
                                     video and video.name) if want_vis else []
                for i, (name, res) in enumerate(zip(names, preds)):
                    pics = vis[i] if vis else None
                    try:  # a failed write skips this input (reported), not the whole run
                        if vis_out_dir:
                            for task, pic in pics.items():
                                write_image(osp.join(vis_out_dir, f'{name}_{task}.jpg'), pic,
                                            guard)
                        out = self.postprocess([name], [res], pred_out_dir, raw,
                                               return_datasamples, guard, [ok[i]['img']])
                    except OSError as e:
                        self._report(summary['failed'], name, str(e), skipped=True)
                        continue
                    if show:
                        import cv2
                        cv2.imshow('sapiens_mm', pics['panel'])
                        cv2.waitKey(1)
                    if video_out and video is not None and vis_out_dir:
                        if video.name not in videos:
                            videos[video.name] = VideoOut(
                                osp.join(vis_out_dir, f'{video.name}_panel.mp4'),
                                getattr(video, 'fps', None) or video_fps(video.video), guard)
                        videos[video.name].write(pics['panel'])
                    summary['names'].append(name)
                    coco.extend(format_coco_records(pose_to_coco(res.get('pose'), len(
                        summary['names'])), self.keypoint_format))
                    if keep_predictions:
                        summary['predictions'] += out
                        if return_vis:
                            summary['visualization'].append(pics)
        finally:
            for v in videos.values():
                v.close()
        if boxes is not None and boxes.by_index is not None and len(boxes.by_index) != seen:
            self._report(summary['warnings'], boxes.source,
                         f'{boxes.source}: {len(boxes.by_index)} box entries for the {seen} '
                         'images of the call (the list is aligned with the images in order)')
        summary['coco'] = coco
        if per_call:
            summary['keypoints'] = merge_results(pred_out_dir, summary['names'], coco, guard)
        return summary

    def _report(self, where: list, name: str, message: str, skipped: bool = False) -> None:
        """Add ``(name, message)`` to a summary list and log it."""
        where.append((name, message))
        text = message if message.startswith(name) else f'{name}: {message}'
        self.logger.warning(('skipped ' if skipped else '') + text)

    def _take_boxes(self, sample: dict, boxes: Optional[PersonBoxes], index: int,
                    summary: dict) -> bool:
        """Put the given person boxes of ``sample`` (the ``index``-th image of the call),
        checked against the image, in ``sample['boxes']``; False (the image reported as
        failed) if they cannot be used (:func:`~.boxes.boxes_for_image`)."""
        if boxes is None:
            return True
        rows = boxes.rows(sample['name'], index)
        sample['boxes'] = None
        if rows is None or 'pose' not in self.models or self.pose_group is not None:
            return True
        try:
            sample['boxes'], warnings = boxes_for_image(rows, sample['img'].shape[:2],
                                                        sample['name'])
        except BoxError as e:
            self._report(summary['failed'], sample['name'], str(e), skipped=True)
            return False
        for w in warnings:
            self._report(summary['warnings'], sample['name'], w)
        return True

    def _forward_or_fail(self, samples: List[dict], boxes: Optional[list], batch_size: int,
                         failed: list) -> tuple:
        """:meth:`forward` on a batch; if it raises, each sample alone, so an error fails
        only its own input (``failed`` gets ``(name, reason)``). Returns (samples, preds)."""
        try:
            return samples, self.forward(samples, boxes, batch_size)
        except Exception as e:
            if len(samples) == 1:
                failed.append((samples[0]['name'], f'inference failed ({type(e).__name__}: {e})'))
                self.logger.warning(f'skipped {samples[0]["name"]}: {failed[-1][1]}')
                return [], []
        good, preds = [], []
        for i, s in enumerate(samples):
            kept, pred = self._forward_or_fail([s], None if boxes is None else [boxes[i]], 1,
                                               failed)
            good += kept
            preds += pred
        return good, preds

    def run(self, inputs, out_dir: str, video_out: bool = False, kpt_thr: float = 0.3,
            pictures: bool = True, raw: bool = True, bboxes=None) -> dict:
        """Infer ``inputs`` and write everything under ``out_dir`` (predictions and pictures),
        keeping nothing in memory. Returns ``dict(images=N, failed=[(name, reason), ...],
        warnings=[(name, message), ...], keypoints=COCO file or None)``."""
        s = self(inputs, pred_out_dir=out_dir, vis_out_dir=out_dir if pictures else '',
                 raw=raw, video_out=video_out, kpt_thr=kpt_thr, bboxes=bboxes,
                 keep_predictions=False)
        return dict(images=len(s['names']), failed=s['failed'], warnings=s['warnings'],
                    keypoints=s['keypoints'])


def _box_rows(boxes) -> np.ndarray:
    """(N, 5) float32 [x1, y1, x2, y2, score] of (N, 4) or (N, 5) boxes (score 1 if absent)."""
    arr = np.asarray(boxes, np.float32)
    if arr.size == 0:
        return np.zeros((0, 5), np.float32)
    arr = arr[None] if arr.ndim == 1 else arr
    if arr.ndim != 2 or arr.shape[1] not in (4, 5):
        raise ValueError(f'person boxes: expected (N, 4) or (N, 5) [x1, y1, x2, y2(, score)], '
                         f'got shape {arr.shape}')
    if arr.shape[1] == 4:
        arr = np.concatenate([arr, np.ones((len(arr), 1), np.float32)], axis=1)
    return arr


def draw_results(inferencer: SapiensInferencer, img: np.ndarray, result: dict,
                 kpt_thr: float = 0.3, depth_bounds: Optional[DepthBounds] = None
                 ) -> Dict[str, np.ndarray]:
    """BGR pictures of one result: ``pose``, ``seg``, ``depth``, ``normal``, ``pointmap`` and
    ``pointmap_normal`` (those run) and ``panel`` ([image | each picture] side by side).
    Depth, normals and pointmaps are shown on the person (segmentation foreground) when a
    segmentation result is present. Drawn by the visualizers of the training and test hooks
    (:mod:`sapiens_mm.visualization`), built once per inferencer; pointmaps by
    :func:`~.pointmap_task.pointmap_pictures`, in colour bounds updated in ``depth_bounds``
    (a video's running bounds) or this image's own."""
    from sapiens_mm.apis.video.pose_temporal import draw_track_ids
    from sapiens_mm.datasets.body_part_classes import BODY_PART_CLASSES, BODY_PART_PALETTE
    from sapiens_mm.visualization import (SapiensDenseVisualizer, SapiensPoseVisualizer,
                                          side_by_side)
    if getattr(inferencer, '_visualizers', None) is None:  # outside any runner
        key = id(inferencer)
        inferencer._visualizers = dict(
            pose=SapiensPoseVisualizer(name=f'infer_pose_{key}'),
            dense=SapiensDenseVisualizer(name=f'infer_dense_{key}'))
    pics = {}
    rgb = np.ascontiguousarray(img[..., ::-1])
    mask = result['seg'] > 0 if 'seg' in result else None
    if 'pose' in result:
        if result['pose'].get('pred_instances') is None:
            pics['pose'] = img.copy()
        else:
            vis = inferencer._visualizers['pose']
            vis.set_dataset_meta(inferencer.models['pose'].model.dataset_meta)
            pics['pose'] = vis.add_datasample('pose', rgb, result['pose'], draw_gt=False,
                                              draw_bbox=True, kpt_thr=kpt_thr)[..., ::-1]
            pics['pose'] = draw_track_ids(np.ascontiguousarray(pics['pose']), result['pose'])
    dense = inferencer._visualizers['dense']
    if 'seg' in result:
        meta = getattr(inferencer.models['seg'].model, 'dataset_meta', None) or {}
        dense.dataset_meta = dict(classes=meta.get('classes', BODY_PART_CLASSES),
                                  palette=meta.get('palette', BODY_PART_PALETTE))
        pics['seg'] = dense.draw_parts(rgb, result['seg'], with_labels=False)[..., ::-1]
    if 'depth' in result:
        pics['depth'] = dense.draw_depth(result['depth'], mask)[..., ::-1]
    if 'normal' in result:
        pics['normal'] = dense.draw_normals(result['normal'], mask,
                                            channels_first=False)[..., ::-1]
    if 'pointmap' in result:
        points = result['pointmap']
        person = person_mask(result, points)
        bounds = None if depth_bounds is None else depth_bounds.update(points[..., 2], person)
        pics.update(pointmap_pictures(points, person, bounds))
    pics = {k: np.ascontiguousarray(v) for k, v in pics.items()}
    pics['panel'] = side_by_side([img] + [pics[p] for p in picture_names(TASKS) if p in pics])
    return pics


def pose_records(sample) -> list:
    """mmpose's per-image records (:func:`~.decode.pose_instances`), each with its
    ``track_id`` when the frames were tracked."""
    records = pose_instances(sample)
    inst = getattr(sample, 'pred_instances', None)
    if inst is not None and 'track_ids' in inst:
        for r, tid in zip(records, np.asarray(inst.track_ids).tolist()):
            r['track_id'] = int(tid)
    return records

"""Loading and packing of multi-task samples (pose + body parts + depth + normals per image).

Pipeline of :class:`~sapiens_mm.datasets.HumanMultiTaskDataset` samples::

    LoadImageFromFile -> LoadMultiTaskAnnotations -> Resize(keep_ratio=False)
      -> MultiTaskDepthTarget -> PackMultiTaskInputs(codec=...)          (training)
    LoadImageFromFile -> Resize -> LoadMultiTaskAnnotations -> PackMultiTaskInputs (evaluation)

Pose is predicted on the whole image (as the inferencer's ``pose_on_dense``): the keypoints
stay in original-image pixels in the data info and :class:`PackMultiTaskInputs` maps them to
the network input (half-pixel centres: ``x_in = (x + 0.5) * W_in / W - 0.5``) before encoding
the heatmaps. The pipeline may therefore only resize the image (no crop, flip or rotation):
a flipped sample is refused.
"""
from typing import Optional, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform, to_tensor
from mmengine.structures import BaseDataElement, InstanceData, PixelData

from sapiens_mm.registry import TRANSFORMS
from ..body_parts_29 import v1_to_v2_labels
from .depth_target import GenerateHumanDepthTarget
from .formatting import PackDenseInputs
from .loading import LoadBodyPartAnnotations, LoadHumanDepth, LoadHumanNormal

__all__ = ['LoadMultiTaskAnnotations', 'MultiTaskDepthTarget', 'PackMultiTaskInputs']

#: ``sample_idx`` (the dataset index) lets ``MultiTaskEvaluator`` drop the samples a
#: distributed sampler evaluates twice
_META_KEYS = ('img_path', 'sample_idx', 'ori_shape', 'img_shape', 'pad_shape', 'scale_factor',
              'flip', 'flip_direction', 'reduce_zero_label')
#: dense task -> (data-info key of its file, field of the packed mmseg sample)
_DENSE = (('seg', 'seg_map_path', 'gt_sem_seg'), ('depth', 'depth_map_path', 'gt_depth_map'),
          ('normal', 'normal_map_path', 'gt_normal_map'))


@TRANSFORMS.register_module()
class LoadMultiTaskAnnotations(BaseTransform):
    """Load the dense labels a sample has: ``gt_seg_map``, ``gt_depth_map`` (metres),
    ``gt_normal_map`` (with the checks of ``LoadBodyPartAnnotations``, ``LoadHumanDepth``,
    ``LoadHumanNormal``, whose errors name the file). Pose keypoints are already in the data
    info. A sample without a task's file is left without that label.

    When the data info says ``map_seg_v1_to_v2`` (``HumanMultiTaskDataset(map_seg_v1_to_v2=
    True)``, for a Sapiens2 seg head), the label map read from disk (v1's 28 classes) becomes
    Sapiens2's 29 by ``v1_to_v2_labels``, right after the read, so once per read; the
    result's ``seg_label_space`` says which space ``gt_seg_map`` is in.

    Args:
        mask_threshold (int): mask pixels above it are the person. Defaults to 127.
        backend_args (dict, optional): mmengine file backend arguments.
    """

    def __init__(self, mask_threshold: int = 127, backend_args: Optional[dict] = None):
        self.loaders = dict(
            seg=LoadBodyPartAnnotations(backend_args=backend_args),
            depth=LoadHumanDepth(mask_threshold=mask_threshold, backend_args=backend_args),
            normal=LoadHumanNormal(mask_threshold=mask_threshold, backend_args=backend_args))

    def transform(self, results: dict) -> dict:
        results.setdefault('seg_fields', [])
        for task, path_key, _ in _DENSE:
            if results.get(path_key):
                results = self.loaders[task].transform(results)
                if task == 'seg':
                    self._map_seg_labels(results)
        return results

    @staticmethod
    def _map_seg_labels(results: dict) -> None:
        """v1 -> v2 labels of the label map just read, when the data info asks for it."""
        if results.get('map_seg_v1_to_v2'):
            results['gt_seg_map'] = v1_to_v2_labels(results['gt_seg_map'])
            results['seg_label_space'] = 'sapiens2_29'
        else:
            results['seg_label_space'] = 'goliath28'


@TRANSFORMS.register_module()
class MultiTaskDepthTarget(GenerateHumanDepthTarget):
    """``GenerateHumanDepthTarget`` for samples that have depth; others pass unchanged."""

    def transform(self, results: dict) -> dict:
        if results.get('gt_depth_map') is None:
            return results
        return super().transform(results)


@TRANSFORMS.register_module()
class PackMultiTaskInputs(BaseTransform):
    """Pack the image and one sub-sample per labelled task into a multi-task sample.

    Output: ``inputs`` (3, H, W) uint8 tensor and ``data_samples``: an mmengine
    ``BaseDataElement`` with the image metainfo and the fields

    * ``seg``: ``SegDataSample`` with ``gt_sem_seg`` (1, H, W);
    * ``depth``: ``SegDataSample`` with ``gt_depth_map`` (1, H, W);
    * ``normal``: ``SegDataSample`` with ``gt_normal_map`` (3, H, W);
    * ``pose``: ``PoseDataSample`` with metainfo ``id``, ``img_id``, ``category_id``,
      ``input_size`` (w, h) and ``gt_instances`` (``bboxes``, ``keypoints`` in original pixels,
      ``keypoints_visible``); with ``codec``, also ``gt_fields.heatmaps`` (K, h, w) and
      ``gt_instance_labels.keypoint_weights`` (1, K), the codec's encoding of the keypoints
      mapped to the network input.

    Only tasks in the sample's ``tasks`` (set by the dataset) and in ``tasks`` (if given) are
    packed. A sample with no label gets an empty multi-task sample (inference, distillation).

    Args:
        codec (dict, optional): mmpose keypoint codec config (e.g. ``BatchUDPHeatmap``), whose
            ``input_size`` must be the packed image size (w, h). None: no heatmap targets.
        tasks (Sequence[str], optional): tasks to pack (default: all the sample has).
        meta_keys (Sequence[str]): image metainfo keys copied to every sub-sample.
    """

    def __init__(self, codec: Optional[dict] = None, tasks: Optional[Sequence[str]] = None,
                 meta_keys: Sequence[str] = _META_KEYS):
        self.codec_cfg = codec
        self.codec = None
        if codec is not None:
            from mmengine.registry import DefaultScope
            from mmpose.registry import KEYPOINT_CODECS
            with DefaultScope.overwrite_default_scope('mmpose'):
                self.codec = KEYPOINT_CODECS.build(dict(codec))
        self.tasks = None if tasks is None else tuple(tasks)
        self.meta_keys = tuple(meta_keys)
        self.dense_packer = PackDenseInputs(meta_keys=self.meta_keys)

    def _wanted(self, results: dict) -> tuple:
        have = tuple(results.get('tasks', ()))
        return have if self.tasks is None else tuple(t for t in have if t in self.tasks)

    def transform(self, results: dict) -> dict:
        from mmseg.structures import SegDataSample
        packed = self.dense_packer.transform(results)
        dense = packed['data_samples']
        meta = dict(dense.metainfo)
        sample = BaseDataElement(metainfo=meta)
        wanted = self._wanted(results)
        for task, _, field in _DENSE:
            if task in wanted and field in dense:
                sub = SegDataSample(metainfo=meta)
                sub.set_data({field: dense.get(field)})
                sample.set_field(sub, task)
        if 'pose' in wanted:
            sample.set_field(self._pose_sample(results, meta), 'pose')
        return dict(inputs=packed['inputs'], data_samples=sample)

    def _pose_sample(self, results: dict, meta: dict):
        from mmpose.structures import PoseDataSample
        if results.get('flip', False):
            raise ValueError(f'{type(self).__name__}: {results.get("img_path")} was flipped, '
                             'but whole-image keypoints are only mapped through a resize; '
                             'drop the flip from the multi-task pipeline')
        keypoints = np.asarray(results['pose_keypoints'], np.float32)
        visible = np.asarray(results['pose_keypoints_visible'], np.float32)
        ori_h, ori_w = results['ori_shape'][:2]
        in_h, in_w = results['img_shape'][:2]
        pose_meta = dict(meta, id=results['pose_ann_id'], img_id=results['pose_img_id'],
                         category_id=1, input_size=(in_w, in_h))
        sub = PoseDataSample(metainfo=pose_meta)
        sub.gt_instances = InstanceData(
            bboxes=np.asarray(results['pose_bbox'], np.float32), keypoints=keypoints,
            keypoints_visible=visible)
        if self.codec is not None:
            if tuple(self.codec.input_size) != (in_w, in_h):
                raise ValueError(f'{type(self).__name__}: the codec input_size '
                                 f'{tuple(self.codec.input_size)} (w, h) differs from the '
                                 f'packed image size ({in_w}, {in_h}) of '
                                 f'{results.get("img_path")}')
            k_in = keypoints.copy()
            k_in[..., 0] = (k_in[..., 0] + 0.5) * in_w / ori_w - 0.5
            k_in[..., 1] = (k_in[..., 1] + 0.5) * in_h / ori_h - 0.5
            encoded = self.codec.encode(k_in, visible)
            sub.gt_fields = PixelData(heatmaps=to_tensor(
                np.ascontiguousarray(encoded['heatmaps'], np.float32)))
            sub.gt_instance_labels = InstanceData(keypoint_weights=torch.as_tensor(
                np.asarray(encoded['keypoint_weights'], np.float32)))
        return sub

    def __repr__(self) -> str:
        return f'{type(self).__name__}(codec={self.codec_cfg}, tasks={self.tasks})'

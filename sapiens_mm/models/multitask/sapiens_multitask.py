"""One Sapiens backbone, up to four task heads: pose, body parts, depth, normals.

The released Sapiens task models (Khirodkar et al., "Sapiens: Foundation for Human Vision
Models", ECCV 2024, Sec. 4) are fine-tuned end to end one task at a time, so running all four
on an image costs four backbone passes. :class:`SapiensMultiTask` shares one ``SapiensViT``
between the heads of the single-task models (``SapiensHeatmapHead`` on the whole image, as
the inferencer's ``pose_on_dense``; ``SapiensSegHead``; ``SapiensDepthHead``;
``SapiensNormalHead``): one backbone pass per image for every task.

The backbone may be a Sapiens2 ``Sapiens2ViT`` (Sapiens2, ICLR 2026, the release's
``sapiens/backbones/standalone/sapiens2.py``) with the Sapiens2 heads (``Sapiens2SegHead``,
29 classes; ``Sapiens2NormalHead``; ``SapiensHeatmapHead`` at the v2 widths), as
``configs/sapiens2_multitask/``; the v2 release has no depth head.
"""
import copy
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel, ModuleDict
from mmengine.registry import DefaultScope
from mmengine.structures import BaseDataElement, InstanceData, PixelData
from torch import Tensor

from sapiens_mm.registry import MODELS as _MODELS
from sapiens_mm.utils.multitask import MULTITASK_TASKS, TASK_SCOPES, has_task_label

__all__ = ['SapiensMultiTask']


def _build_in_scope(cfg: dict, scope: str) -> nn.Module:
    """Build a module config with ``scope`` as default scope (so a pose head finds mmpose's
    losses and codecs and a dense head mmseg's, whatever the config's default scope)."""
    from mmengine.registry import MODELS
    with DefaultScope.overwrite_default_scope(scope):
        return MODELS.build(copy.deepcopy(cfg))


@_MODELS.register_module()
class SapiensMultiTask(BaseModel):
    """A ``SapiensViT`` (or ``Sapiens2ViT``) backbone shared by any subset of the task heads.

    Training (``mode='loss'``): one backbone pass over the batch; each head gets the features
    of the samples that carry its task's label (a multi-task sample, see
    :mod:`sapiens_mm.utils.multitask`) and returns its usual losses. The loss is
    ``sum_t w_t * L_t`` with ``w_t = loss_weights[t]`` (default 1); the logged names are
    ``{task}.{name}`` (``pose.loss_kpt``, ``seg.loss_ce``, ``depth.loss_silog``,
    ``normal.loss_cos``...). A task without a label in any sample of the batch adds no loss.

    Prediction (``mode='predict'``): every head decodes the same features; each sample gets
    one sub-sample per head:

    * ``pose``: ``pred_instances`` with ``keypoints`` (1, K, 2) in original-image pixels,
      ``keypoint_scores`` (1, K), ``bboxes`` [[0, 0, W, H]], ``bbox_scores`` [1] (whole-image
      pose: the input is the image resized to the codec's ``input_size``);
    * ``seg``: ``pred_sem_seg`` (1, H, W) labels and ``seg_logits`` (C, H, W);
    * ``depth``: ``pred_depth_map`` (1, H, W), relative depth as trained;
    * ``normal``: ``pred_normal_map`` (3, H, W), unit normals (OpenCV camera frame);

    all at the original image size ``ori_shape`` (bilinear resize, then argmax /
    L2-normalisation). ``mode='tensor'``: ``{task: raw head output}``.

    Args:
        backbone (dict): the ``SapiensViT`` or ``Sapiens2ViT`` config (``init_cfg`` loads a
            pretrain checkpoint of that backbone's family; the other family's is refused).
        heads (dict): task -> head config; tasks from ``pose``, ``seg``, ``depth``,
            ``normal``. Heads build in their task's scope (mmpose for pose, mmseg else).
        loss_weights (dict, optional): task -> weight of its losses (default 1 each).
        data_preprocessor (dict, optional): e.g. mmengine's ``ImgDataPreprocessor`` (mean,
            std, ``bgr_to_rgb``); it must leave the multi-task samples alone.
        train_cfg (dict, optional): task -> the head's ``train_cfg``.
        test_cfg (dict, optional): unused keys are refused; reserved.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 backbone: dict,
                 heads: Dict[str, dict],
                 loss_weights: Optional[Dict[str, float]] = None,
                 data_preprocessor: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not heads:
            raise ValueError(f'{type(self).__name__}: give at least one head')
        unknown = [t for t in heads if t not in MULTITASK_TASKS]
        if unknown:
            raise ValueError(f'{type(self).__name__}: unknown task(s) {unknown} in heads; '
                             f'tasks are {MULTITASK_TASKS}')
        loss_weights = dict(loss_weights or {})
        extra = [t for t in loss_weights if t not in heads]
        if extra:
            raise ValueError(f'{type(self).__name__}: loss_weights for {extra}, which have no '
                             f'head (heads: {sorted(heads)})')
        for task, w in loss_weights.items():
            if not isinstance(w, (int, float)) or not np.isfinite(w) or w < 0:
                raise ValueError(f'{type(self).__name__}: loss_weights[{task!r}] must be a '
                                 f'finite number >= 0, got {w!r}')
        if test_cfg:
            raise ValueError(f'{type(self).__name__}: test_cfg takes no options, got '
                             f'{sorted(test_cfg)}')
        self.backbone = _build_in_scope(backbone, 'mmseg')
        tasks = [t for t in MULTITASK_TASKS if t in heads]
        # mmengine's ModuleDict (a BaseModule): init_weights reaches the heads' init_cfg
        self.heads = ModuleDict(
            {t: _build_in_scope(heads[t], TASK_SCOPES[t]) for t in tasks})
        self.loss_weights = {t: float(loss_weights.get(t, 1.0)) for t in tasks}
        self.train_cfg = dict(train_cfg or {})
        self.test_cfg = {}

    @property
    def tasks(self) -> Tuple[str, ...]:
        return tuple(self.heads.keys())

    # ------------------------------------------------------------------ forward
    def extract_feat(self, inputs: Tensor) -> tuple:
        """(B, 3, H, W) normalised images -> the backbone's tuple of (B, C, H/16, W/16)."""
        return self.backbone(inputs)

    def forward(self, inputs: Tensor, data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs)
        raise RuntimeError(f'Invalid mode "{mode}": use "loss", "predict" or "tensor"')

    def _forward(self, inputs: Tensor) -> Dict[str, Tensor]:
        """Raw head outputs of one backbone pass: pose heatmaps (B, K, h, w), seg logits
        (B, C, h', w'), depth (B, 1, H, W), normals (B, 3, h', w') (head resolutions)."""
        feats = self.extract_feat(inputs)
        return {task: head.forward(feats) for task, head in self.heads.items()}

    def loss(self, inputs: Tensor, data_samples: Sequence) -> Dict[str, Tensor]:
        """Weighted task losses of a batch of multi-task samples (see the class docstring)."""
        feats = self.extract_feat(inputs)
        losses: Dict[str, Tensor] = {}
        for task, head in self.heads.items():
            idx = [i for i, s in enumerate(data_samples) if has_task_label(s, task)]
            if not idx:
                continue
            if len(idx) < len(data_samples):
                index = torch.as_tensor(idx, device=inputs.device)
                task_feats = tuple(f.index_select(0, index) for f in feats)
            else:
                task_feats = feats
            samples = [getattr(data_samples[i], task) for i in idx]
            task_losses = head.loss(task_feats, samples, train_cfg=self.train_cfg.get(task, {}))
            weight = self.loss_weights[task]
            for name, value in task_losses.items():
                if 'loss' in name:
                    value = value * weight
                losses[f'{task}.{name}'] = value
        if not losses:  # no label of any head in this batch: a zero loss keeps the step valid
            losses['loss_zero'] = sum(f.sum() for f in feats) * 0.0
        return losses

    # ------------------------------------------------------------------ prediction
    def predict(self, inputs: Tensor, data_samples: Optional[Sequence] = None) -> list:
        """Multi-task samples with every head's prediction at the original image size."""
        outputs = self._forward(inputs)
        batch = inputs.shape[0]
        if data_samples is None:
            hw = tuple(inputs.shape[2:])
            data_samples = [BaseDataElement(metainfo=dict(ori_shape=hw, img_shape=hw))
                            for _ in range(batch)]
        for task, out in outputs.items():
            decode = getattr(self, f'_predict_{task}')
            for i, sample in enumerate(data_samples):
                sub = getattr(sample, task) if task in sample else None
                if sub is None:
                    sub = self._new_sub_sample(task, sample.metainfo)
                decode(out[i:i + 1], sub, inputs.shape[2:])
                sample.set_field(sub, task)
        return list(data_samples)

    @staticmethod
    def _new_sub_sample(task: str, meta: dict):
        if task == 'pose':
            from mmpose.structures import PoseDataSample
            return PoseDataSample(metainfo=dict(meta))
        from mmseg.structures import SegDataSample
        return SegDataSample(metainfo=dict(meta))

    @staticmethod
    def _to_image(out: Tensor, sub, input_hw) -> Tensor:
        """(1, C, h, w) head output -> (1, C, H, W) at ``ori_shape`` (padding removed)."""
        meta = sub.metainfo
        in_h, in_w = (int(v) for v in input_hw)
        img_h, img_w = meta.get('img_shape', (in_h, in_w))[:2]
        if (img_h, img_w) != (in_h, in_w):  # the preprocessor padded: crop the image part
            out = F.interpolate(out.float(), size=(in_h, in_w), mode='bilinear',
                                align_corners=False)[..., :img_h, :img_w]
        size = tuple(int(v) for v in meta.get('ori_shape', (img_h, img_w))[:2])
        return F.interpolate(out.float(), size=size, mode='bilinear', align_corners=False)

    def _predict_seg(self, out: Tensor, sub, input_hw) -> None:
        logits = self._to_image(out, sub, input_hw)[0]
        sub.set_data(dict(seg_logits=PixelData(data=logits),
                          pred_sem_seg=PixelData(data=logits.argmax(dim=0, keepdim=True))))

    def _predict_depth(self, out: Tensor, sub, input_hw) -> None:
        sub.set_data(dict(pred_depth_map=PixelData(data=self._to_image(out, sub, input_hw)[0])))

    def _predict_normal(self, out: Tensor, sub, input_hw) -> None:
        normal = F.normalize(self._to_image(out, sub, input_hw), dim=1, eps=1e-6)[0]
        sub.set_data(dict(pred_normal_map=PixelData(data=normal)))

    def _predict_pose(self, out: Tensor, sub, input_hw) -> None:
        codec = self.heads['pose'].decoder
        heatmaps = out.float()
        if getattr(codec, 'support_batch_decoding', False):
            kpts, scores = codec.batch_decode(heatmaps)
            kpts, scores = np.asarray(kpts[0], np.float32), np.asarray(scores[0], np.float32)
        else:
            kpts, scores = codec.decode(heatmaps[0].detach().cpu().numpy())
        in_w, in_h = codec.input_size
        meta = sub.metainfo
        h, w = (int(v) for v in meta.get('ori_shape', tuple(input_hw))[:2])
        kpts = np.asarray(kpts, np.float32).reshape(1, -1, 2).copy()
        # the input is the image resized to (in_w, in_h), half-pixel centres
        kpts[..., 0] = (kpts[..., 0] + 0.5) * w / in_w - 0.5
        kpts[..., 1] = (kpts[..., 1] + 0.5) * h / in_h - 0.5
        sub.pred_instances = InstanceData(
            keypoints=kpts, keypoint_scores=np.asarray(scores, np.float32).reshape(1, -1),
            bboxes=np.array([[0, 0, w, h]], np.float32), bbox_scores=np.ones(1, np.float32))

    # ------------------------------------------------------------------ helpers
    def task_head(self, task: str) -> nn.Module:
        """The head of ``task`` (KeyError naming the model's tasks otherwise)."""
        if task not in self.heads:
            raise KeyError(f'{type(self).__name__} has no {task!r} head (tasks: {self.tasks})')
        return self.heads[task]


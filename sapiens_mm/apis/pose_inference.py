"""Top-down pose inference on whole images: person boxes, keypoints, COCO JSON and pictures.

Person boxes come, in this order of preference, from boxes the caller gives, from a person
detector (an mmdet config + checkpoint, as the release uses RTMDet, or any callable returning
(N, 4) xyxy boxes), or from the whole image. Keypoints are predicted by a sapiens_mm (or any
mmpose) top-down model with mmpose's ``inference_topdown``; the heatmap decoding is batched in
torch when the config's codec is ``BatchUDPHeatmap``.
"""
import os
from typing import Callable, List, Optional, Sequence, Tuple, Union

import mmcv
import numpy as np
from mmpose.apis import inference_topdown, init_model
from mmpose.evaluation.functional import nms
from mmpose.structures import PoseDataSample, merge_data_samples

from sapiens_mm.visualization import SapiensPoseVisualizer

__all__ = ['TopdownPoseInferencer', 'MMDetPersonDetector']


class MMDetPersonDetector:
    """Person boxes from an mmdet detector: class ``cat_id``, score > ``score_thr``, then NMS.

    Defaults follow the release's demo (category 0, score 0.3, NMS IoU 0.3).
    ``__call__(img_bgr)`` returns (N, 4) float32 xyxy boxes in pixels; :meth:`detect` returns
    the boxes and their (N,) scores (the ``PersonDetector`` protocol of
    :mod:`sapiens_mm.data_curation`).
    """

    def __init__(self, config: str, checkpoint: Optional[str], device: str = 'cpu',
                 cat_id: int = 0, score_thr: float = 0.3, nms_thr: float = 0.3):
        from mmdet.apis import init_detector
        self.model = init_detector(config, checkpoint, device=device)
        self.cat_id, self.score_thr, self.nms_thr = cat_id, score_thr, nms_thr
        #: identifies the detector in curation ledgers by content: the config and checkpoint
        #: files by SHA-256 (not their names), and the detector arguments
        from sapiens_mm.data_curation.detectors import file_digest, text_digest
        cfg_id = (f'{os.path.basename(config)}@{file_digest(config)}' if isinstance(config, str)
                  else f'{type(config).__name__}@{text_digest(str(config))}')
        ckpt_id = (f'{os.path.basename(checkpoint)}@{file_digest(checkpoint)}'
                   if checkpoint and os.path.isfile(checkpoint) else (checkpoint or 'random-init'))
        self.name = f'mmdet:{cfg_id}:{ckpt_id}:cat{cat_id}:score>{score_thr}:nms{nms_thr}'

    def detect(self, img: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """(N, 4) float32 xyxy boxes [px] and (N,) float32 scores of the persons in ``img``."""
        from mmdet.apis import inference_detector
        from mmengine.registry import init_default_scope
        init_default_scope('mmdet')
        pred = inference_detector(self.model, img).pred_instances.cpu().numpy()
        keep = (pred.labels == self.cat_id) & (pred.scores > self.score_thr)
        dets = np.concatenate([pred.bboxes[keep], pred.scores[keep, None]], axis=1)
        if len(dets):
            dets = dets[nms(dets, self.nms_thr)]
        return dets[:, :4].astype(np.float32), dets[:, 4].astype(np.float32)

    def __call__(self, img: np.ndarray) -> np.ndarray:
        return self.detect(img)[0]


class TopdownPoseInferencer:
    """Keypoints of every person in an image.

    Args:
        config: a top-down pose config (e.g. ``configs/sapiens_pose/goliath/...``).
        checkpoint: task checkpoint (``state_dict`` with ``backbone.*`` / ``head.*``).
        device: torch device string.
        detector: None (whole image or given boxes), a callable ``img -> (N, 4) xyxy`` or an
            :class:`MMDetPersonDetector`.
    """

    def __init__(self, config, checkpoint: Optional[str] = None, device: str = 'cpu',
                 detector: Optional[Callable[[np.ndarray], np.ndarray]] = None):
        self.model = init_model(config, None, device=device)
        if checkpoint is not None:  # weights-only, any path form, fit checked (not mmpose's)
            from sapiens_mm.checkpoint import load_model_weights
            load_model_weights(self.model, checkpoint)
            self.model.to(device)
        self.detector = detector

    @property
    def dataset_meta(self) -> dict:
        return self.model.dataset_meta

    def person_boxes(self, img: np.ndarray) -> np.ndarray:
        """(N, 4) xyxy boxes: the detector's, or the whole image if there is none."""
        if self.detector is not None:
            return np.asarray(self.detector(img), dtype=np.float32).reshape(-1, 4)
        h, w = img.shape[:2]
        return np.array([[0, 0, w, h]], dtype=np.float32)

    def __call__(self, img: Union[str, np.ndarray],
                 bboxes: Optional[Sequence[Sequence[float]]] = None) -> PoseDataSample:
        """Pose of every person: ``pred_instances.keypoints`` (N, K, 2) in image pixels,
        ``keypoint_scores`` (N, K) and ``bboxes`` (N, 4) xyxy. N = 0 if no person is found."""
        if isinstance(img, str):
            path, img = img, mmcv.imread(img)
            if img is None:
                raise ValueError(f'{path}: unreadable or corrupt image')
        boxes = self.person_boxes(img) if bboxes is None else \
            np.asarray(bboxes, dtype=np.float32).reshape(-1, 4)
        if len(boxes) == 0:
            return PoseDataSample()
        return merge_data_samples(inference_topdown(self.model, img, boxes, bbox_format='xyxy'))

    def to_coco(self, result: PoseDataSample, image_id: int) -> List[dict]:
        """COCO keypoint results (``keypoints`` as x, y, score triplets) of one image."""
        if 'pred_instances' not in result:
            return []
        inst = result.pred_instances
        out = []
        for kpts, scores, box in zip(inst.keypoints, inst.keypoint_scores, inst.bboxes):
            triplets = np.concatenate([kpts, scores[:, None]], axis=1).reshape(-1)
            x0, y0, x1, y1 = (float(v) for v in box)
            out.append(dict(image_id=image_id, category_id=1,
                            keypoints=[round(float(v), 2) for v in triplets],
                            score=float(scores.mean()), bbox=[x0, y0, x1 - x0, y1 - y0]))
        return out

    def draw(self, img: np.ndarray, result: PoseDataSample, kpt_thr: float = 0.3) -> np.ndarray:
        """The image (BGR) with each person's box, skeleton and keypoints, drawn by
        :class:`~sapiens_mm.visualization.SapiensPoseVisualizer` in the metainfo's colours."""
        if 'pred_instances' not in result:
            return img.copy()
        if getattr(self, '_visualizer', None) is None:
            self._visualizer = SapiensPoseVisualizer(name=f'topdown_pose_{id(self)}')
        self._visualizer.set_dataset_meta(self.dataset_meta)
        drawn = self._visualizer.add_datasample('pose', np.ascontiguousarray(img[..., ::-1]),
                                                result, draw_gt=False, draw_bbox=True,
                                                kpt_thr=kpt_thr)
        return np.ascontiguousarray(drawn[..., ::-1])

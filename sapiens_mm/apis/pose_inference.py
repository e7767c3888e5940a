"""Person boxes for top-down pose: an mmdet detector filtered as the release's demo does.

Top-down pose itself runs in :class:`~sapiens_mm.apis.SapiensInferencer` (one path for every
pose input: boxes given, from this detector or any callable, or the whole image).
"""
import os
from typing import Optional, Tuple

import numpy as np
from mmpose.evaluation.functional import nms

__all__ = ['MMDetPersonDetector']


class MMDetPersonDetector:
    """Person boxes from an mmdet detector: class ``cat_id``, score > ``score_thr``, then NMS.

    Defaults follow the release's demo (category 0, score 0.3, NMS IoU 0.3).
    ``__call__(img_bgr)`` returns (N, 4) float32 xyxy boxes in pixels; :meth:`detect` returns
    the boxes and their (N,) scores (the ``PersonDetector`` protocol of
    :mod:`sapiens_mm.data_curation`).
    """

    def __init__(self, config: str, checkpoint: Optional[str], device: str = 'cpu',
                 cat_id: int = 0, score_thr: float = 0.3, nms_thr: float = 0.3):
        """``checkpoint``: the detector's weights (any path form of
        :func:`~sapiens_mm.checkpoint.load_checkpoint_file`), read weights-only and loaded
        exactly (:func:`~sapiens_mm.checkpoint.load_exact_weights`: a checkpoint of another
        detector is an error naming the file and the keys); ``'none'`` builds the detector
        with random weights (tests only: it finds nobody). ``None`` is an error, so that a
        forgotten checkpoint never runs a random detector."""
        from mmdet.apis import init_detector
        from sapiens_mm.checkpoint import load_exact_weights
        if checkpoint is None:
            raise ValueError(f'MMDetPersonDetector({config}): no checkpoint given; a detector '
                             "with random weights finds nobody (checkpoint='none' to build "
                             'one anyway)')
        random = str(checkpoint).lower() == 'none'
        # built without weights (mmdet's loader is not weights-only), then loaded here
        self.model = init_detector(config, None, device=device)
        if not random:
            meta = load_exact_weights(self.model, checkpoint).get('meta') or {}
            if meta.get('dataset_meta'):  # as mmdet's init_detector reads it
                self.model.dataset_meta = {k.lower(): v
                                           for k, v in meta['dataset_meta'].items()}
        self.cat_id, self.score_thr, self.nms_thr = cat_id, score_thr, nms_thr
        #: identifies the detector in curation ledgers (config and checkpoint file names)
        self.name = 'mmdet:{}:{}:cat{}'.format(
            os.path.basename(config) if isinstance(config, str) else type(config).__name__,
            'random-init' if random else os.path.basename(str(checkpoint)), cat_id)

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

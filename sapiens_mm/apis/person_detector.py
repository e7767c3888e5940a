"""The person detector of top-down pose, by name: the release's RTMDet-M by default.

``--det default`` (what ``sapiens-infer`` uses whenever pose runs without ``--bboxes``) is the
release's person detector: RTMDet-M at 640 with one class (config
``configs/detector/rtmdet_m_640-8xb32_coco-person.py``, weights ``rtmdet_m.pth`` of the
Hugging Face repository ``facebook/sapiens-pose-bbox-detector``, model zoo name
:data:`DEFAULT_DETECTOR`, found like every released checkpoint: ``$SAPIENS_MM_CHECKPOINTS``,
``$SAPIENS_CHECKPOINT_ROOT/detector/``, the Hub cache), filtered as the release's demo does
(person class, score > 0.3, NMS IoU 0.3; :class:`~sapiens_mm.apis.MMDetPersonDetector`), with
the whole image as the box only when nobody is found (:class:`WholeImageWhenNobody`, which
counts those images). ``--det none`` is the whole image for every image; ``--det-config`` /
``--det-checkpoint`` any other mmdet model. The weights are loaded weights-only through the
project's checkpoint loader (mmengine's loading is routed there by
``sapiens_mm.checkpoint.register_checkpoint_schemes``).

:func:`find_detector_checkpoint` finds the weights without building anything, so a run that
cannot have them (offline, not cached) stops at start with what to do.
"""
from typing import Optional, Tuple

import numpy as np

__all__ = ['DEFAULT_DETECTOR', 'WholeImageWhenNobody', 'find_detector_checkpoint',
           'build_person_detector', 'config_runs_pose']

#: model zoo name of the release's person detector (``configs/detector/metafile.yml``).
DEFAULT_DETECTOR = 'sapiens_person_detector'


class WholeImageWhenNobody:
    """A detector whose empty answer becomes the whole image ``[0, 0, W, H]`` (as the
    release's demo does); :attr:`nobody_found` counts the images where that happened.

    ``__call__(img)`` -> (N, 4) float32 xyxy px, N >= 1.
    """

    def __init__(self, detector):
        self.detector = detector
        self.nobody_found = 0
        self.name = getattr(detector, 'name', type(detector).__name__)

    def __call__(self, img: np.ndarray) -> np.ndarray:
        boxes = np.asarray(self.detector(img), np.float32).reshape(-1, 4)
        if len(boxes):
            return boxes
        self.nobody_found += 1
        return np.array([[0, 0, img.shape[1], img.shape[0]]], np.float32)


def find_detector_checkpoint(name: str = DEFAULT_DETECTOR) -> str:
    """The local file of a released detector's weights (cached or downloaded; offline: cached
    only). Raises :class:`~sapiens_mm.checkpoint.CheckpointError` saying where it looked and
    the choices (download it, ``--det none``, ``--det-config/--det-checkpoint``)."""
    from sapiens_mm.checkpoint import CheckpointError
    from sapiens_mm.checkpoint.model_zoo import resolve_checkpoint
    try:
        return resolve_checkpoint(name)
    except CheckpointError as e:
        raise CheckpointError(
            f'the default person detector ({name}, RTMDet-M) is not available: {e} '
            'Without it, give --det none (the whole image as the person box), --bboxes '
            'B.json, or another mmdet detector with --det-config C --det-checkpoint P.') from e


def config_runs_pose(spec) -> bool:
    """Whether a model spec of ``SapiensInferencer`` (a released name or ``(config,
    checkpoint)``) runs pose (a top-down pose model, or a multi-task model with a pose head),
    read from the zoo or the config without building anything."""
    from mmengine.config import Config
    from sapiens_mm.checkpoint.model_zoo import MODEL_ZOO
    from sapiens_mm.utils.config_paths import read_config
    if isinstance(spec, str):
        return spec in MODEL_ZOO and MODEL_ZOO[spec].task == 'pose'
    config = spec[0]
    cfg = config if isinstance(config, Config) else read_config(config)  # errors name the file
    model = cfg.get('model', {})
    if model.get('type') == 'SapiensMultiTask':
        return 'pose' in str(model.get('heads', model))
    return 'head' in model and 'decode_head' not in model


def build_person_detector(det: str = 'default', det_config: Optional[str] = None,
                          det_checkpoint: Optional[str] = None, device: str = 'cpu',
                          checkpoint: Optional[str] = None
                          ) -> Tuple[Optional[WholeImageWhenNobody], str]:
    """(detector or None, description) for ``--det`` / ``--det-config`` / ``--det-checkpoint``.

    ``det_config`` given: that mmdet model. Else ``det='default'``: the release's RTMDet-M
    (``checkpoint``: its file if already found by :func:`find_detector_checkpoint`);
    ``det='none'``: None (the whole image). The detector returned puts in the whole image when
    it finds nobody and counts those images (``nobody_found``).
    """
    from .pose_inference import MMDetPersonDetector
    if det_config:
        return (WholeImageWhenNobody(MMDetPersonDetector(det_config, det_checkpoint, device)),
                f'mmdet {det_config}')
    if det == 'none':
        return None, 'none (the whole image)'
    if det != 'default':
        raise ValueError(f'--det {det!r}: expected default or none (or --det-config)')
    from sapiens_mm.checkpoint.model_zoo import zoo_config
    ckpt = checkpoint or find_detector_checkpoint()
    return (WholeImageWhenNobody(MMDetPersonDetector(zoo_config(DEFAULT_DETECTOR), ckpt, device)),
            f'{DEFAULT_DETECTOR} (RTMDet-M, {ckpt})')

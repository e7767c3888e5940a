"""Dense backbone features of images, saved as arrays and looked at as PCA pictures."""
import os
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.utils import ProgressBar

from sapiens_mm.models.backbones import SapiensMAEViT
from sapiens_mm.utils import fileio
from sapiens_mm.utils.fileio import IMAGE_EXTENSIONS


__all__ = ['FeatureExtractor', 'features_to_pca_image', 'list_images']

# ImageNet statistics used by every Sapiens config (RGB order, 0..255 scale).
_DEFAULT_MEAN = (123.675, 116.28, 103.53)
_DEFAULT_STD = (58.395, 57.12, 57.375)


def list_images(path: str) -> List[str]:
    """``path`` itself if it is a file, else the images under it (recursive, sorted)."""
    if os.path.isfile(path):
        return [path]
    if not os.path.isdir(path):
        raise FileNotFoundError(f'{path}: no such image file or folder')
    found = [os.path.join(path, rel) for rel in fileio.list_images(path)]
    if not found:
        raise FileNotFoundError(f'{path}: folder holds no images ({", ".join(IMAGE_EXTENSIONS)})')
    return found


def features_to_pca_image(feat: np.ndarray) -> np.ndarray:
    """(C, h, w) features -> (h, w, 3) uint8 BGR picture of their first 3 principal components.

    Each component is stretched between its 1st and 99th percentile, so similar features get
    similar colours (body parts, background regions).
    """
    c, h, w = feat.shape
    x = feat.reshape(c, -1).T.astype(np.float64)
    x = x - x.mean(0, keepdims=True)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    proj = x @ vt[:3].T
    if proj.shape[1] < 3:
        proj = np.pad(proj, ((0, 0), (0, 3 - proj.shape[1])))
    lo, hi = np.percentile(proj, 1, axis=0), np.percentile(proj, 99, axis=0)
    proj = np.clip((proj - lo) / np.maximum(hi - lo, 1e-8), 0, 1)
    return (proj.reshape(h, w, 3)[..., ::-1] * 255).astype(np.uint8)


def _config_input_size(cfg: Config, backbone: torch.nn.Module) -> Tuple[int, int]:
    """The (H, W) a config's model takes: its ``image_size``, except in pose configs, whose
    ``image_size`` is mmpose's (w, h) (the codec's ``input_size``): there the backbone's
    ``img_size``, which is (H, W) in every family. No ``image_size``: the backbone's."""
    size = cfg.get('image_size', None)
    if size is None or cfg.model.get('type') == 'TopdownPoseEstimator':
        size = backbone.img_size
    return (size, size) if isinstance(size, int) else tuple(size)


class FeatureExtractor:
    """Build the backbone of a sapiens_mm config, load a checkpoint, and embed images.

    Args:
        config: config file or :class:`Config` (any task or MAE config; ``model.backbone`` is
            used, with ``out_type='featmap'``).
        checkpoint: any layout :func:`load_backbone_weights` reads (training checkpoint,
            ``_clean.pth``, task checkpoint, ``.safetensors``); None keeps random weights.
        image_size: (H, W) input size in pixels; defaults to the config's ``image_size`` (pose
            configs: the backbone's ``img_size``, as their ``image_size`` is (w, h)) or the
            backbone's ``img_size``.
        device: torch device string.

    ``__call__(img_bgr)`` with an (H0, W0, 3) uint8 BGR image returns (C, H/16, W/16) float32.
    """

    def __init__(self, config: Union[str, Config], checkpoint: Optional[str] = None,
                 image_size: Optional[Tuple[int, int]] = None, device: str = 'cpu'):
        from .inferencers.task_model import build_backbone
        self.backbone, cfg = build_backbone(config, checkpoint or None, device)
        if image_size is None:
            image_size = _config_input_size(cfg, self.backbone)
        self.image_size = tuple(image_size)
        pre = cfg.model.get('data_preprocessor', {}) or {}
        self.mean = torch.tensor(pre.get('mean', _DEFAULT_MEAN), device=device).view(3, 1, 1)
        self.std = torch.tensor(pre.get('std', _DEFAULT_STD), device=device).view(3, 1, 1)
        self.device = device

    @torch.no_grad()
    def __call__(self, img_bgr: np.ndarray) -> np.ndarray:
        h, w = self.image_size
        img = cv2.resize(img_bgr, (w, h), interpolation=cv2.INTER_CUBIC)[..., ::-1].copy()
        x = torch.from_numpy(img).to(self.device).permute(2, 0, 1).float()
        x = ((x - self.mean) / self.std)[None]
        if isinstance(self.backbone, SapiensMAEViT):
            out = self.backbone(x, mask=None)
        else:
            out = self.backbone(x)
        return out[-1][0].float().cpu().numpy()

    def run(self, inputs: Union[str, Sequence[str]], out_dir: str,
            save_pca: bool = True) -> Dict[str, list]:
        """Embed every image of ``inputs`` (file, folder or list) into ``out_dir``.

        Writes ``<name>.npy`` (C, h, w) float16 and, with ``save_pca``, ``<name>_pca.png``
        (input and feature PCA side by side); ``<name>`` keeps the sub-path under a folder
        input (the names of :func:`~sapiens_mm.apis.inferencers.inputs.inputs_to_list`).
        Unreadable, truncated or
        oversized images and failed writes are reported and skipped.
        Returns ``dict(done=[...], failed=[(path, reason), ...])``.
        """
        from .inferencers.inputs import inputs_to_list, read_image
        from .inferencers.writing import write_image, write_npy
        # the inferencer's names: sub-paths kept, clashing stems disambiguated
        items = [it for it in inputs_to_list(inputs) if it.path is not None]
        os.makedirs(out_dir, exist_ok=True)
        done, failed = [], []
        bar = ProgressBar(len(items))
        for item in items:
            path = item.path
            try:
                img = read_image(path)  # empty, truncated, oversized: skipped and reported
                feat = self(img)
                base = os.path.join(out_dir, item.name)
                write_npy(base + '.npy', feat.astype(np.float16))
                if save_pca:
                    vis_h = 256
                    vis_w = max(1, round(img.shape[1] * vis_h / img.shape[0]))
                    pca = cv2.resize(features_to_pca_image(feat), (vis_w, vis_h),
                                     interpolation=cv2.INTER_NEAREST)
                    panel = np.concatenate([cv2.resize(img, (vis_w, vis_h)), pca], axis=1)
                    write_image(base + '_pca.png', panel)
            except (ValueError, OSError) as e:
                why = str(e)
                failed.append((path, why[len(path) + 2:] if why.startswith(path) else why))
                bar.update()
                continue
            done.append(path)
            bar.update()
        return dict(done=done, failed=failed)

"""Paste the person onto a random non-human background (the Sapiens dense-task augmentation).

Studio and synthetic people come with few, similar backgrounds; replacing everything that is
not the person by an unrelated scene is what lets their labels carry over to images in the
wild (the release's ``RandomBackground``: probability 0.8 with colour harmonisation in
``seg/configs/sapiens_seg/goliath/*.py``, 0.5 in the ``sapiens_depth`` and ``sapiens_normal``
RenderPeople configs).
"""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from sapiens_mm.registry import TRANSFORMS
from sapiens_mm.utils.fileio import ImageReadError, list_images, read_image_checked, read_path_list
from sapiens_mm.utils.masks import normal_foreground
from .loading import read_foreground

__all__ = ['RandomBackground', 'harmonize_colours', 'list_background_files']

#: What to tell a user whose background folder is missing.
MAKE_BACKGROUNDS_HINT = (
    'make one with `python tools/make_background_set.py coco ANN.json --image-root IMAGES '
    '--out DIR` (COCO images without people) or `python tools/make_background_set.py '
    'synthetic --out DIR --num N` (rendered backgrounds), or use the backgrounds/ folder '
    'that tools/make_synthetic_humans.py writes')

MASK_SOURCES = ('auto', 'mask_file', 'depth', 'normal', 'seg')


def harmonize_colours(img: np.ndarray, mask: np.ndarray, strength: float) -> np.ndarray:
    """Move the colour statistics of the person (``mask``) towards those of the rest.

    Per channel of CIE Lab, the person's pixels are standardised and given a mean
    ``mu_p + strength * (mu_b - mu_p)`` and a spread ``sd_p * (sd_b / sd_p) ** strength``
    (Reinhard-style colour transfer, ``strength`` 0 = unchanged, 1 = the background's
    statistics; the spread ratio is limited to [1/3, 3]). Pixels outside ``mask`` are returned
    unchanged. ``img``: (H, W, 3) BGR, uint8 or float in [0, 255]; same dtype back.
    """
    fg = mask.astype(bool)
    if not fg.any() or fg.all() or strength <= 0:
        return img
    lab = cv2.cvtColor(img.astype(np.float32) / 255.0, cv2.COLOR_BGR2LAB)
    person, rest = lab[fg], lab[~fg]
    mu_p, sd_p = person.mean(0), person.std(0) + 1e-6
    mu_b, sd_b = rest.mean(0), rest.std(0) + 1e-6
    ratio = np.clip(sd_b / sd_p, 1 / 3, 3) ** strength
    lab[fg] = (person - mu_p) * ratio + mu_p + strength * (mu_b - mu_p)
    bgr = cv2.cvtColor(lab, cv2.COLOR_LAB2BGR) * 255.0
    out = img.copy()
    if np.issubdtype(img.dtype, np.integer):
        bgr = np.clip(np.rint(bgr), 0, 255)
    out[fg] = bgr[fg].astype(img.dtype)
    return out


def list_background_files(source: str) -> List[str]:
    """Background image paths from ``source``: a folder (searched recursively; a
    ``backgrounds.txt`` in it is used instead when present) or a list file (one path a line,
    relative paths resolved against the list file's folder)."""
    if osp.isdir(source):
        list_file = osp.join(source, 'backgrounds.txt')
        if osp.isfile(list_file):
            return list_background_files(list_file)
        files = [osp.join(source, p) for p in list_images(source)]
    elif osp.isfile(source):
        base = osp.dirname(osp.abspath(source))
        files = [p if osp.isabs(p) else osp.join(base, p) for p in read_path_list(source)]
    else:
        raise FileNotFoundError(f'background folder or list {source} does not exist; '
                                + MAKE_BACKGROUNDS_HINT)
    if not files:
        raise FileNotFoundError(f'no background image in {source}; ' + MAKE_BACKGROUNDS_HINT)
    return files


@TRANSFORMS.register_module()
class RandomBackground(BaseTransform):
    """With probability ``prob``, replace every pixel that is not the person by a background.

    The background is a random file of ``background_root`` (a folder, searched recursively, or
    a list file; see :func:`list_background_files`), scaled to cover
    the image (times a random factor in ``scale_range``), randomly cropped to the image size
    and mirrored with probability 0.5 (``flip_background``). With probability
    ``harmonize_prob`` the person's colours are then moved towards the new background's
    (:func:`harmonize_colours`).

    **Person mask** (``mask_source``), True = keep the original pixel:

    * ``'auto'`` (default): the first of ``'mask_file'``, ``'depth'``, ``'normal'``, ``'seg'``
      that the sample has;
    * ``'mask_file'``: ``results['mask_path']`` (pixel > ``mask_threshold``), as the depth
      and normal datasets list it (the exact person mask; depth holes stay person);
    * ``'depth'``: ``gt_depth_map > 0``; ``'normal'``: ``|gt_normal_map| > 0.5``
      (:func:`~sapiens_mm.utils.masks.normal_foreground`);
    * ``'seg'``: ``gt_seg_map != background_label``. The segmentation data has no mask file,
      so this is what it uses: ignore pixels (255: the rim, the removed classes such as
      eyeglasses or a chair) keep their original pixels, as nothing says they are background.

    **Labels stay exact**: inside the mask nothing changes (image included, unless
    harmonised); outside it the image is the new background, so the label maps of
    ``label_keys`` (default ``gt_seg_map``) are set to ``background_label`` and every other map
    of ``results['seg_fields']`` (depth, normals) to 0, "no target". With the masks above this
    changes no label value except label-map pixels that the mask file calls background.

    Place it right after the loading transforms (before any resize, crop, rotation or
    ``GenerateHumanDepthTarget``): the mask file has the original image size, and the maps must
    still hold 0 = no target. Changes ``img`` only in value, never in size; adds
    ``background_path`` (None when not applied).

    Args:
        background_root (str): folder or list file of non-human images. Missing or empty:
            ``FileNotFoundError`` naming it and the tools that make one.
        prob (float): probability of replacing the background. Defaults to 0.5.
        mask_source (str): see above. Defaults to ``'auto'``.
        mask_threshold (int): mask-file pixels above it are the person. Defaults to 127.
        scale_range (tuple[float, float]): extra zoom of the covering background.
            Defaults to (1.0, 1.5).
        flip_background (bool): mirror the background at random. Defaults to True.
        harmonize_prob (float): probability of colour harmonisation. Defaults to 0.
        harmonize_strength (float): 0..1, see :func:`harmonize_colours`. Defaults to 0.5.
        background_label (int): the background class of label maps. Defaults to 0.
        label_keys (Sequence[str]): label maps among the seg fields.
            Defaults to ``('gt_seg_map',)``.
        backend_args (dict, optional): file backend for the mask file.
    """

    def __init__(self, background_root: str, prob: float = 0.5, mask_source: str = 'auto',
                 mask_threshold: int = 127, scale_range: Tuple[float, float] = (1.0, 1.5),
                 flip_background: bool = True, harmonize_prob: float = 0.0,
                 harmonize_strength: float = 0.5, background_label: int = 0,
                 label_keys: Sequence[str] = ('gt_seg_map', ),
                 backend_args: Optional[dict] = None):
        if not 0 <= prob <= 1 or not 0 <= harmonize_prob <= 1:
            raise ValueError(f'prob and harmonize_prob must be in [0, 1], got {prob}, '
                             f'{harmonize_prob}')
        if mask_source not in MASK_SOURCES:
            raise ValueError(f'mask_source must be one of {MASK_SOURCES}, got {mask_source!r}')
        if not (0 < scale_range[0] <= scale_range[1]):
            raise ValueError(f'scale_range must be (low, high) with 0 < low <= high, got '
                             f'{scale_range}')
        self.background_root = background_root
        self.files = list_background_files(background_root)
        self.prob, self.mask_source, self.mask_threshold = prob, mask_source, mask_threshold
        self.scale_range = tuple(scale_range)
        self.flip_background = flip_background
        self.harmonize_prob, self.harmonize_strength = harmonize_prob, harmonize_strength
        self.background_label = background_label
        self.label_keys = tuple(label_keys)
        self.backend_args = backend_args

    # -- person mask -------------------------------------------------------------------------
    def _mask_from(self, source: str, results: dict) -> Optional[np.ndarray]:
        if source == 'mask_file':
            if results.get('mask_path') is None:
                return None
            return read_foreground(results, self.mask_threshold, self.backend_args) \
                if 'ori_shape' in results else None
        if source == 'depth' and results.get('gt_depth_map') is not None:
            return results['gt_depth_map'] > 0
        if source == 'normal' and results.get('gt_normal_map') is not None:
            return normal_foreground(results['gt_normal_map'], axis=-1)
        if source == 'seg' and results.get('gt_seg_map') is not None:
            return results['gt_seg_map'] != self.background_label
        return None

    def person_mask(self, results: dict) -> np.ndarray:
        """Boolean (H, W) mask of the pixels to keep (see the class docstring)."""
        sources = MASK_SOURCES[1:] if self.mask_source == 'auto' else (self.mask_source, )
        for source in sources:
            mask = self._mask_from(source, results)
            if mask is not None:
                break
        else:
            raise KeyError(f'{type(self).__name__}: sample {results.get("img_path")} has no '
                           f'person mask (mask_source={self.mask_source!r} needs '
                           f'{" or ".join(sources)}); put it after the annotation loading')
        if mask.shape != results['img'].shape[:2]:
            raise ValueError(f'{type(self).__name__}: the person mask is {mask.shape} but the '
                             f'image {results.get("img_path")} is {results["img"].shape[:2]}; '
                             'put RandomBackground right after the loading transforms')
        return mask

    # -- background --------------------------------------------------------------------------
    def load_background(self, path: str, hw: Tuple[int, int]) -> np.ndarray:
        """Background ``path`` covering (H, W): scaled, cropped and maybe mirrored."""
        try:
            bg = read_image_checked(path)
        except ImageReadError as e:
            raise ValueError(f'{type(self).__name__}: background image {path} is unusable '
                             f'({e})') from None
        h, w = hw
        scale = max(h / bg.shape[0], w / bg.shape[1]) * np.random.uniform(*self.scale_range)
        new_w = max(w, int(np.ceil(bg.shape[1] * scale)))
        new_h = max(h, int(np.ceil(bg.shape[0] * scale)))
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        bg = cv2.resize(bg, (new_w, new_h), interpolation=interp)
        y0 = np.random.randint(0, new_h - h + 1)
        x0 = np.random.randint(0, new_w - w + 1)
        bg = bg[y0:y0 + h, x0:x0 + w]
        if self.flip_background and np.random.rand() < 0.5:
            bg = bg[:, ::-1]
        return bg

    def transform(self, results: dict) -> dict:
        results['background_path'] = None
        if np.random.rand() >= self.prob:
            return results
        img = results['img']
        mask = self.person_mask(results)
        path = self.files[np.random.randint(len(self.files))]
        bg = self.load_background(path, img.shape[:2])
        if img.ndim == 2:
            bg = cv2.cvtColor(np.ascontiguousarray(bg), cv2.COLOR_BGR2GRAY)
        out = img.copy()
        out[~mask] = bg[~mask].astype(img.dtype)
        if img.ndim == 3 and np.random.rand() < self.harmonize_prob:
            out = harmonize_colours(out, mask, self.harmonize_strength)
        results['img'] = out
        results['background_path'] = path
        for key in results.get('seg_fields', []):
            if results.get(key) is None:
                continue
            fill = self.background_label if key in self.label_keys else 0
            field = results[key].copy()
            field[~mask] = fill
            results[key] = field
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(background_root={self.background_root!r}, '
                f'num_backgrounds={len(self.files)}, prob={self.prob}, '
                f'mask_source={self.mask_source!r}, scale_range={self.scale_range}, '
                f'harmonize_prob={self.harmonize_prob}, '
                f'harmonize_strength={self.harmonize_strength})')

"""What the inferencer is given -> a list of named inputs, and their decoding in workers.

:func:`inputs_to_list` accepts one input or a list of them: an image path, a folder (its
images, recursive, sorted), a video file, or a BGR ``np.ndarray`` (H, W, 3) uint8. Each becomes
an :class:`InputItem` with an output **name**: the path relative to the folder given (or, for
loose files, to their common folder) without extension (``sub/x``); ``{index:08d}`` for arrays
(mmpose's naming); the video's stem for a video, whose frames are ``{stem}_{frame:06d}``.
Names are made unique against every output name of the call, a video's frame names and the
per-call files included (:mod:`.output_names`): inputs that would share one (``x.png`` and
``x.jpg``) keep their extension (``x.png``, ``x.jpg``); what still clashes gets the first free
``_2``, ``_3`` ... (logged), so no output overwrites another. Arrays must be uint8 BGR (0-255):
a float array (e.g. in [0, 1]) is refused, not taken as pixel values.

:class:`ImageDataset` and :class:`VideoFrames` read images / frames for a
``torch.utils.data.DataLoader`` and run the dense models' test pipelines there, so decoding
and resizing happen in worker processes while the model runs; a video is read sequentially by
one worker with a bounded prefetch, so memory stays bounded on long videos.
"""
import os
import os.path as osp
from dataclasses import dataclass
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

from sapiens_mm.utils.fileio import IMAGE_EXTENSIONS, ImageReadError, read_image_checked

from .output_names import assign_unique_names

__all__ = ['InputItem', 'inputs_to_list', 'read_image', 'ImageDataset', 'VideoFrames',
           'IMAGE_EXTENSIONS', 'VIDEO_EXTENSIONS', 'MAX_IMAGE_PIXELS', 'is_video',
           'warning_sample', 'truncated_video_message']

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v')
#: Largest decoded image taken (width x height): 100 megapixels, 300 MB as BGR uint8. A few
#: hundred kB of PNG can declare 20000 x 20000 (1.2 GB decoded, more in the test pipeline),
#: which would end the whole run; such an image is refused from its header, skipped and counted.
MAX_IMAGE_PIXELS = 100_000_000


@dataclass
class InputItem:
    """One input: an image file (``path``), an array (``array``) or a video (``video``).
    An :class:`InputItem` given to :func:`inputs_to_list` is taken as it is (its name too).
    ``source``: the file an ``array`` was decoded from elsewhere (a shard of a sharded run),
    which the outputs must not replace either."""
    name: str
    path: Optional[str] = None
    array: Optional[np.ndarray] = None
    video: Optional[str] = None
    source: Optional[str] = None

    @property
    def file(self) -> Optional[str]:
        """The input file (image, video, or the source of an array), None for an array."""
        return self.path or self.video or self.source


def is_video(path: str) -> bool:
    return isinstance(path, str) and path.lower().endswith(VIDEO_EXTENSIONS)


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
    """BGR (H, W, 3) uint8 image at ``path``.

    Raises:
        ValueError: naming ``path``: missing, empty, truncated (JPEG without end marker, PNG
            without IEND) or undecodable, or larger than ``max_pixels`` (default
            :data:`MAX_IMAGE_PIXELS`; checked from the header before decoding).
    """
    max_pixels = MAX_IMAGE_PIXELS if max_pixels is None else max_pixels
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


def _folder_images(folder: str) -> List[str]:
    found = sorted(osp.join(root, f) for root, _, files in os.walk(folder) for f in files
                   if f.lower().endswith(IMAGE_EXTENSIONS + VIDEO_EXTENSIONS))
    if not found:
        raise FileNotFoundError(f'{folder}: folder holds no images '
                                f'({", ".join(IMAGE_EXTENSIONS)}) or videos')
    return found


def _stem(rel: str) -> str:
    return osp.splitext(rel.replace(os.sep, '/'))[0]


def inputs_to_list(inputs) -> List[InputItem]:
    """The :class:`InputItem` of each input (see the module docstring).

    Raises:
        FileNotFoundError: a path that does not exist, or a folder without images.
        TypeError: an input that is neither a path nor an image array, or an array that is
            not (H, W, 3) uint8.
    """
    if isinstance(inputs, (str, os.PathLike, np.ndarray)):
        inputs = [inputs]
    items: List[InputItem] = []
    loose: List[int] = []  # indices of files given one by one (named relative to each other)
    n_arrays = 0
    for x in inputs:
        if isinstance(x, InputItem):  # already named (e.g. one shard of a listing)
            items.append(x)
            continue
        if isinstance(x, np.ndarray):
            if x.ndim != 3 or x.shape[2] != 3:
                raise TypeError(f'input array {n_arrays}: expected a (H, W, 3) BGR image, '
                                f'got shape {x.shape}')
            if x.dtype != np.uint8:
                raise TypeError(f'input array {n_arrays}: dtype {x.dtype}; expected uint8 BGR '
                                'pixel values 0-255 (a float image in [0, 1] would be read as '
                                'nearly black): pass (img * 255).round().astype(np.uint8)')
            items.append(InputItem(name=f'{n_arrays:08d}', array=x))
            n_arrays += 1
            continue
        if not isinstance(x, (str, os.PathLike)):
            raise TypeError(f'input {x!r}: expected a path or a (H, W, 3) array')
        x = os.fspath(x)
        if osp.isdir(x):
            for p in _folder_images(x):
                rel = _stem(osp.relpath(p, x))
                items.append(InputItem(name=rel, video=p) if is_video(p)
                             else InputItem(name=rel, path=p))
        elif osp.isfile(x):
            loose.append(len(items))
            items.append(InputItem(name='', video=x) if is_video(x) else InputItem(name='', path=x))
        else:
            raise FileNotFoundError(f'{x}: no such image, video or folder')
    if loose:
        files = [items[i].path or items[i].video for i in loose]
        base = osp.commonpath([osp.dirname(osp.abspath(f)) for f in files])
        for i, f in zip(loose, files):
            items[i].name = _stem(osp.relpath(osp.abspath(f), base))
    _unique_names(items)
    return items


def _unique_names(items: List[InputItem]) -> int:
    """Make names unique in place (:func:`~.output_names.assign_unique_names`)."""
    return assign_unique_names(items)


def _sample(name: str, img: Optional[np.ndarray], error: Optional[str],
            transforms: Sequence[Callable]) -> dict:
    packed = [t(dict(img=img)) for t in transforms] if img is not None else []
    return dict(name=name, img=img, error=error, packed=packed, warning=None)


def warning_sample(name: str, warning: str) -> dict:
    """Not an image: a warning about input ``name`` (e.g. a truncated video), reported and
    counted in the call's summary."""
    return dict(name=name, img=None, error=None, packed=[], warning=warning)


class ImageDataset(torch.utils.data.Dataset):
    """Map-style dataset over image :class:`InputItem` s: ``dict(name, img, error, packed)``
    where ``packed[i]`` is ``transforms[i](dict(img=img))`` (a dense test pipeline) and
    ``error`` says why ``img`` is None (unreadable file)."""

    def __init__(self, items: Sequence[InputItem], transforms: Sequence[Callable] = ()):
        self.items, self.transforms = list(items), list(transforms)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict:
        it = self.items[i]
        img, error = it.array, None
        if img is None:
            try:
                img = read_image(it.path)
            except ValueError as e:
                error = str(e)
        return _sample(it.name, img, error, self.transforms)


class VideoFrames(torch.utils.data.IterableDataset):
    """The frames of one video in order, as :class:`ImageDataset` samples named
    ``{name}_{frame:06d}``; a video that cannot be opened or holds no frame gives one sample
    with ``error`` set. A video that decodes fewer frames than its header declares (a
    truncated file) gives its frames, then a :func:`warning_sample` saying so."""

    def __init__(self, item: InputItem, transforms: Sequence[Callable] = ()):
        self.item, self.transforms = item, list(transforms)

    def __iter__(self) -> Iterator[dict]:
        cap = cv2.VideoCapture(self.item.video)
        if not cap.isOpened():  # one failed sample, counted like an unreadable image
            yield _sample(self.item.name, None, f'{self.item.video}: cannot be opened as a '
                          'video', self.transforms)
            return
        declared = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        i = 0
        try:
            while True:
                ok, frame = cap.read()
                if not ok:
                    break
                yield _sample(f'{self.item.name}_{i:06d}', frame, None, self.transforms)
                i += 1
        finally:
            cap.release()
        if i == 0:
            yield _sample(self.item.name, None, f'{self.item.video}: video holds no readable '
                          'frame', self.transforms)
        elif 0 < i < declared:
            yield warning_sample(self.item.name, truncated_video_message(
                self.item.video, i, declared))


def truncated_video_message(path: str, decoded: int, declared: int) -> str:
    return (f'{path}: decoded {decoded} frames of the {declared} its header declares '
            '(truncated or damaged video); the frames decoded were processed')


def video_fps(path: str, default: float = 25.0) -> float:
    cap = cv2.VideoCapture(path)
    fps = cap.get(cv2.CAP_PROP_FPS) or default
    cap.release()
    return float(fps)


def count_frames(path: str) -> int:
    cap = cv2.VideoCapture(path)
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    return max(n, 0)


def collate_list(batch: List[dict]) -> List[dict]:
    """DataLoader collate: keep the samples as a list."""
    return batch

"""File helpers shared by the whole package: image listing, checked image reading, atomic writes.

:data:`IMAGE_EXTENSIONS` is the one list of suffixes taken as images when a folder is walked
(the inferencer, feature extraction, data curation and the background sets all use it).
:func:`read_image_checked` raises :class:`ImageReadError` (with a short reason) for a missing
or empty file, a JPEG without its end-of-image marker or a PNG without its ``IEND`` chunk
(a truncated download or copy: OpenCV would decode the part that is there and pad the rest with
grey), and bytes OpenCV cannot decode; callers decide whether that skips the image (curation,
``RandomBackground``) or is an error naming the file (inference).
:func:`atomic_write_text` and :func:`atomic_save` write through a temporary file beside the
target and ``os.replace``, so that a reader sees the old file or the whole new one (checkpoint
bookkeeping, curation reports, background lists).

Two rules every writer of the package follows, each one function:

* :func:`path_inside_root` -- a path taken from a data file (an annotation's ``file_name``, a
  list entry) resolves inside its root, or :class:`UnsafePathError` names the file and entry;
* :func:`check_not_input` -- an output path never replaces an input file:
  :class:`OutputOverwritesInputError` names both.
"""
import os
import os.path as osp
import tempfile
from typing import Iterable, List, Optional

import cv2
import numpy as np

__all__ = ['IMAGE_EXTENSIONS', 'ImageReadError', 'read_image_checked', 'list_images',
           'read_path_list', 'atomic_write_text', 'atomic_save', 'UnsafePathError',
           'path_inside_root', 'OutputOverwritesInputError', 'check_not_input',
           'InputKeys', 'input_keys']

#: Suffixes (lower case) of the files taken as images when a folder is walked.
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')


class ImageReadError(Exception):
    """An image file that cannot be used; ``str(err)`` is the reason."""


def read_image_checked(path: str) -> np.ndarray:
    """BGR uint8 (H, W, 3) image at ``path``; :class:`ImageReadError` if unusable."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except FileNotFoundError:
        raise ImageReadError('missing file') from None
    except OSError as e:
        raise ImageReadError(f'cannot read ({e.strerror or e})') from None
    if not data:
        raise ImageReadError('empty file')
    if data[:3] == b'\xff\xd8\xff' and b'\xff\xd9' not in data[-1024:]:
        raise ImageReadError('truncated JPEG (no end-of-image marker)')
    if data[:8] == b'\x89PNG\r\n\x1a\n' and b'IEND' not in data[-64:]:
        raise ImageReadError('truncated PNG (no IEND chunk)')
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise ImageReadError('not a decodable image')
    return img


def list_images(root: str, suffixes: Iterable[str] = IMAGE_EXTENSIONS) -> List[str]:
    """Image files under ``root`` (recursive), as sorted '/'-separated paths relative to it."""
    if not osp.isdir(root):
        raise FileNotFoundError(f'image folder {root} does not exist')
    suffixes = tuple(s.lower() for s in suffixes)
    out = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames.sort()
        rel = osp.relpath(dirpath, root)
        for name in filenames:
            if name.lower().endswith(suffixes):
                out.append(name if rel == '.' else osp.join(rel, name).replace(os.sep, '/'))
    return sorted(out)


def read_path_list(list_file: str) -> List[str]:
    """Non-empty, non-comment (#) lines of a text file, stripped; duplicates are an error."""
    if not osp.isfile(list_file):
        raise FileNotFoundError(f'list file {list_file} does not exist')
    with open(list_file) as f:
        paths = [line.strip() for line in f]
    paths = [p for p in paths if p and not p.startswith('#')]
    seen, dups = set(), []
    for p in paths:
        if p in seen:
            dups.append(p)
        seen.add(p)
    if dups:
        raise ValueError(f'list file {list_file} names {len(dups)} path(s) twice, e.g. '
                         f'{dups[:3]}')
    return paths


def _tmp_beside(path: str, suffix: str = ''):
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.' + osp.basename(path) + '.', suffix=suffix + '.tmp',
                               dir=folder)
    return fd, tmp


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one."""
    fd, tmp = _tmp_beside(path)
    try:
        with os.fdopen(fd, 'w') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def atomic_save(path: str, save_fn, suffix: Optional[str] = None) -> None:
    """Atomically create ``path`` with ``save_fn(tmp_path)`` (e.g. a figure's ``savefig``).

    The temporary file keeps ``path``'s extension (or ``suffix``) so that writers that choose
    the format by extension work.
    """
    fd, tmp = _tmp_beside(path, suffix if suffix is not None else osp.splitext(path)[1])
    os.close(fd)
    tmp_ext = tmp[:-len('.tmp')]  # name ending in the real extension
    try:
        save_fn(tmp_ext)
        os.replace(tmp_ext, path)
    finally:
        for p in (tmp, tmp_ext):
            if osp.exists(p):
                os.remove(p)


class UnsafePathError(ValueError):
    """A path from a data file that leaves its root (``..``, an absolute path, a symlink out)."""


def path_inside_root(root: str, rel: str, source: str = '') -> str:
    """Absolute path of ``rel`` under ``root``; :class:`UnsafePathError` if it leaves ``root``.

    ``rel`` comes from a data file (``source`` names it for the message): an annotation's
    ``file_name``, a list entry. Absolute paths, ``..`` components that climb out, and symbolic
    links under ``root`` that point outside it are all refused, so that neither a read nor a
    write can reach a file the caller did not give as the root.
    """
    where = f' in {source}' if source else ''
    if not isinstance(rel, str) or not rel:
        raise UnsafePathError(f'empty or non-string path {rel!r}{where}')
    if osp.isabs(rel) or rel.startswith(('/', '\\')) or (len(rel) > 1 and rel[1] == ':'):
        raise UnsafePathError(f'absolute path {rel!r}{where} is not allowed; paths in a data '
                              f'file are relative to {root}')
    root_real = osp.realpath(root)
    full = osp.realpath(osp.join(root_real, rel))
    if full != root_real and not full.startswith(root_real.rstrip(os.sep) + os.sep):
        raise UnsafePathError(f'path {rel!r}{where} resolves to {full}, outside its root '
                              f'{root_real}')
    return full


class OutputOverwritesInputError(FileExistsError):
    """An output file would replace one of the inputs."""


def _file_key(path: str):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def check_not_input(out_path: str, inputs) -> None:
    """Raise :class:`OutputOverwritesInputError` if ``out_path`` is (or links to) an input.

    ``inputs`` is an iterable of input file paths, or a set built by :func:`input_keys` (faster
    when many outputs are checked against the same inputs). Both the resolved path and the
    file identity (device, inode) are compared, so hard links and symlinks are caught too.
    """
    keys = inputs if isinstance(inputs, InputKeys) else input_keys(inputs)
    real = osp.realpath(out_path)
    hit = real in keys.paths
    if not hit:
        fk = _file_key(real)
        hit = fk is not None and fk in keys.ids
    if hit:
        raise OutputOverwritesInputError(
            f'output {out_path} would replace the input file {real}; choose an output folder '
            f'that does not hold the inputs, or other output names')


class InputKeys:
    """Resolved paths and (device, inode) pairs of input files, for :func:`check_not_input`."""

    def __init__(self, paths: Iterable[str]):
        self.paths = set()
        self.ids = set()
        for p in paths:
            real = osp.realpath(p)
            self.paths.add(real)
            fk = _file_key(real)
            if fk is not None:
                self.ids.add(fk)


def input_keys(paths: Iterable[str]) -> InputKeys:
    """:class:`InputKeys` of ``paths`` (build once, check many outputs)."""
    return InputKeys(paths)

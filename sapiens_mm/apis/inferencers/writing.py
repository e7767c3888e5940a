"""Checked writes: every file the inferencer writes is read back (header or size) before it
counts as written; a failure raises ``OSError`` naming the file. With ``guard`` (an
:class:`~.output_files.OutputGuard`) a file that would replace an input is refused first
(:class:`~sapiens_mm.utils.fileio.OutputOverwritesInputError`). Files are written to a fresh
temporary name beside the target (never an existing file) and moved into place."""
import contextlib
import json
import os
import os.path as osp
import tempfile

import cv2
import numpy as np

__all__ = ['write_image', 'write_npy', 'write_json', 'VideoOut']


_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def _temp(path: str, guard=None):
    """A fresh temporary file beside ``path`` (same extension), removed if the write fails."""
    if guard is not None:
        guard.check(path)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.' + osp.basename(path) + '.', suffix='.tmp'
                               + osp.splitext(path)[1], dir=folder)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp's 0600 -> what a plain open() would give
    try:
        yield tmp
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def write_image(path: str, img: np.ndarray, guard=None) -> str:
    """cv2-encode ``img`` to ``path`` (format from the extension); checks the decoded shape."""
    with _temp(path, guard) as tmp:
        if not cv2.imwrite(tmp, img):
            raise OSError(f'{path}: could not be written (cv2.imwrite failed)')
        back = cv2.imread(tmp, cv2.IMREAD_UNCHANGED)
        if back is None or back.shape[:2] != img.shape[:2]:
            raise OSError(f'{path}: written file does not read back as a '
                          f'{img.shape[1]}x{img.shape[0]} image')
        os.replace(tmp, path)
    return path


def write_npy(path: str, arr: np.ndarray, guard=None) -> str:
    """``np.save`` then check the file's header (shape, dtype)."""
    with _temp(path, guard) as tmp:
        with open(tmp, 'wb') as f:
            np.save(f, arr)
        back = np.load(tmp, mmap_mode='r')
        if back.shape != arr.shape or back.dtype != arr.dtype:
            raise OSError(f'{path}: written array reads back as {back.shape} {back.dtype}')
        del back
        os.replace(tmp, path)
    return path


def write_json(path: str, obj, guard=None) -> str:
    """JSON-dump ``obj``; checks the file parses back."""
    with _temp(path, guard) as tmp:
        with open(tmp, 'w') as f:
            json.dump(obj, f)
        with open(tmp) as f:
            json.load(f)
        os.replace(tmp, path)
    return path


class VideoOut:
    """An mp4 of BGR frames, opened at the first frame's size; checks the frame count on
    :meth:`close`."""

    def __init__(self, path: str, fps: float, guard=None):
        self.path, self.fps, self.writer, self.n = path, fps, None, 0
        if guard is not None:
            guard.check(path)

    def write(self, frame: np.ndarray) -> None:
        if self.writer is None:
            os.makedirs(osp.dirname(osp.abspath(self.path)), exist_ok=True)
            self.size = (frame.shape[1], frame.shape[0])
            self.writer = cv2.VideoWriter(self.path, cv2.VideoWriter_fourcc(*'mp4v'),
                                          self.fps, self.size)
            if not self.writer.isOpened():
                raise OSError(f'{self.path}: cannot open a video writer (mp4v)')
        if (frame.shape[1], frame.shape[0]) != self.size:
            frame = cv2.resize(frame, self.size)
        self.writer.write(frame)
        self.n += 1

    def close(self) -> None:
        if self.writer is None:
            return
        self.writer.release()
        self.writer = None
        cap = cv2.VideoCapture(self.path)
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        cap.release()
        if n != self.n:
            raise OSError(f'{self.path}: holds {n} frames, {self.n} were written')

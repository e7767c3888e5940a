"""Live inputs: a camera index (``0``, ``1`` ...) or a stream URL (``rtsp://``, ``rtmp://``,
``http(s)://``, ``udp://``) read through OpenCV, frame by frame, for ``SapiensInferencer``.

:func:`stream_item` checks the source at once (it is opened and one frame read, within
``open_timeout_s``); a camera that does not exist or a URL that does not answer raises
:class:`StreamError` (an ``OSError``) naming it, before any model runs. The frames then come
from :class:`StreamFrames` (named ``{name}_{frame:06d}`` like a video's), which stops at
``max_frames``, when the stream ends or is cut (the frames read so far are kept and their
outputs written), or on Ctrl-C inside :func:`stop_on_interrupt` (the run finishes the frames
already read and writes its outputs; a second Ctrl-C interrupts at once).
"""
import contextlib
import os.path as osp
import signal
import threading
from typing import Iterator, Optional, Sequence, Union

import cv2

from sapiens_mm.apis.inferencers.inputs import InputItem, VideoFrames, _sample

__all__ = ['StreamError', 'StreamItem', 'StreamFrames', 'is_stream_source', 'stream_item',
           'stop_on_interrupt', 'STOP']

STREAM_SCHEMES = ('rtsp://', 'rtsps://', 'rtmp://', 'http://', 'https://', 'udp://', 'tcp://')

#: set by Ctrl-C inside :func:`stop_on_interrupt`: streams stop after the frame being read.
STOP = threading.Event()


class StreamError(OSError):
    """A camera or stream that cannot be opened or read; the message names it."""


def is_stream_source(source) -> bool:
    """A camera index (an int, or a string of digits that is not a file) or a stream URL."""
    if isinstance(source, int) and not isinstance(source, bool):
        return True
    if not isinstance(source, str):
        return False
    if source.isdigit():
        return not osp.exists(source)
    return source.lower().startswith(STREAM_SCHEMES)


def _describe(source) -> str:
    return f'camera {source}' if str(source).isdigit() else str(source)


def open_capture(source, open_timeout_s: float = 10.0) -> cv2.VideoCapture:
    """An opened ``cv2.VideoCapture`` of ``source`` that has delivered a first frame
    (re-read by the caller: the capture is re-opened); raises :class:`StreamError`."""
    what = _describe(source)
    target = int(source) if str(source).isdigit() else source
    params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, int(open_timeout_s * 1000),
              cv2.CAP_PROP_READ_TIMEOUT_MSEC, int(open_timeout_s * 1000)]
    try:
        cap = cv2.VideoCapture(target, cv2.CAP_ANY, params)
    except cv2.error:  # an OpenCV without the open-parameters overload
        cap = cv2.VideoCapture(target)
    if not cap.isOpened():
        cap.release()
        if isinstance(target, int):
            raise StreamError(f'{what}: cannot be opened (no such camera, no permission, or '
                              'in use by another program)')
        raise StreamError(f'{what}: cannot be opened as a stream (no answer within '
                          f'{open_timeout_s:g} s, wrong address, or a format OpenCV cannot '
                          'read)')
    return cap


class StreamItem(InputItem):
    """An :class:`InputItem` of a live source (``video`` = the source as given);
    ``frames_class`` is what the inferencer reads its frames with."""

    def __init__(self, name: str, source, max_frames: Optional[int] = None,
                 open_timeout_s: float = 10.0, fps: Optional[float] = None):
        super().__init__(name=name, video=str(source))
        self.source, self.max_frames, self.open_timeout_s = source, max_frames, open_timeout_s
        self.fps = fps

    @property
    def frames_class(self):
        return StreamFrames


def stream_item(source: Union[int, str], max_frames: Optional[int] = None,
                open_timeout_s: float = 10.0, name: Optional[str] = None) -> StreamItem:
    """A checked :class:`StreamItem`: the source is opened and a first frame read now
    (:class:`StreamError` if not). ``name``: default ``camera{N}`` or ``stream``."""
    cap = open_capture(source, open_timeout_s)
    try:
        ok, _ = cap.read()
        fps = cap.get(cv2.CAP_PROP_FPS) or None
    finally:
        cap.release()
    if not ok:
        raise StreamError(f'{_describe(source)}: opened, but no frame could be read '
                          f'within {open_timeout_s:g} s')
    if name is None:
        name = f'camera{int(source)}' if str(source).isdigit() else 'stream'
    return StreamItem(name, source, max_frames, open_timeout_s,
                      fps if fps and 0 < fps < 1000 else None)


class StreamFrames(VideoFrames):
    """The frames of a :class:`StreamItem` (see the module docstring)."""

    def __init__(self, item: StreamItem, transforms: Sequence = ()):
        super().__init__(item, transforms)

    def __iter__(self) -> Iterator[dict]:
        item = self.item
        try:
            cap = open_capture(item.source, item.open_timeout_s)
        except StreamError as e:  # it answered at start: one failed sample, reported
            yield _sample(item.name, None, str(e), self.transforms)
            return
        i = 0
        try:
            while not STOP.is_set() and (item.max_frames is None or i < item.max_frames):
                ok, frame = cap.read()
                if not ok:  # the stream ended or was cut: keep what was read
                    break
                yield _sample(f'{item.name}_{i:06d}', frame, None, self.transforms)
                i += 1
        finally:
            cap.release()
        if i == 0 and not STOP.is_set():
            yield _sample(item.name, None, f'{_describe(item.source)}: no frame could be read',
                          self.transforms)


@contextlib.contextmanager
def stop_on_interrupt():
    """Within it, the first Ctrl-C sets :data:`STOP` (streams end after the current frame, the
    outputs are written); a second raises ``KeyboardInterrupt``. Main thread only."""
    STOP.clear()
    if threading.current_thread() is not threading.main_thread():
        yield STOP
        return

    def handler(signum, frame):
        if STOP.is_set():
            raise KeyboardInterrupt
        STOP.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield STOP
    finally:
        signal.signal(signal.SIGINT, previous)

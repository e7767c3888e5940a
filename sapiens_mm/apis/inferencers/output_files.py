"""The files one inferencer call writes, and the rule that none of them replaces an input.

Per image (output stem ``N``, :mod:`.output_names`): under ``pred_out_dir`` ``N_seg.png``,
``N_depth.npy``, ``N_normal.npy`` (raw maps, the dense tasks run), ``N_pointmap.npy`` +
``N_depth.npy`` + ``N.ply`` (pointmaps, :mod:`.pointmap_task`) and ``N.json`` (pose);
under ``vis_out_dir`` ``N_{picture}.jpg`` for each picture of the tasks run (a task's name;
pointmaps: ``pointmap`` and ``pointmap_normal``) and ``N_panel.jpg``; per video ``v``
with ``video_out`` ``v_panel.mp4``; per call ``keypoints.json`` + ``image_ids.json`` (pose).

:class:`OutputGuard` holds the input files of a call (images, videos, and the files arrays of
a shard were read from) as :func:`sapiens_mm.utils.fileio.input_keys`; :meth:`~OutputGuard.
preflight` checks every planned file (a video's frames as many as its header declares) with
:func:`~sapiens_mm.utils.fileio.check_not_input` before anything is written, and
:meth:`~OutputGuard.check` checks each file again when it is written (a video with more frames
than declared). Both raise :class:`~sapiens_mm.utils.fileio.OutputOverwritesInputError`
naming the output and the input.
"""
import os.path as osp
from typing import Dict, Iterable, Iterator, List, Optional, Sequence

from sapiens_mm.utils.fileio import check_not_input, input_keys

from .output_names import frame_name
from .pointmap_task import POINTMAP_FILES, POINTMAP_PICTURES

__all__ = ['image_files', 'call_files', 'picture_names', 'OutputGuard']

#: per task, the suffixes of its raw files
RAW = dict(seg=('_seg.png', ), depth=('_depth.npy', ), normal=('_normal.npy', ),
           pointmap=POINTMAP_FILES)
#: per task, its pictures (default: one, named as the task)
PICTURES = dict(pointmap=POINTMAP_PICTURES)


def picture_names(tasks: Sequence[str]) -> List[str]:
    """The pictures of ``tasks`` (``N_{name}.jpg``), in the tasks' order, without the panel."""
    return [p for t in tasks for p in PICTURES.get(t, (t, ))]


def image_files(stem: str, tasks: Sequence[str], pred_out_dir: str = '',
                vis_out_dir: str = '', raw: bool = True) -> List[str]:
    """Paths of the files written for the image with output stem ``stem``."""
    out = []
    if pred_out_dir:
        base = osp.join(pred_out_dir, stem)
        out += [base + suffix for t in tasks if raw and t in RAW for suffix in RAW[t]]
        if 'pose' in tasks:
            out.append(base + '.json')
    if vis_out_dir:
        base = osp.join(vis_out_dir, stem)
        out += [f'{base}_{p}.jpg' for p in picture_names(tasks) + ['panel']]
    return out


def call_files(pred_out_dir: str, pose: bool) -> List[str]:
    """The files gathering a whole call's results (see :mod:`.results_files`)."""
    if not pred_out_dir or not pose:
        return []
    return [osp.join(pred_out_dir, 'keypoints.json'), osp.join(pred_out_dir, 'image_ids.json')]


class OutputGuard:
    """Outputs never replace inputs: the input files of one call, checked against each output.

    Args:
        items: the call's :class:`~.inputs.InputItem` s (their ``file``).
        extra: more input files (e.g. the whole listing of a sharded run).
    """

    def __init__(self, items: Iterable = (), extra: Iterable[str] = ()):
        files = [it.file for it in items if it.file] + list(extra)
        self.keys = input_keys(files)

    def check(self, path: str) -> None:
        """:class:`~sapiens_mm.utils.fileio.OutputOverwritesInputError` if ``path`` is an
        input."""
        check_not_input(path, self.keys)

    def preflight(self, items: Sequence, tasks: Sequence[str], pred_out_dir: str = '',
                  vis_out_dir: str = '', raw: bool = True, video_out: bool = False,
                  frame_counts: Optional[Dict[str, int]] = None,
                  per_call: bool = True) -> int:
        """Check every file the call will write; returns how many were checked.
        ``frame_counts``: declared frames per video name (default: read from the headers)."""
        n = 0
        for path in self.planned(items, tasks, pred_out_dir, vis_out_dir, raw, video_out,
                                 frame_counts, per_call):
            self.check(path)
            n += 1
        return n

    @staticmethod
    def planned(items: Sequence, tasks: Sequence[str], pred_out_dir: str = '',
                vis_out_dir: str = '', raw: bool = True, video_out: bool = False,
                frame_counts: Optional[Dict[str, int]] = None,
                per_call: bool = True) -> Iterator[str]:
        if not pred_out_dir and not vis_out_dir:
            return
        from .inputs import count_frames
        for it in items:
            if it.video is None:
                yield from image_files(it.name, tasks, pred_out_dir, vis_out_dir, raw)
                continue
            n = (frame_counts or {}).get(it.name)
            n = count_frames(it.video) if n is None else n
            for i in range(n):
                yield from image_files(frame_name(it.name, i), tasks, pred_out_dir,
                                       vis_out_dir, raw)
            if video_out and vis_out_dir:
                yield osp.join(vis_out_dir, f'{it.name}_panel.mp4')
        if per_call:
            yield from call_files(pred_out_dir, 'pose' in tasks)

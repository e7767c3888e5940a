"""Output names of the inferencer's inputs, unique against every output name of the call.

An input's output **stem** (``sub/x``) names its files (``sub/x_seg.png``, ``sub/x.json``,
see :mod:`.output_files`); a video ``v`` names its frames ``v_000000``, ``v_000001`` ... (six
digits or more). Two inputs must never write the same file, so the stems are assigned in two
passes over the whole listing:

1. inputs that would share a stem and differ by extension (``x.png``, ``x.jpg``; ``clip.mp4``
   beside ``clip.png``) keep their extension in it (``x.png``, ``x.jpg``);
2. the set of every stem wanted (images' stems, videos' stems and their frame-name families,
   and the per-call files' stems ``keypoints`` and ``image_ids``) is built first; then, in
   input order, an input keeps its stem unless it clashes with one already given, and an input
   that must change gets the first ``{stem}_2``, ``{stem}_3`` ... that clashes with no wanted
   and no given stem.

A clash: equal stems; an image stem ``v_NNNNNN`` (6+ digits) against a video ``v`` (the
video's frame would have it: a video ``clip.mp4`` beside an image ``clip_000000.png``); an
image stem equal to a per-call file's stem (``keypoints.png`` -> ``keypoints.json``).
So folders ``a/{x}`` and ``b/{x, x_2}`` given together give ``x``, ``x_3``, ``x_2``: the
renamed ``x`` does not take the real ``x_2``'s name.
"""
import os.path as osp
import re
from typing import Dict, List, Optional, Set

__all__ = ['assign_unique_names', 'frame_name', 'RESERVED_STEMS', 'FRAME_NAME']

#: stems of the files written once per call under the output folder (``keypoints.json``,
#: ``image_ids.json``): no input's per-image files may take them.
RESERVED_STEMS = frozenset({'keypoints', 'image_ids'})

#: a frame's output stem: the video's stem, '_', six digits or more
FRAME_NAME = re.compile(r'(.*)_(\d{6,})')


def frame_name(video_stem: str, index: int) -> str:
    """The output stem of frame ``index`` of the video with stem ``video_stem``."""
    return f'{video_stem}_{index:06d}'


def _video_of_frame(stem: str) -> Optional[str]:
    """The video stem whose frame ``stem`` would be, or None."""
    m = FRAME_NAME.fullmatch(stem)
    return m.group(1) if m else None


class _Stems:
    """Stems taken: image-like stems, and video stems (each standing for its frames)."""

    def __init__(self):
        self.images: Set[str] = set()
        self.videos: Set[str] = set()
        self.frame_owners: Set[str] = set()  # v such that an image stem v_NNNNNN is taken

    def add(self, stem: str, video: bool) -> None:
        if video:
            self.videos.add(stem)
        else:
            self.images.add(stem)
            owner = _video_of_frame(stem)
            if owner is not None:
                self.frame_owners.add(owner)

    def clashes(self, stem: str, video: bool) -> bool:
        if stem in self.images or stem in self.videos:
            return True
        if video:
            return stem in self.frame_owners
        return stem in RESERVED_STEMS or _video_of_frame(stem) in self.videos


def assign_unique_names(items: List, logger=None) -> int:
    """Make the ``name`` of every item (:class:`~.inputs.InputItem`) unique against every
    output name (see the module docstring), in place; returns how many names changed (also
    logged as a warning naming a few)."""
    changed: List[str] = []
    exts: Dict[str, set] = {}
    for it in items:
        src = it.path or it.video
        exts.setdefault(it.name, set()).add(osp.splitext(src)[1].lower() if src else None)
    for it in items:
        src = it.path or it.video
        if src is not None and len(exts[it.name]) > 1:  # x.png + x.jpg: keep the extension
            old = it.name
            it.name = it.name + osp.splitext(src)[1].lower()
            changed.append(f'{src}: {old} -> {it.name}')
    wanted, given = _Stems(), _Stems()
    for it in items:
        wanted.add(it.name, it.video is not None)
    for it in items:
        video = it.video is not None
        if given.clashes(it.name, video) or (not video and it.name in RESERVED_STEMS):
            base, k = it.name, 2
            while True:
                cand = f'{base}_{k}'
                if not wanted.clashes(cand, video) and not given.clashes(cand, video):
                    break
                k += 1
            changed.append(f'{it.path or it.video or "array"}: {base} -> {cand}')
            it.name = cand
        given.add(it.name, video)
    if changed:
        if logger is None:
            from mmengine.logging import MMLogger
            logger = MMLogger.get_current_instance()
        logger.warning(f'{len(changed)} inputs would share output names (with each other, a '
                       f'video\'s frames or keypoints/image_ids.json); renamed: '
                       + '; '.join(changed[:5]) + (' ...' if len(changed) > 5 else ''))
    return len(changed)

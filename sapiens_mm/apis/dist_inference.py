"""Inference sharded across processes: ``tools/dist_infer.sh INPUT N --out DIR ...``.

torchrun starts N copies of ``tools/infer.py --launcher pytorch``; each builds the same
:class:`~sapiens_mm.apis.inference.SapiensInferencer` on its own device (``cuda:LOCAL_RANK``
with ``--device cuda``, else the device given) and runs it on its share of the inputs: input
``i`` (the i-th image of the sorted folder listing, or the i-th video frame) belongs to rank
``i % N``. Every rank writes the per-image files of its images (the same names as
``SapiensInferencer.run``) and a part file ``shards/rank{R}-of-{N}.json`` (its images' indices,
names, COCO keypoints, unreadable inputs). After a barrier rank 0 checks that the parts cover
every input exactly once and merges them, in input order, into ``keypoints.json`` and
``image_ids.json``: image ids count the readable inputs from 1 in input order, as a
single-process run numbers them, so the merged files equal that run's (and, like that run's,
are merged with the results an earlier run left in ``DIR``). The part files stay
(``shards/``), for the record. Before any rank writes, each checks every planned output against
the inputs (outputs never replace inputs) and the ``--bboxes`` keys against the listing.

The processes only exchange the barrier and the merged summary, over gloo (a CPU process
group, whatever device the models run on). The group is created after a rank's share is done:
mmengine's ``Visualizer`` draws only in the process it takes for the main one (its drawing
methods are ``@master_only``, rank 0 of an initialised group), so with the group up from the
start every rank but 0 would write no pictures. ``--video-out`` is refused: the panel video needs
the frames of all ranks in order (run ``tools/infer.py`` for it).
"""
import datetime
import json
import logging
import os
import os.path as osp
from typing import Dict, Iterator, Optional, Tuple

import cv2
import numpy as np
import torch.distributed as torch_dist
from mmengine.logging import print_log

from .inferencers.boxes import PersonBoxes
from .inferencers.inputs import (VIDEO_EXTENSIONS, InputItem, count_frames, inputs_to_list,
                                 is_video, read_image, truncated_video_message)
from .inferencers.output_files import OutputGuard
from .inferencers.output_names import frame_name
from .inferencers.results_files import merge_results, read_results

__all__ = ['init_sharded_inference', 'InputShard', 'run_sharded', 'merge_shards']

SHARD_DIR = 'shards'


def init_sharded_inference(device: str) -> str:
    """Check torchrun's variables; the device of this rank.

    ``'cuda'`` without an index becomes ``cuda:LOCAL_RANK`` (one GPU per process); other
    devices are returned unchanged. The process group is created later, by
    :func:`run_sharded` once this rank's share is written.
    """
    missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
               if k not in os.environ]
    if missing:
        raise RuntimeError(f'--launcher pytorch expects the variables torchrun sets, but '
                           f'{", ".join(missing)} are not set; start with tools/dist_infer.sh')
    world = os.environ['WORLD_SIZE']
    if not world.isdigit() or int(world) < 1:
        raise ValueError(f'WORLD_SIZE={world!r}: the number of processes must be a positive '
                         'integer (tools/dist_infer.sh INPUT N: N >= 1)')
    if device == 'cuda':
        device = f'cuda:{int(os.environ.get("LOCAL_RANK", 0))}'
    return device


def _is_video(source: str) -> bool:
    return osp.isfile(source) and source.lower().endswith(VIDEO_EXTENSIONS)


class InputShard:
    """The inputs of ``rank`` out of ``world_size``: iterating gives ``(index, name, BGR image
    or None if unreadable)`` for the inputs with ``index % world_size == rank``: file paths of
    a folder's images (sorted), or ``frame_NNNNNN``
    for a video, whose other frames are skipped with ``grab``, not decoded into images).
    After the iteration ``total`` is the number of inputs of all ranks (files listed, or
    frames the video held) and ``reasons`` says why each unusable input of this rank was
    (missing, empty, truncated, over the pixel limit: the checks of ``tools/infer.py``);
    ``warnings`` holds a truncated video's (fewer frames decoded than its header declares).
    The listing is the inferencer's (:func:`~sapiens_mm.apis.inferencers.inputs.inputs_to_list`,
    a folder's videos left out); :meth:`output_name` gives an input's single-process name.
    """

    def __init__(self, source: str, rank: int, world_size: int):
        if not 0 <= rank < world_size:
            raise ValueError(f'rank {rank} outside 0..{world_size - 1}')
        if not osp.exists(source):
            raise FileNotFoundError(f'{source}: no such image, folder or video')
        self.source, self.rank, self.world_size = source, rank, world_size
        self.total: Optional[int] = None
        self.reasons: Dict[str, str] = {}
        self.warnings: list = []
        listing = inputs_to_list(source)
        self._names = {it.path or it.video: it.name for it in listing}
        self._video_name = listing[0].name if _is_video(source) else None
        #: the inputs this run takes (a folder's images, or the video), output names given
        self.items = [it for it in listing if it.video is None] if self._video_name is None \
            else listing

    def file_of(self, name: str) -> str:
        """The file an input yielded as ``name`` (a path, or ``frame_NNNNNN``) is read from."""
        return self.source if self._video_name is not None else name

    def output_name(self, index: int, name: str) -> str:
        """The name a single-process ``tools/infer.py`` run writes input ``index`` under
        (sub-path kept; a video's frames ``{video}_NNNNNN``)."""
        return frame_name(self._video_name, index) if self._video_name is not None \
            else self._names[name]

    def __iter__(self) -> Iterator[Tuple[int, str, Optional[np.ndarray]]]:
        if not _is_video(self.source):
            paths = [p for p in self._names if not is_video(p)]
            self.total = len(paths)
            for i, path in enumerate(paths):
                if i % self.world_size == self.rank:
                    try:
                        img = read_image(path)
                    except ValueError as e:  # the reason, naming the file
                        img = None
                        self.reasons[path] = str(e)
                    yield i, path, img
            return
        cap = cv2.VideoCapture(self.source)
        if not cap.isOpened():
            raise ValueError(f'{self.source}: cannot be opened as a video')
        declared = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        i = 0
        try:
            while cap.grab():
                if i % self.world_size == self.rank:
                    ok, frame = cap.retrieve()
                    if not ok:
                        self.reasons[f'frame_{i:06d}'] = 'the frame cannot be decoded'
                    yield i, f'frame_{i:06d}', frame if ok else None
                i += 1
        finally:
            cap.release()
        if i == 0:
            raise ValueError(f'{self.source}: video holds no readable frame')
        if i < declared:
            self.warnings.append((self._video_name, truncated_video_message(self.source, i,
                                                                            declared)))
        self.total = i


def _write_json(path: str, obj) -> None:
    """Write ``obj`` as JSON and read it back (a truncated or unwritable file is an error)."""
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(obj, f)
    os.replace(tmp, path)
    with open(path) as f:
        if json.load(f) != json.loads(json.dumps(obj)):
            raise OSError(f'{path}: the file read back differs from what was written')


def _shard_path(out_dir: str, rank: int, world_size: int) -> str:
    return osp.join(out_dir, SHARD_DIR, f'rank{rank}-of-{world_size}.json')


def run_sharded(inferencer, source, out_dir: str, video_out: bool = False,
                kpt_thr: float = 0.3, pictures: bool = True, raw: bool = True, bboxes=None,
                rank: Optional[int] = None, world_size: Optional[int] = None,
                timeout_s: int = 1800) -> dict:
    """This process's share of ``SapiensInferencer.run(source, out_dir)``, then the merge.

    ``rank``/``world_size`` default to the process group's, else torchrun's ``RANK`` and
    ``WORLD_SIZE``. The inputs of this rank (:class:`InputShard`) go through the inferencer in
    batches under the names a single-process run gives them (sub-paths kept, frames
    ``{video}_NNNNNN``), which writes their files (checked) and reports the unreadable or
    unwritable ones; then this rank writes its part file and joins the gloo group (created here
    if needed; ``timeout_s`` bounds the wait for the slowest rank); rank 0 merges all parts
    (:func:`merge_shards`) after a barrier. Every rank returns the merged summary
    ``dict(images=N, failed=[(name, reason), ...], keypoints=path or None, rank=R,
    world_size=N)`` (broadcast from rank 0), so all exit alike. ``bboxes``: as the
    inferencer's, as a dict keyed by file or output name (or a
    :class:`~.inferencers.boxes.PersonBoxes` of one), matched to the whole listing first.
    Before any rank writes, every planned output is checked against the inputs (outputs never
    replace inputs) and an earlier run's ``keypoints.json`` / ``image_ids.json`` for being
    mergeable, by every rank alike.
    """
    if video_out:
        raise ValueError('--video-out is not available with tools/dist_infer.sh: the panel '
                         'video needs every rank\'s frames in order; run tools/infer.py')
    if isinstance(source, (list, tuple)):
        if len(source) != 1:
            raise ValueError('tools/dist_infer.sh takes one INPUT (an image, a folder or a '
                             f'video), got {len(source)}')
        source = source[0]
    table = PersonBoxes.of(bboxes)
    if table is not None and table.by_key is None:
        raise ValueError(f'{table.source}: sharded inference takes the boxes as a dict keyed '
                         'by file name (a list cannot be aligned with one shard\'s images)')
    group = torch_dist.is_available() and torch_dist.is_initialized()
    if rank is None:
        rank = torch_dist.get_rank() if group else int(os.environ.get('RANK', 0))
    if world_size is None:
        world_size = torch_dist.get_world_size() if group else \
            int(os.environ.get('WORLD_SIZE', 1))
    shard = InputShard(source, rank, world_size)
    frame_counts = {it.name: count_frames(it.video) for it in shard.items if it.video}
    guard = OutputGuard(shard.items)
    guard.preflight(shard.items, inferencer.tasks, out_dir, out_dir if pictures else '', raw,
                    False, frame_counts, per_call='pose' in inferencer.models)
    guard.check(_shard_path(out_dir, rank, world_size))
    if 'pose' in inferencer.models:
        read_results(out_dir)  # an earlier run's results: mergeable, else refused now
    if table is not None:
        table.resolve(shard.items, frame_counts)
    os.makedirs(osp.join(out_dir, SHARD_DIR), exist_ok=True)
    items, batch, warnings = [], [], []
    show_progress, inferencer.show_progress = inferencer.show_progress, False

    def flush():
        batch_boxes = None if table is None else \
            {name: table.by_name[name] for _, name, _, _ in batch if name in table.by_name}
        s = inferencer([InputItem(name=name, array=img, source=src)
                        for _, name, img, src in batch],
                       batch_size=len(batch), pred_out_dir=out_dir,
                       vis_out_dir=out_dir if pictures else '', raw=raw, kpt_thr=kpt_thr,
                       bboxes=batch_boxes, keep_predictions=False, write_keypoints=False,
                       num_workers=0)
        warnings.extend(s['warnings'])
        position = {name: i + 1 for i, name in enumerate(s['names'])}
        failed = dict(s['failed'])
        for index, name, _, _ in batch:
            if name in failed:
                items.append(dict(index=index, name=name, failed=True, reason=failed[name]))
            else:
                items.append(dict(index=index, name=name, keypoints=[
                    dict(k, image_id=0) for k in s['coco'] if k['image_id'] == position[name]]))
        batch.clear()

    try:
        for index, path, img in shard:
            name = shard.output_name(index, path)
            if img is None:
                items.append(dict(index=index, name=name, failed=True,
                                  reason=shard.reasons.get(path, 'unreadable')))
                continue
            batch.append((index, name, img, shard.file_of(path)))
            if len(batch) == inferencer.batch_size:
                flush()
        if batch:
            flush()
    finally:
        inferencer.show_progress = show_progress
    part = dict(rank=rank, world_size=world_size, source=osp.abspath(source),
                total=shard.total, pose='pose' in inferencer.models, items=items,
                warnings=[list(w) for w in shard.warnings + warnings])
    _write_json(_shard_path(out_dir, rank, world_size), part)
    print_log(f'rank {rank} of {world_size}: {sum(not i.get("failed") for i in items)} '
              f'images -> {out_dir}', logger='current', level=logging.INFO)
    dist = world_size > 1
    if dist and not group:  # joined only now: see the module docstring
        torch_dist.init_process_group('gloo', rank=rank, world_size=world_size,
                                      timeout=datetime.timedelta(seconds=timeout_s))
    if dist:
        torch_dist.barrier()
    summary = merge_shards(out_dir, world_size) if rank == 0 else None
    if dist:
        box = [summary]
        torch_dist.broadcast_object_list(box, src=0)
        summary = box[0]
        if not group:  # the group made here ends here (left open, gloo aborts at exit)
            torch_dist.destroy_process_group()
    return dict(summary, rank=rank, world_size=world_size)


def _read_part(path: str, rank: int, world_size: int) -> dict:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: the part file of rank {rank} is missing (did that '
                                f'process fail?)')
    try:
        with open(path) as f:
            part = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f'{path}: unreadable part file ({e})') from e
    if part.get('rank') != rank or part.get('world_size') != world_size:
        raise ValueError(f'{path}: holds rank {part.get("rank")} of {part.get("world_size")}, '
                         f'expected rank {rank} of {world_size}')
    return part


def merge_shards(out_dir: str, world_size: int) -> dict:
    """Merge the part files ``out_dir/shards/rank{R}-of-{N}.json`` of a sharded run into
    ``keypoints.json`` (COCO keypoint results) and ``image_ids.json`` (``[{id, file_name}]``)
    as ``SapiensInferencer.run`` writes them: inputs in order, image ids 1, 2, ... over the
    readable ones, merged with the results already in ``out_dir``
    (:func:`~.inferencers.results_files.merge_results`). Checks that the parts come from one
    source and cover each input exactly once. Returns ``dict(images=N, failed=[(name, reason), ...], warnings=[(name, message),
    ...], keypoints=path or None, shards=[paths])``.
    """
    paths = [_shard_path(out_dir, r, world_size) for r in range(world_size)]
    parts = [_read_part(p, r, world_size) for r, p in enumerate(paths)]
    for key in ('source', 'total', 'pose'):
        values = {json.dumps(p[key]) for p in parts}
        if len(values) > 1:
            raise ValueError(f'{osp.join(out_dir, SHARD_DIR)}: the part files disagree on '
                             f'{key!r} ({sorted(values)}); they come from different runs')
    total = parts[0]['total']
    items = sorted((it for p in parts for it in p['items']), key=lambda it: it['index'])
    indices = [it['index'] for it in items]
    if indices != list(range(total)):
        seen = set(indices)
        dup = sorted({i for i in indices if indices.count(i) > 1})
        missing = sorted(set(range(total)) - seen)
        raise ValueError(f'{osp.join(out_dir, SHARD_DIR)}: the parts do not cover the {total} '
                         f'inputs once each (missing {missing[:10]}, twice {dup[:10]})')
    coco, names, failed = [], [], []
    for it in items:
        if it.get('failed'):
            failed.append((it['name'], it.get('reason', 'unreadable')))
            continue
        names.append(it['name'])
        coco.extend(dict(k, image_id=len(names)) for k in it['keypoints'])
    warnings = []  # every rank reads a video: its truncation warning once
    for p in parts:
        for w in p.get('warnings', []):
            if tuple(w) not in warnings:
                warnings.append(tuple(w))
    kpt_file = merge_results(out_dir, names, coco) if parts[0]['pose'] else None
    for name, why in failed:
        print_log(f'skipped {name}: {why}', logger='current', level=logging.WARNING)
    for name, why in warnings:
        print_log(why, logger='current', level=logging.WARNING)
    print_log(f'merged {world_size} part files: {len(names)} images, {len(coco)} '
              f'people{" -> " + kpt_file if kpt_file else ""}', logger='current',
              level=logging.INFO)
    return dict(images=len(names), failed=failed, warnings=warnings, keypoints=kpt_file,
                shards=paths)

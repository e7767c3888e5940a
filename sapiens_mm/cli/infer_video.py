"""``sapiens-infer``'s person detector, cameras and streams, tracking, smoothing and keypoint
format (the options of :mod:`sapiens_mm.cli.video_args`), set up before any model is built."""
import sys
from typing import List, Optional, Tuple

__all__ = ['expand_stream_inputs', 'person_detector', 'configure_video', 'detector_summary']


def expand_stream_inputs(args) -> list:
    """``args.input`` with camera indices and stream URLs opened and checked now (a
    ``StreamError`` names the one that does not answer, before any model is built)."""
    from sapiens_mm.apis.video.streams import is_stream_source, stream_item
    out, names = [], set()
    for source in args.input:
        if not is_stream_source(source):
            out.append(source)
            continue
        item = stream_item(source, args.max_frames, args.stream_timeout)
        base, k = item.name, 2
        while item.name in names:
            item.name, k = f'{base}_{k}', k + 1
        names.add(item.name)
        out.append(item)
    return out


def person_detector(args, specs: list, device: str) -> Tuple[Optional[object], str]:
    """(detector or None, description) for pose without ``--bboxes``; the default detector's
    weights are found here, before any model is built (``CheckpointError`` if offline and
    not cached). No detector when no model runs pose or boxes are given."""
    from sapiens_mm.apis.person_detector import (build_person_detector, config_runs_pose,
                                                 find_detector_checkpoint)
    if not any(config_runs_pose(s) for s in specs):
        return None, ''
    if args.det_config:
        return build_person_detector(det_config=args.det_config,
                                     det_checkpoint=args.det_checkpoint, device=device)
    if args.bboxes or args.det == 'none':
        return None, '--bboxes' if args.bboxes else 'none (the whole image)'
    ckpt = find_detector_checkpoint()
    return build_person_detector('default', device=device, checkpoint=ckpt)


def configure_video(inferencer, args) -> None:
    """Keypoint format and, with ``--track``/``--smooth``/``--det-every``, tracking."""
    inferencer.keypoint_format = args.keypoint_format
    if not (args.track or args.smooth or args.det_every > 1):
        return
    from sapiens_mm.apis.video import PersonTracker, PoseTemporal, TrackSmoother
    smoother = None
    if args.smooth:
        fps = 30.0
        streams = [s for s in args.input if hasattr(s, 'fps') and s.fps]
        if streams:
            fps = streams[0].fps
        else:
            from sapiens_mm.apis.inferencers.inputs import is_video, video_fps
            videos = [v for v in args.input if isinstance(v, str) and is_video(v)]
            if videos:
                fps = video_fps(videos[0], 30.0)
        smoother = TrackSmoother(fps=fps, min_cutoff=args.smooth_min_cutoff,
                                 beta=args.smooth_beta, score_thr=args.kpt_thr)
    inferencer.temporal = PoseTemporal(PersonTracker(), smoother, det_every=args.det_every,
                                       kpt_thr=args.kpt_thr)


def detector_summary(detector) -> List[str]:
    """The summary's line on images where the detector found nobody."""
    n = getattr(detector, 'nobody_found', 0)
    if not n:
        return []
    return [f'{n} image(s) where the person detector found nobody: pose ran on the whole image']


def check_video_args(args) -> None:
    if args.det_every < 1:
        raise ValueError(f'--det-every {args.det_every}: must be >= 1')
    if args.max_frames is not None and args.max_frames < 1:
        raise ValueError(f'--max-frames {args.max_frames}: must be >= 1')
    if args.det_every > 1 and args.batch_size != 1:
        print('--det-every: frames run one at a time (--batch-size 1), each taking its boxes '
              'from the previous frame', file=sys.stderr)
        args.batch_size = 1

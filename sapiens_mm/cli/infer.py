"""``sapiens-infer`` / ``tools/infer.py``: see :mod:`sapiens_mm.cli.infer_args` for the usage.

The model libraries are imported only after the arguments are parsed.
"""
import sys

from sapiens_mm.cli.errors import console_command
from sapiens_mm.cli.infer_args import parse_args

__doc__ = __doc__ + '\n' + sys.modules['sapiens_mm.cli.infer_args'].__doc__


def list_models(backbones: bool = False) -> list:
    """``(name, task, size, cached, repo)`` of every released name ``--model`` accepts, or
    with ``backbones`` of the backbone-only (pretrain) checkpoints, which have no task config
    (``tools/extract_features.py CONFIG NAME``, ``init_cfg=dict(type='Pretrained',
    checkpoint=NAME)``)."""
    from sapiens_mm.checkpoint import CheckpointError
    from sapiens_mm.checkpoint.model_zoo import MODEL_ZOO, resolve_checkpoint
    rows = []
    for name, e in sorted(MODEL_ZOO.items()):
        if (e.config is None) != backbones or e.task == 'detector':  # --det takes it
            continue
        try:
            resolve_checkpoint(name, local_files_only=True)
            cached = 'yes'
        except CheckpointError:
            cached = 'no'
        rows.append((name, e.task, e.size, cached, e.repo))
    return rows


def main(argv=None):
    args = parse_args(argv)
    if args.list_models:
        print(f'{"name":30s} {"task":8s} {"size":5s} {"cached":6s} hub repository')
        for name, task, size, cached, repo in list_models():
            print(f'{name:30s} {task:8s} {size:5s} {cached:6s} {repo}')
        print('\nbackbone checkpoints, no task head (tools/extract_features.py CONFIG NAME; '
              "init_cfg=dict(type='Pretrained', checkpoint=NAME)):")
        for name, task, size, cached, repo in list_models(backbones=True):
            print(f'{name:30s} {"-":8s} {size:5s} {cached:6s} {repo}')
        return 0
    import sapiens_mm
    sapiens_mm.register_all()  # the models, the weights-only loader
    from sapiens_mm.apis import SapiensInferencer
    from sapiens_mm.apis.inferencers import best_device
    device = args.device or best_device()
    if args.launcher == 'pytorch':  # tools/dist_infer.sh: this process's share of the inputs
        from sapiens_mm.apis.dist_inference import init_sharded_inference
        device = init_sharded_inference(device)
    from sapiens_mm.cli.infer_video import (check_video_args, configure_video,
                                            detector_summary, expand_stream_inputs,
                                            person_detector)
    check_video_args(args)
    args.input = expand_stream_inputs(args)  # cameras / streams answer, or a clear error
    bboxes = None
    if args.bboxes:  # checked: rows of 4 or 5 numbers; malformed JSON named with its position
        from sapiens_mm.apis.inferencers.boxes import load_bboxes_file
        bboxes = load_bboxes_file(args.bboxes)
    specs = list(args.model) + [(cfg, None if ck.lower() == 'none' else ck)
                                for cfg, ck in args.task]
    detector, det_name = person_detector(args, specs, device)  # weights found before building
    inferencer = SapiensInferencer(specs, device=device, precision=args.precision,
                                   batch_size=args.batch_size, share_backbone=not args.no_share,
                                   pose_on_dense=args.pose_on_dense, detector=detector,
                                   flip_test=False if args.no_flip else None,
                                   num_workers=args.workers, show_progress=True,
                                   compile_heads=args.compile, engine=args.engine)
    configure_video(inferencer, args)
    kwargs = dict(video_out=args.video_out, kpt_thr=args.kpt_thr,
                  pictures=not args.no_pictures, raw=not args.no_raw, bboxes=bboxes)
    if args.launcher == 'pytorch':
        from sapiens_mm.apis.dist_inference import run_sharded
        summary = run_sharded(inferencer, args.input, args.out, **kwargs)
        if summary['rank'] != 0:  # rank 0 prints the merged summary
            return min(len(summary['failed']), 255)
    else:
        from sapiens_mm.apis.video.streams import stop_on_interrupt
        with stop_on_interrupt():  # Ctrl-C: the frames read so far are finished and written
            summary = inferencer.run(args.input, args.out, **kwargs)
    print(f'\n{summary["images"]} images ({", ".join(inferencer.tasks)}, '
          f'{str(inferencer.dtype).replace("torch.", "")} on {device}, '
          f'{inferencer.engine.name} engine) -> {args.out}')
    for name, message in summary.get('warnings', []):
        print(f'warning: {message}', file=sys.stderr)
    if summary.get('warnings'):
        print(f'{len(summary["warnings"])} warning(s) (clipped boxes, truncated videos)',
              file=sys.stderr)
    if det_name:
        print(f'person boxes: {det_name}')
    for line in detector_summary(detector):
        print(line)
    for name, reason in summary['failed']:
        print(f'skipped {reason}', file=sys.stderr)
    return min(len(summary['failed']), 255)  # exit code: the number of failed inputs


#: the console command (setup.py): main with bad input reported in one line
run = console_command(main)


if __name__ == '__main__':
    sys.exit(run())

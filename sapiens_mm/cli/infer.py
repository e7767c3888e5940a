"""``sapiens-infer`` / ``tools/infer.py``: see :mod:`sapiens_mm.cli.infer_args` for the usage.

The model libraries are imported only after the arguments are parsed.
"""
import json
import sys

from sapiens_mm.cli.errors import console_command
from sapiens_mm.cli.infer_args import parse_args

__doc__ = __doc__ + '\n' + sys.modules['sapiens_mm.cli.infer_args'].__doc__


def list_models() -> list:
    """``(name, task, size, cached)`` of every released name ``--model`` accepts (the
    pretrain checkpoints have no task config, so they are not listed)."""
    from sapiens_mm.checkpoint import CheckpointError
    from sapiens_mm.checkpoint.model_zoo import MODEL_ZOO, resolve_checkpoint
    rows = []
    for name, e in sorted(MODEL_ZOO.items()):
        if e.config is None:
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
        print(f'{"name":30s} {"task":6s} {"size":5s} {"cached":6s} hub repository')
        for name, task, size, cached, repo in list_models():
            print(f'{name:30s} {task:6s} {size:5s} {cached:6s} {repo}')
        return 0
    import sapiens_mm  # noqa: F401  (registers the models)
    from sapiens_mm.apis import MMDetPersonDetector, SapiensInferencer
    from sapiens_mm.apis.inferencers import best_device
    device = args.device or best_device()
    if args.launcher == 'pytorch':  # tools/dist_infer.sh: this process's share of the inputs
        from sapiens_mm.apis.dist_inference import init_sharded_inference
        device = init_sharded_inference(device)
    detector = MMDetPersonDetector(args.det_config, args.det_checkpoint, device) \
        if args.det_config else None
    bboxes = None
    if args.bboxes:
        with open(args.bboxes) as f:
            bboxes = json.load(f)
    specs = list(args.model) + [(cfg, None if ck.lower() == 'none' else ck)
                                for cfg, ck in args.task]
    inferencer = SapiensInferencer(specs, device=device, precision=args.precision,
                                   batch_size=args.batch_size, share_backbone=not args.no_share,
                                   pose_on_dense=args.pose_on_dense, detector=detector,
                                   flip_test=False if args.no_flip else None,
                                   num_workers=args.workers, show_progress=True,
                                   compile_heads=args.compile, engine=args.engine)
    kwargs = dict(video_out=args.video_out, kpt_thr=args.kpt_thr,
                  pictures=not args.no_pictures, raw=not args.no_raw, bboxes=bboxes)
    if args.launcher == 'pytorch':
        from sapiens_mm.apis.dist_inference import run_sharded
        summary = run_sharded(inferencer, args.input, args.out, **kwargs)
        if summary['rank'] != 0:  # rank 0 prints the merged summary
            return min(len(summary['failed']), 255)
    else:
        summary = inferencer.run(args.input, args.out, **kwargs)
    print(f'\n{summary["images"]} images ({", ".join(inferencer.tasks)}, '
          f'{str(inferencer.dtype).replace("torch.", "")} on {device}, '
          f'{inferencer.engine.name} engine) -> {args.out}')
    for name, reason in summary['failed']:
        print(f'skipped {reason}', file=sys.stderr)
    return min(len(summary['failed']), 255)  # exit code: the number of failed inputs


#: the console command (setup.py): main with bad input reported in one line
run = console_command(main)


if __name__ == '__main__':
    sys.exit(run())

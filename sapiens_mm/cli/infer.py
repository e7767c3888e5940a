"""Run Sapiens task models (pose, part segmentation, depth, normals) on images, a folder or a video.

    sapiens-infer INPUT --out DIR --model NAME [--model NAME ...]
    sapiens-infer INPUT --out DIR --task CONFIG CHECKPOINT [--task CONFIG CHECKPOINT ...]
        [--batch-size 4] [--device cpu|cuda] [--dtype auto|bf16|fp32] [--no-share]
        [--pose-on-dense] [--det-config C --det-checkpoint P] [--video-out] [--list-models]

NAME is a released model (``--list-models``), found in ``$SAPIENS_MM_CHECKPOINTS``, the
release's ``$SAPIENS_CHECKPOINT_ROOT`` tree or the Hugging Face Hub cache (downloaded there
unless ``HF_HUB_OFFLINE=1``). CONFIG is a file or a packaged config relative to ``configs/``
(``sapiens-mm configs``). CHECKPOINT may be a file, a released name, or ``none`` (random
weights). Writes per image ``<stem>_seg.png`` (labels),
``<stem>_depth.npy``, ``<stem>_normal.npy``, ``<stem>_{pose,seg,depth,normal,panel}.jpg`` and
``keypoints.json`` (COCO results) + ``image_ids.json``; for a video, per frame
``frame_NNNNNN_*`` and with --video-out ``panel.mp4``. Output names keep the input's sub-path.
An image that cannot be read, decoded (truncated, over the pixel limit), inferred or written
is skipped and reported; the exit code is the number of such images (at most 255).
Sharded over N processes: ``tools/dist_infer.sh INPUT N --out DIR ...`` (--launcher pytorch).
"""
import argparse
import sys
from functools import partial

import sapiens_mm  # noqa: F401
from sapiens_mm.apis import MMDetPersonDetector
from sapiens_mm.apis.dist_inference import init_sharded_inference, run_sharded
from sapiens_mm.apis.inference import SapiensInferencer
from sapiens_mm.checkpoint import MODEL_ZOO
from sapiens_mm.cli.errors import run_cli


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('input', nargs='?', help='image, folder of images, or video')
    parser.add_argument('--out', help='output folder')
    parser.add_argument('--model', action='append', default=[], metavar='NAME',
                        help='released model name (repeat for several tasks)')
    parser.add_argument('--task', action='append', nargs=2, default=[],
                        metavar=('CONFIG', 'CHECKPOINT'), help='config + checkpoint (repeat)')
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--dtype', default='auto', choices=['auto', 'bf16', 'fp32'])
    parser.add_argument('--no-share', action='store_true',
                        help='run every model on its own even if backbones are shared')
    parser.add_argument('--pose-on-dense', action='store_true',
                        help='decode pose from the dense models\' shared features (whole image)')
    parser.add_argument('--det-config')
    parser.add_argument('--det-checkpoint')
    parser.add_argument('--kpt-thr', type=float, default=0.3)
    parser.add_argument('--video-out', action='store_true', help='also write panel.mp4')
    parser.add_argument('--list-models', action='store_true')
    parser.add_argument('--launcher', choices=['none', 'pytorch'], default='none',
                        help='pytorch: one share of the inputs per torchrun process '
                        '(tools/dist_infer.sh)')
    args = parser.parse_args(argv)
    if not args.list_models and (not args.input or not args.out
                                 or not (args.model or args.task)):
        parser.error('give INPUT, --out and at least one --model or --task')
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.list_models:
        for name, e in sorted(MODEL_ZOO.items()):
            print(f'{name:28s} {e.repo:34s} {e.filename}')
        return 0
    if args.launcher == 'pytorch':
        args.device = init_sharded_inference(args.device)
    detector = MMDetPersonDetector(args.det_config, args.det_checkpoint, args.device) \
        if args.det_config else None
    specs = list(args.model) + [(cfg, None if ck.lower() == 'none' else ck)
                                for cfg, ck in args.task]
    inferencer = SapiensInferencer(specs, device=args.device, dtype=args.dtype,
                                   batch_size=args.batch_size, share_backbone=not args.no_share,
                                   pose_on_dense=args.pose_on_dense, detector=detector)
    run = inferencer.run if args.launcher == 'none' else partial(run_sharded, inferencer)
    summary = run(args.input, args.out, video_out=args.video_out, kpt_thr=args.kpt_thr)
    if summary.get('rank', 0) != 0:  # rank 0 prints the merged summary
        return min(len(summary['failed']), 255)
    print(f'\n{summary["images"]} images ({", ".join(inferencer.tasks)}) -> {args.out}')
    for path in summary['failed']:
        print(f'skipped {path}: {summary["reasons"][path]}', file=sys.stderr)
    return min(len(summary['failed']), 255)  # exit code: the number of failed images


def run() -> int:
    """The console command: :func:`main` on ``sys.argv``, bad input reported in one line
    (exit status 2; ``--debug`` shows the traceback)."""
    return run_cli(main)


if __name__ == '__main__':
    sys.exit(run())

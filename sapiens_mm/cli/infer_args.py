"""Run Sapiens task models (pose, part segmentation, depth, normals) on images, folders or videos.

    sapiens-infer INPUT [INPUT ...] --out DIR --model NAME [--model NAME ...]
    sapiens-infer INPUT --out DIR --task CONFIG CHECKPOINT [--task CONFIG CHECKPOINT ...]
        [--batch-size 4] [--device cuda|cpu] [--precision auto|bf16|fp32]
        [--engine auto|torch|openvino] [--compile] [--no-share]
        [--pose-on-dense] [--no-flip] [--det-config C --det-checkpoint P] [--bboxes B.json]
        [--video-out] [--no-pictures] [--no-raw] [--workers N] [--list-models]

NAME is a released model (``--list-models``), found in ``$SAPIENS_MM_CHECKPOINTS``, the
release's ``$SAPIENS_CHECKPOINT_ROOT`` tree or the Hugging Face Hub cache (downloaded there
unless ``HF_HUB_OFFLINE=1``); it is found before any model is built. CONFIG is a file or a
packaged config relative to ``configs/`` (``sapiens-mm configs``). CHECKPOINT may be a file, a
released name, or ``none`` (random weights). Writes per image, keeping its sub-path under the
input folder: ``sub/x_seg.png`` (labels), ``sub/x_depth.npy``, ``sub/x_normal.npy``,
``sub/x.json`` (mmpose's per-image pose records), pictures ``sub/x_{pose,seg,depth,normal,
panel}.jpg``, and ``keypoints.json`` (COCO results) + ``image_ids.json``; a video's frames are
``{video}_NNNNNN_*`` and with --video-out ``{video}_panel.mp4``. An input that cannot be read
or decoded (missing, empty, truncated, over the pixel limit) or whose outputs cannot be written
is skipped and reported; the exit code is the number of such inputs (at most 255). Sharded
over N processes: ``tools/dist_infer.sh INPUT N --out DIR ...`` (``--launcher pytorch``).

This module imports nothing but argparse, so ``--help`` answers without loading the models'
libraries.
"""
import argparse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='sapiens-infer', description=__doc__.splitlines()[0],
                                     epilog=__doc__.split('\n\n', 1)[1].rsplit('\n\n', 1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('input', nargs='*', help='images, folders of images, or videos')
    parser.add_argument('--out', help='output folder')
    parser.add_argument('--model', action='append', default=[], metavar='NAME',
                        help='released model name (repeat for several tasks)')
    parser.add_argument('--task', action='append', nargs=2, default=[],
                        metavar=('CONFIG', 'CHECKPOINT'), help='config + checkpoint (repeat)')
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--device', default=None,
                        help='torch device (default: cuda when available, else cpu)')
    parser.add_argument('--precision', '--dtype', dest='precision', default='auto',
                        choices=['auto', 'bf16', 'fp32'],
                        help='auto: bf16 on GPUs with bf16 and CPUs with native bf16 '
                        '(AMX / AVX-512-BF16), else fp32')
    parser.add_argument('--engine', default='auto', choices=['auto', 'torch', 'openvino'],
                        help='what runs the models: openvino (CPU; converted models kept in '
                        '$SAPIENS_MM_CACHE or ~/.cache/sapiens_mm), torch (any device), auto '
                        '(default): openvino on the CPU when installed, else torch')
    parser.add_argument('--compile', action='store_true',
                        help='torch.compile the heads: about 2x faster heads after ~16 s of '
                        'compilation per head (worth it for folders and videos)')
    parser.add_argument('--no-share', action='store_true',
                        help='run every model on its own even if backbones are shared')
    parser.add_argument('--pose-on-dense', action='store_true',
                        help='decode pose from the dense models\' shared features (whole image)')
    parser.add_argument('--no-flip', action='store_true', help='pose without flip test')
    parser.add_argument('--det-config')
    parser.add_argument('--det-checkpoint')
    parser.add_argument('--bboxes', help='JSON {image file name: [[x1, y1, x2, y2], ...]}')
    parser.add_argument('--kpt-thr', type=float, default=0.3)
    parser.add_argument('--video-out', action='store_true', help='also write {video}_panel.mp4')
    parser.add_argument('--no-pictures', action='store_true', help='write no pictures')
    parser.add_argument('--no-raw', action='store_true',
                        help='write no raw maps (_seg.png, .npy); JSON predictions stay')
    parser.add_argument('--workers', type=int, default=None,
                        help='image-decoding workers (default: up to 4)')
    parser.add_argument('--launcher', choices=['none', 'pytorch'], default='none',
                        help='pytorch: one share of the inputs per torchrun process '
                        '(tools/dist_infer.sh)')
    parser.add_argument('--list-models', action='store_true',
                        help='released names --model takes, and whether each is cached here')
    return parser


def parse_args(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.list_models and (not args.input or not args.out
                                 or not (args.model or args.task)):
        parser.error('give INPUT, --out and at least one --model or --task')
    return args

"""Run Sapiens task models (pose, parts, depth, normals, pointmaps) on images, folders or videos.

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
``sub/x.json`` (mmpose's per-image pose records), for pointmaps (``sapiens2_*_pointmap``)
``sub/x_pointmap.npy`` (metric XYZ), ``sub/x_depth.npy`` (its z) and ``sub/x.ply`` (the
person's coloured points: the segmentation foreground when a segmentation model runs too, else
every pixel), pictures ``sub/x_{pose,seg,depth,normal,pointmap,pointmap_normal,panel}.jpg``,
and ``keypoints.json`` (COCO results) + ``image_ids.json``; a video's frames are
``{video}_NNNNNN_*`` and with --video-out ``{video}_panel.mp4``. An input that cannot be read
or decoded (missing, empty, truncated, over the pixel limit) or whose outputs cannot be written
is skipped and reported; the exit code is the number of such inputs (at most 255). Sharded
over N processes: ``tools/dist_infer.sh INPUT N --out DIR ...`` (``--launcher pytorch``).

Pose runs on the boxes of the release's person detector by default (``--det``); cameras,
streams, tracking, smoothing and keypoint formats: the option group "person detection, videos
and streams, output format" (``sapiens_mm/cli/video_args.py``).

This module imports nothing but argparse, so ``--help`` answers without loading the models'
libraries.
"""
import argparse
import importlib.util
import os.path as osp


def _video_args_module():
    """:mod:`sapiens_mm.cli.video_args`, read from its file beside this one (this module is
    also loaded alone, by path, for ``tools/infer.py --help``)."""
    path = osp.join(osp.dirname(osp.abspath(__file__)), 'video_args.py')
    spec = importlib.util.spec_from_file_location('sapiens_infer_video_args', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def add_video_args(parser: argparse.ArgumentParser) -> None:
    _video_args_module().add_video_args(parser)

try:
    from .arg_types import non_negative_int, positive_int, unit_float
except ImportError:  # loaded as a file (tools/infer.py --help): the sibling file, by path
    import importlib.util as _util
    import os.path as _osp
    _spec = _util.spec_from_file_location(
        'sapiens_arg_types', _osp.join(_osp.dirname(_osp.abspath(__file__)), 'arg_types.py'))
    _types = _util.module_from_spec(_spec)
    _spec.loader.exec_module(_types)
    non_negative_int, positive_int, unit_float = \
        _types.non_negative_int, _types.positive_int, _types.unit_float


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='sapiens-infer', description=__doc__.splitlines()[0],
                                     epilog=__doc__.split('\n\n', 1)[1].rsplit('\n\n', 1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('input', nargs='*', help='images, folders of images, videos, camera indices (0, 1 ...) or stream '
                        'URLs (rtsp://, http(s):// ...)')
    parser.add_argument('--out', help='output folder')
    parser.add_argument('--model', action='append', default=[], metavar='NAME',
                        help='released model name (repeat for several tasks)')
    parser.add_argument('--task', action='append', nargs=2, default=[],
                        metavar=('CONFIG', 'CHECKPOINT'), help='config + checkpoint (repeat)')
    parser.add_argument('--batch-size', type=positive_int, default=4)
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
    parser.add_argument('--det-checkpoint', help="the detector's weights (needed with "
                        "--det-config; 'none': random weights)")
    parser.add_argument('--bboxes', help='JSON {image file or output name: [[x1, y1, x2, y2(, '
                        'score)], ...]} (or a list, one entry per image)')
    parser.add_argument('--kpt-thr', type=unit_float, default=0.3,
                        help='keypoint score threshold of the pictures, 0..1')
    parser.add_argument('--video-out', action='store_true', help='also write {video}_panel.mp4')
    parser.add_argument('--no-pictures', action='store_true', help='write no pictures')
    parser.add_argument('--no-raw', action='store_true',
                        help='write no raw maps (_seg.png, .npy); JSON predictions stay')
    parser.add_argument('--workers', type=non_negative_int, default=None,
                        help='image-decoding workers (default: up to 4)')
    parser.add_argument('--launcher', choices=['none', 'pytorch'], default='none',
                        help='pytorch: one share of the inputs per torchrun process '
                        '(tools/dist_infer.sh)')
    parser.add_argument('--list-models', action='store_true',
                        help='released names --model takes, and whether each is cached here')
    add_video_args(parser)
    return parser


def parse_args(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.list_models and (not args.input or not args.out
                                 or not (args.model or args.task)):
        parser.error('give INPUT, --out and at least one --model or --task')
    check_detector_args(parser, args.det_config, args.det_checkpoint)
    return args


def check_detector_args(parser: argparse.ArgumentParser, config, checkpoint) -> None:
    """``--det-config`` and ``--det-checkpoint`` come together: a detector without weights
    finds nobody (empty results, exit 0), weights without a config build nothing.
    ``--det-checkpoint none`` asks for random weights explicitly."""
    if config and not checkpoint:
        parser.error(f'--det-config {config} needs --det-checkpoint (the detector\'s weights; '
                     "'none' for random weights, which find nobody)")
    if checkpoint and not config:
        parser.error(f'--det-checkpoint {checkpoint} needs --det-config (the detector\'s '
                     'config)')

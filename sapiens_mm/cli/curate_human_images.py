"""Keep the images that show a clearly visible person (the Sapiens pretraining-set filter).

    # an mmdet detector (the release used RTMDet), paper thresholds (score > 0.9, box > 300 px)
    sapiens-curate IMAGES_DIR --out-dir curated/ \
        --det-config rtmdet_m_8xb32-300e_coco.py --det-checkpoint rtmdet_m.pth
    # a list file of paths relative to --root, any callable detector
    sapiens-curate list.txt --root IMAGES_DIR --out-dir curated/ \
        --detector my_module:my_detector
    # the rule stand-in on synthetic humans (boxes from their COCO file)
    sapiens-curate data/synthetic/train/images --out-dir curated/ \
        --coco-boxes data/synthetic/train/annotations/coco_17.json --min-box-side 64

Writes to --out-dir: decisions.jsonl (per-image detections, the resumable ledger), kept.txt,
rejected.tsv, report.json and histograms.png. Killed or crashed part-way, the same command
continues where it stopped (an image whose bytes changed since is redone); --restart starts
over. Unreadable or truncated images are reported (rejected.tsv, report.json), not fatal. An
--out-dir inside the input folder is left out of the walk; the input folder itself is refused.
"""
import argparse
import importlib
import json
import os
import os.path as osp
import sys

from sapiens_mm.data_curation import (CocoBoxDetector, CurationCriteria,
                                      curate_images, list_images, read_path_list)
from sapiens_mm.data_curation.detectors import IdentifiedDetector
from sapiens_mm.cli.errors import console_command
from sapiens_mm.cli.infer_args import check_detector_args


def import_object(spec: str):
    """``package.module:attribute`` -> the attribute.

    The module is looked up on ``sys.path`` and, as ``python -m`` does, in the current
    directory (a detector of your own project, run from its root).
    """
    if ':' not in spec:
        raise SystemExit(f'expected module:attribute, got {spec!r}')
    module, attr = spec.split(':', 1)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # first, as `python -m` puts it
    try:
        obj = importlib.import_module(module)
    except ImportError as e:
        raise SystemExit(f'cannot import {module!r} ({e})') from e
    for part in attr.split('.'):
        if not hasattr(obj, part):
            raise SystemExit(f'{module!r} has no attribute {attr!r}')
        obj = getattr(obj, part)
    return obj


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument('input', help='image folder (searched recursively) or a list file')
    parser.add_argument('--root', help='folder the list file paths are relative to (default: '
                        'the list file\'s folder)')
    parser.add_argument('--out-dir', required=True)
    det = parser.add_argument_group('detector (exactly one)')
    det.add_argument('--det-config', help='mmdet config (e.g. RTMDet)')
    det.add_argument('--det-checkpoint', help="mmdet checkpoint for --det-config (needed; "
                     "'none': random weights)")
    det.add_argument('--det-device', default='cpu')
    det.add_argument('--det-cat-id', type=int, default=0, help='person class of the detector')
    det.add_argument('--det-min-score', type=float, default=0.05,
                     help='detections below it are not recorded (histograms start there)')
    det.add_argument('--coco-boxes', help='rule stand-in: boxes of a COCO file (synthetic data)')
    det.add_argument('--score-rule', default='keypoints', choices=CocoBoxDetector.SCORE_RULES,
                     help='score of the --coco-boxes stand-in')
    det.add_argument('--detector', help='module:attribute of any person detector callable')
    det.add_argument('--detector-args', help='JSON dict: call --detector with these keyword '
                     'arguments to build the detector')
    crit = parser.add_argument_group('criteria (defaults: the paper)')
    crit.add_argument('--score-thr', type=float, default=0.9, help='score must be above it')
    crit.add_argument('--min-box-side', type=float, default=300,
                      help='box side must be above it [px]')
    crit.add_argument('--box-side', choices=('max', 'min'), default='max',
                      help='max: max(w, h) > side (either side); min: both sides')
    parser.add_argument('--extra-filter', action='append', default=[], metavar='NAME=MOD:FN',
                        help='extra filter fn(img_bgr) -> bool (True keeps), e.g. a '
                        'watermark/text/artwork classifier; repeatable')
    parser.add_argument('--restart', action='store_true', help='discard earlier results')
    parser.add_argument('--sync-every', type=int, default=32, help='fsync the ledger every N')
    parser.add_argument('--read-threads', type=int, default=2,
                        help='threads decoding images ahead of the detector')
    parser.add_argument('--no-progress', action='store_true')
    args = parser.parse_args(argv)
    chosen = [bool(args.det_config), bool(args.coco_boxes), bool(args.detector)]
    if sum(chosen) != 1:
        parser.error('give exactly one of --det-config, --coco-boxes, --detector')
    check_detector_args(parser, args.det_config, args.det_checkpoint)
    return args


def build_detector(args):
    if args.det_config:
        from sapiens_mm.apis import MMDetPersonDetector
        return MMDetPersonDetector(args.det_config, args.det_checkpoint, args.det_device,
                                   cat_id=args.det_cat_id, score_thr=args.det_min_score,
                                   nms_thr=0.3)
    if args.coco_boxes:
        return CocoBoxDetector(args.coco_boxes, score_rule=args.score_rule)
    obj = import_object(args.detector)
    if args.detector_args:
        obj = obj(**json.loads(args.detector_args))
    return IdentifiedDetector(obj, args.detector, args.detector_args)  # ledger id: + args hash


def main(argv=None):
    args = parse_args(argv)
    import sapiens_mm
    sapiens_mm.register_all()  # the detector's weights-only loader
    if osp.isdir(args.input):
        root, paths = args.input, list_images(args.input)
        # an --out-dir inside the input folder: its files (histograms.png) are outputs, not
        # images to curate
        out_rel = osp.relpath(osp.realpath(args.out_dir), osp.realpath(args.input))
        if out_rel == '.':
            raise SystemExit(f'--out-dir {args.out_dir} is the input folder {args.input}: its '
                             'outputs (histograms.png) would be read as images; choose an '
                             'output folder apart from (or inside) the input folder')
        if out_rel != '..' and not out_rel.startswith('..' + os.sep):
            prefix = out_rel.replace(os.sep, '/') + '/'
            outputs = [p for p in paths if p.startswith(prefix)]
            if outputs:
                print(f'leaving out {len(outputs)} file(s) under --out-dir {args.out_dir} '
                      f'(outputs, not inputs), e.g. {outputs[0]}')
                paths = [p for p in paths if not p.startswith(prefix)]
    elif osp.isfile(args.input):
        root = args.root or osp.dirname(osp.abspath(args.input))
        paths = read_path_list(args.input)
    else:
        raise SystemExit(f'input {args.input} is neither a folder nor a list file')
    if not paths:
        raise SystemExit(f'no image found in {args.input}')
    filters = {}
    for spec in args.extra_filter:
        if '=' not in spec:
            raise SystemExit(f'--extra-filter wants NAME=module:function, got {spec!r}')
        name, target = spec.split('=', 1)
        filters[name] = import_object(target)
    criteria = CurationCriteria(args.score_thr, args.min_box_side, args.box_side)
    report = curate_images(paths, root, args.out_dir, build_detector(args), criteria,
                           extra_filters=filters, restart=args.restart,
                           sync_every=args.sync_every, read_threads=args.read_threads,
                           progress=not args.no_progress)
    run = report['this_run']
    print(f'\nkept {report["num_kept"]} of {report["num_images"]} images '
          f'(score > {criteria.score_thr:g}, {criteria.box_side}(w, h) > '
          f'{criteria.min_box_side:g} px); outcomes: {json.dumps(report["reasons"])}')
    print(f'this run: {run["processed"]} images in {run["seconds"]:.2f} s '
          f'({run["images_per_s"]} images/s); outputs in {args.out_dir}')


#: the console command (setup.py): main with bad input reported in one line
run = console_command(main)


if __name__ == '__main__':
    sys.exit(run())

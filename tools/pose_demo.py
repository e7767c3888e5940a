"""Top-down pose estimation on images: keypoints as COCO JSON and skeleton pictures.

    python tools/pose_demo.py INPUT CONFIG CHECKPOINT --out DIR
        [--det-config DET_CFG --det-checkpoint DET_CKPT] [--bboxes BOXES.json] [--device cpu]

INPUT is an image or a folder. Person boxes: from --bboxes (JSON {"image file name":
[[x1, y1, x2, y2], ...]}), else from the mmdet detector if given, else the whole image.
Writes DIR/keypoints.json (COCO results, image ids in sorted file order) and
DIR/<name>_pose.png. Unreadable images are listed and skipped (exit code 1).
"""
import argparse
import json
import os
import sys


import cv2
from mmengine.utils import ProgressBar

import sapiens_mm  # noqa: F401
from sapiens_mm.apis import MMDetPersonDetector, TopdownPoseInferencer
from sapiens_mm.apis.feature_extraction import list_images


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('input')
    parser.add_argument('config')
    parser.add_argument('checkpoint', help="task checkpoint; 'none' for random weights")
    parser.add_argument('--out', required=True)
    parser.add_argument('--det-config')
    parser.add_argument('--det-checkpoint')
    parser.add_argument('--bboxes', help='JSON {image file name: [[x1, y1, x2, y2], ...]}')
    parser.add_argument('--kpt-thr', type=float, default=0.3)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()

    detector = MMDetPersonDetector(args.det_config, args.det_checkpoint, args.device) \
        if args.det_config else None
    checkpoint = None if args.checkpoint.lower() == 'none' else args.checkpoint
    inferencer = TopdownPoseInferencer(args.config, checkpoint, args.device, detector)
    given = {}
    if args.bboxes:
        with open(args.bboxes) as f:
            given = json.load(f)
    os.makedirs(args.out, exist_ok=True)
    results, failed = [], []
    paths = list_images(args.input)
    bar = ProgressBar(len(paths))
    for image_id, path in enumerate(paths, start=1):
        img = cv2.imread(path)
        if img is None:
            failed.append(path)
        else:
            pose = inferencer(img, given.get(os.path.basename(path)))
            results += inferencer.to_coco(pose, image_id)
            stem = os.path.splitext(os.path.basename(path))[0]
            cv2.imwrite(os.path.join(args.out, f'{stem}_pose.png'),
                        inferencer.draw(img, pose, args.kpt_thr))
        bar.update()
    with open(os.path.join(args.out, 'keypoints.json'), 'w') as f:
        json.dump(results, f)
    print(f'\n{len(results)} people in {len(paths) - len(failed)} images -> {args.out}')
    for path in failed:
        print(f'skipped {path}: unreadable or corrupt image', file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    from sapiens_mm.cli.errors import run_cli  # one message + exit 2 on bad input; --debug
    sys.exit(run_cli(main))

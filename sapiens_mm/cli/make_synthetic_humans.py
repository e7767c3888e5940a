"""Write a split of procedurally rendered humans with exact labels (the built-in data).

    sapiens-make-synthetic --out data/synthetic/train --num 1000 --seed 0 \
        [--size 256 192] [--max-people 3] [--max-view-yaw DEG] [--close-up-prob P] \
        [--pitch-range LOW HIGH] [--fov-range LOW HIGH] [--workers 1] [--previews 8]

Each image comes with 28-class part segmentation, person mask, depth (metres), surface normals,
the background alone, and COCO-style keypoint files (Goliath 308, COCO 17, COCO-WholeBody 133);
the layout is documented in ``sapiens_mm/synthetic/writers.py``. The output is a
function of the seed only (not of --workers). Prints the throughput in images/s at the end.

An --out folder holding an earlier split is replaced as a whole (atomically, once the new split
is complete: a rerun with fewer images leaves none of the old ones); any other non-empty folder
is refused, nothing in it deleted.
"""
import argparse
import sys

from sapiens_mm.synthetic import generate_split
from sapiens_mm.synthetic.scene import FOV_RANGE, PITCH_RANGE
from sapiens_mm.cli.errors import console_command


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', required=True, help='output folder of the split')
    parser.add_argument('--num', type=int, default=100, help='number of images')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--size', type=int, nargs=2, default=(256, 192), metavar=('H', 'W'),
                        help='image height and width in pixels')
    parser.add_argument('--max-people', type=int, default=3,
                        help='each image shows 1..K people')
    parser.add_argument('--max-view-yaw', type=float, default=None, metavar='DEG',
                        help='camera within DEG degrees of the main person\'s face direction '
                        '(default: any direction, back views included)')
    parser.add_argument('--close-up-prob', type=float, default=0.25,
                        help='share of close-ups where the person overflows the frame')
    parser.add_argument('--pitch-range', type=float, nargs=2, default=None,
                        metavar=('LOW', 'HIGH'),
                        help='degrees the camera looks down (negative: up); default '
                        '%.2f %.2f' % PITCH_RANGE)
    parser.add_argument('--fov-range', type=float, nargs=2, default=None,
                        metavar=('LOW', 'HIGH'),
                        help='vertical field of view of the camera in degrees; default '
                        '%g %g (LOW = HIGH: one focal length for every image)' % FOV_RANGE)
    parser.add_argument('--workers', type=int, default=1, help='processes')
    parser.add_argument('--previews', type=int, default=8,
                        help='write preview panels for the first P images')
    args = parser.parse_args(argv)
    if args.num < 0 or args.max_people < 1 or args.workers < 1 or min(args.size) < 8:
        parser.error('need --num >= 0, --max-people >= 1, --workers >= 1, --size >= 8 8')
    if not 0 <= args.close_up_prob <= 1 or (args.max_view_yaw is not None
                                             and not 0 <= args.max_view_yaw <= 180):
        parser.error('need 0 <= --close-up-prob <= 1 and 0 <= --max-view-yaw <= 180')
    if args.pitch_range is not None and not -60 <= args.pitch_range[0] <= \
            args.pitch_range[1] <= 60:
        parser.error('need -60 <= --pitch-range LOW <= HIGH <= 60')
    if args.fov_range is not None and not 5 <= args.fov_range[0] <= args.fov_range[1] <= 120:
        parser.error('need 5 <= --fov-range LOW <= HIGH <= 120')
    meta = generate_split(args.out, args.num, seed=args.seed, size=tuple(args.size),
                          max_people=args.max_people, workers=args.workers,
                          previews=args.previews, max_view_yaw=args.max_view_yaw,
                          close_up_prob=args.close_up_prob, pitch_range=args.pitch_range,
                          fov_range=args.fov_range)
    rate = args.num / max(meta['seconds'], 1e-9)
    print(f'\nwrote {args.num} images ({meta["num_annotations"]} annotated people of '
          f'{meta["num_people_rendered"]} rendered) to {args.out} in {meta["seconds"]:.1f} s: '
          f'{rate:.1f} images/s at {args.size[0]}x{args.size[1]} with {args.workers} worker(s)')


#: the console command (setup.py): main with bad input reported in one line
run = console_command(main)


if __name__ == '__main__':
    sys.exit(run())

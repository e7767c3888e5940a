"""Write a folder of procedural images (the built-in data of the MAE demo).

    python tools/make_demo_images.py --out data/demo/mae_images --num 32 --seed 0 --size 256 192
"""
import argparse

from sapiens_mm.synthetic import write_procedural_images


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', required=True)
    parser.add_argument('--num', type=int, default=32)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--size', type=int, nargs=2, default=(256, 192), metavar=('H', 'W'))
    args = parser.parse_args()
    paths = write_procedural_images(args.out, args.num, args.seed, tuple(args.size))
    print(f'wrote {len(paths)} images to {args.out}')


if __name__ == '__main__':
    main()

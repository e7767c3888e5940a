"""Extract dense Sapiens backbone features of images.

    sapiens-extract-features CONFIG CHECKPOINT INPUT --out DIR [--size H W]

INPUT is an image or a folder. Writes <name>.npy, (C, H/16, W/16) float16, and <name>_pca.png
(the image beside a PCA colouring of its features). Unreadable images are listed and skipped;
the exit code is 1 if any was.
"""
import argparse
import sys

from sapiens_mm.cli.errors import console_command


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', help="checkpoint of any layout; 'none' for random weights")
    parser.add_argument('input', help='image file or folder')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--size', type=int, nargs=2, metavar=('H', 'W'), default=None)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--no-pca', action='store_true', help='skip the PCA pictures')
    args = parser.parse_args(argv)
    # after parsing: --help answers without the model libraries
    import sapiens_mm
    sapiens_mm.register_all()  # the models, the weights-only loader
    from sapiens_mm.apis.feature_extraction import FeatureExtractor
    ckpt = None if args.checkpoint.lower() == 'none' else args.checkpoint
    extractor = FeatureExtractor(args.config, ckpt, args.size, args.device)
    result = extractor.run(args.input, args.out, save_pca=not args.no_pca)
    print(f'\nfeatures of {len(result["done"])} images written to {args.out}')
    for path, reason in result['failed']:
        print(f'skipped {path}: {reason}', file=sys.stderr)
    sys.exit(1 if result['failed'] else 0)


#: the console command (setup.py): main with bad input reported in one line
run = console_command(main)


if __name__ == '__main__':
    sys.exit(run())

"""Build a set of non-human background images for RandomBackground.

    # COCO images whose annotations contain no person (copied to OUT/images/)
    sapiens-make-backgrounds coco data/coco/annotations/instances_train2017.json \
        --image-root data/coco/train2017 --out data/backgrounds [--crop-persons] [--list-only]
    # rendered backgrounds of the synthetic generator (no people at all)
    sapiens-make-backgrounds synthetic --out data/backgrounds --num 2000 \
        --size 1024 768

Both write OUT/backgrounds.txt, which RandomBackground(background_root=OUT) reads. The
backgrounds/ folder of tools/make_synthetic_humans.py can be used directly as well.

coco: every file_name must stay inside --image-root (no absolute paths, no .. out, no symlink
out) and no output may replace an input; images that do not decode whole (truncated, empty)
are skipped and listed in summary.json. A rerun into the same --out verifies by content: an
earlier copy is kept only if its bytes equal the source's, and files an earlier run listed
that this run does not are removed.
"""
import argparse
import json
import sys

from sapiens_mm.cli.errors import console_command


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__)
    sub = parser.add_subparsers(dest='source', required=True)
    coco = sub.add_parser('coco', help='person-free images of a COCO-format dataset')
    coco.add_argument('ann_file', help='COCO instances json')
    coco.add_argument('--image-root', required=True, help='folder of the file_name paths')
    coco.add_argument('--out', required=True)
    coco.add_argument('--crop-persons', action='store_true',
                      help='also keep the largest person-free crop of images with people')
    coco.add_argument('--min-crop-side', type=int, default=128,
                      help='a crop needs both sides >= this [px]')
    coco.add_argument('--list-only', action='store_true',
                      help='list the files where they are instead of copying them')
    coco.add_argument('--skip-missing', action='store_true',
                      help='leave out missing image files instead of failing')
    coco.add_argument('--person-category-id', type=int, action='append',
                      help='person category id(s); default: the category named "person"')
    syn = sub.add_parser('synthetic', help='rendered backgrounds (synthetic generator)')
    syn.add_argument('--out', required=True)
    syn.add_argument('--num', type=int, required=True)
    syn.add_argument('--size', type=int, nargs=2, default=(1024, 768), metavar=('H', 'W'))
    syn.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    # after parsing: --help answers without the model libraries
    if args.source == 'coco':
        from sapiens_mm.data_curation import build_background_set
        summary = build_background_set(
            args.ann_file, args.image_root, args.out, crop_persons=args.crop_persons,
            min_crop_side=args.min_crop_side, mode='list' if args.list_only else 'copy',
            skip_missing=args.skip_missing, person_ids=args.person_category_id)
        print('\n' + json.dumps(summary, indent=1))
        print(f'{summary["num_listed"]} backgrounds listed in {args.out}/backgrounds.txt')
    else:
        if args.num < 1 or min(args.size) < 8:
            parser.error('need --num >= 1 and --size >= 8 8')
        from sapiens_mm.synthetic import write_synthetic_backgrounds
        rels = write_synthetic_backgrounds(args.out, args.num, tuple(args.size), args.seed)
        print(f'\n{len(rels)} backgrounds written to {args.out}/images, listed in '
              f'{args.out}/backgrounds.txt')


#: the console command (setup.py): main with bad input reported in one line
run = console_command(main)


if __name__ == '__main__':
    sys.exit(run())

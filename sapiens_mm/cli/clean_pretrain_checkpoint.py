"""Turn an MAE pretraining checkpoint into the backbone-only file task configs load.

    sapiens-clean-pretrain work_dirs/mae/epoch_20.pth \
        checkpoints/sapiens_tiny_clean.pth          # or .safetensors

The output is the flat ``*_clean.pth`` layout of the release: encoder keys without the
``backbone.`` prefix, no decoder, no optimizer state. Use it in a task config as
``backbone=dict(init_cfg=dict(type='Pretrained', checkpoint='...'))``.
"""
import argparse
import sys

from sapiens_mm.checkpoint import save_backbone_checkpoint
from sapiens_mm.cli.errors import console_command


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='pretraining (or task) checkpoint, .pth or .safetensors')
    parser.add_argument('dst', help='output file; .safetensors selects that format')
    parser.add_argument('--prefix', default=None,
                        help="sub-module to keep (default: 'backbone.' when present)")
    args = parser.parse_args(argv)
    sd = save_backbone_checkpoint(args.src, args.dst, args.prefix)
    n = sum(v.numel() for v in sd.values())
    print(f'wrote {args.dst}: {len(sd)} tensors, {n:,} parameters')


#: the console command (setup.py): main with bad input reported in one line
run = console_command(main)


if __name__ == '__main__':
    sys.exit(run())

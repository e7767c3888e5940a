"""Re-write a released Sapiens checkpoint (or any sapiens_mm one) as plain tensors.

    sapiens-convert-checkpoint SRC DST [--backbone-only]

SRC is a file of any released state-dict layout (raw or ``_clean`` pretrain, pose/seg/depth/
normal task checkpoint, ``.safetensors``) or a released model name
(``python tools/infer.py --list-models``). DST ending in ``.safetensors`` is written with
safetensors (loads without unpickling), anything else with ``torch.save``. The whole model is
kept by default (``backbone.*`` + ``head.*``/``decode_head.*``); ``--backbone-only`` writes the
flat ``_clean`` layout. The lite ``*.pt2`` programs are not state dicts and are refused.
"""
import argparse
import sys

from sapiens_mm.checkpoint import (CheckpointError, resolve_checkpoint,
                                   save_backbone_checkpoint, save_model_checkpoint)
from sapiens_mm.cli.errors import console_command


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='checkpoint file or released model name')
    parser.add_argument('dst', help='output file; .safetensors selects that format')
    parser.add_argument('--backbone-only', action='store_true')
    args = parser.parse_args(argv)
    if args.src.endswith('.pt2'):
        raise SystemExit(f'{args.src}: a lite program (TorchScript / torch.export), not a state '
                         'dict; convert the matching .pth release instead')
    try:
        src = resolve_checkpoint(args.src)
        sd = save_backbone_checkpoint(src, args.dst) if args.backbone_only else \
            save_model_checkpoint(src, args.dst)
    except CheckpointError as e:
        raise SystemExit(str(e))
    n = sum(v.numel() for v in sd.values())
    print(f'wrote {args.dst}: {len(sd)} tensors, {n:,} parameters')


#: the console command (setup.py): main with bad input reported in one line
run = console_command(main)


if __name__ == '__main__':
    sys.exit(run())

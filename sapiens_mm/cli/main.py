"""``sapiens-mm``: what the installed package holds.

    sapiens-mm configs [PATTERN] [--path]   # packaged configs (relative to configs/, or absolute)
    sapiens-mm models [PATTERN]             # released checkpoints of the model zoo
    sapiens-mm version
"""
import argparse
import sys
from typing import Optional, Sequence

from sapiens_mm.cli.errors import console_command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='sapiens-mm', description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='command', required=True)
    p = sub.add_parser('configs', help='list the packaged configs')
    p.add_argument('pattern', nargs='?', default='*',
                   help="glob on the path under configs/ (e.g. 'sapiens_seg/*'); a plain word "
                   "matches as a substring; '_base_' pieces only when named")
    p.add_argument('--path', action='store_true', help='print absolute paths')
    p = sub.add_parser('models', help='list the released checkpoints (model zoo)')
    p.add_argument('pattern', nargs='?', default='', help='substring of the name')
    sub.add_parser('version', help='print the version')
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == 'version':
        from sapiens_mm.version import __version__
        print(__version__)
        return 0
    if args.command == 'configs':
        from sapiens_mm.utils.config_paths import config_root, list_configs
        found = list_configs(args.pattern)
        root = config_root()
        for rel in found:
            print(f'{root}/{rel}' if args.path else rel)
        if not found:
            print(f'no config matches {args.pattern!r} under {root}', file=sys.stderr)
            return 1
        return 0
    from sapiens_mm.checkpoint.model_zoo import MODEL_ZOO
    names = [n for n in sorted(MODEL_ZOO) if args.pattern in n]
    for name in names:
        e = MODEL_ZOO[name]
        print(f'{name:28s} {e.repo:34s} {e.filename:58s} {e.config or "-"}')
    return 0 if names else 1


#: the console command (setup.py): main with bad input reported in one line
run = console_command(main)


if __name__ == '__main__':
    sys.exit(run())

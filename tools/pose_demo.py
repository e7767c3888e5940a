"""Top-down pose on images: an alias of ``tools/infer.py`` for one pose config + checkpoint.

    python tools/pose_demo.py INPUT CONFIG CHECKPOINT --out DIR [any tools/infer.py option]

is ``python tools/infer.py INPUT --out DIR --task CONFIG CHECKPOINT [options]`` (e.g.
``--det-config/--det-checkpoint``, ``--bboxes BOXES.json``, ``--device``, ``--no-flip``).
INPUT, CONFIG and CHECKPOINT are the first three arguments that do not start with ``-``, or
follow ``--`` (``pose_demo.py -- -h CONFIG CHECKPOINT --out DIR``: an input named ``-h``).
"""
import sys


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    cut = argv.index('--') if '--' in argv else len(argv)  # after '--': no option
    options = argv[:cut]
    wants_help = '-h' in options or '--help' in options
    pos = ([a for a in options if not a.startswith('-')] + argv[cut + 1:])[:3]
    if wants_help or len(pos) < 3:
        print(__doc__)
        return 0 if pos or wants_help else 2
    rest = argv[:cut] + argv[cut + 1:]
    for a in pos:
        rest.remove(a)
    from sapiens_mm.cli.infer import main as infer_main  # INPUT after '--': may start with '-'
    return infer_main(['--task', pos[1], pos[2]] + rest + ['--', pos[0]])


if __name__ == '__main__':
    from sapiens_mm.cli.errors import run_cli  # bad input: one message, exit 2
    sys.exit(run_cli(main))

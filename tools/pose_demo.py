"""Top-down pose on images: an alias of ``tools/infer.py`` for one pose config + checkpoint.

    python tools/pose_demo.py INPUT CONFIG CHECKPOINT --out DIR [any tools/infer.py option]

is ``python tools/infer.py INPUT --out DIR --task CONFIG CHECKPOINT [options]`` (e.g.
``--det-config/--det-checkpoint``, ``--bboxes BOXES.json``, ``--device``, ``--no-flip``).
"""
import sys


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    pos = [a for a in argv if not a.startswith('-')][:3]
    if '-h' in argv or '--help' in argv or len(pos) < 3:
        print(__doc__)
        return 0 if pos or '-h' in argv or '--help' in argv else 2
    rest = list(argv)
    for a in pos:
        rest.remove(a)
    from sapiens_mm.cli.infer import main as infer_main
    return infer_main([pos[0], '--task', pos[1], pos[2]] + rest)


if __name__ == '__main__':
    from sapiens_mm.cli.errors import run_cli  # bad input: one message, exit 2
    sys.exit(run_cli(main))

"""Run Sapiens task models (pose, part segmentation, depth, normals, pointmaps) on images, a
folder or a video.

The code is ``sapiens_mm/cli/infer.py``; installed, the same program is ``sapiens-infer``.
``--help`` is answered from ``sapiens_mm/cli/infer_args.py`` alone (argparse only), without
importing the package and its model libraries.
"""
import importlib.util
import os.path as osp
import sys


def _wants_help(argv) -> bool:
    """argparse prints the usage: ``-h``/``--help`` before any ``--`` (after it, ``-h`` is an
    input file of that name, and the models are built)."""
    argv = list(argv)
    argv = argv[:argv.index('--')] if '--' in argv else argv
    return '-h' in argv or '--help' in argv


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if _wants_help(argv):
        path = osp.join(osp.dirname(osp.abspath(__file__)), '..', 'sapiens_mm', 'cli',
                        'infer_args.py')
        if osp.isfile(path):
            spec = importlib.util.spec_from_file_location('sapiens_infer_args', path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module.parse_args(argv)
    from sapiens_mm.cli.infer import main as infer_main
    return infer_main(argv)


if __name__ == '__main__':
    if _wants_help(sys.argv[1:]):
        sys.exit(main())
    from sapiens_mm.cli.infer import run  # bad input: one message, exit 2 (--debug: traceback)
    sys.exit(run())

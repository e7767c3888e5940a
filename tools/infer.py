"""Run Sapiens task models (pose, part segmentation, depth, normals) on images, a folder or a video.

The code is ``sapiens_mm/cli/infer.py``; installed, the same program is ``sapiens-infer``.
``--help`` is answered from ``sapiens_mm/cli/infer_args.py`` alone (argparse only), without
importing the package and its model libraries.
"""
import importlib.util
import os.path as osp
import sys


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if '-h' in argv or '--help' in argv:
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
    sys.exit(main())

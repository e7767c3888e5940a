"""Run Sapiens task models (pose, part segmentation, depth, normals) on images, a folder or a video.

The code is ``sapiens_mm/cli/infer.py``; installed, the same program is ``sapiens-infer``.
"""
import sys

from sapiens_mm.cli.infer import main, run  # noqa: F401  (main: for callers)

if __name__ == '__main__':
    sys.exit(run())

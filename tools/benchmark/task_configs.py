"""The config file of each task, for the benchmark scripts in this folder.

``config_path(task, arch)`` is the tiny synthetic config for ``arch == 'sapiens_tiny'`` and the
released 1024x768 config of that size otherwise (``arch`` e.g. ``'sapiens_0.3b'``); paths are
relative to the repository root.
"""

#: task -> tiny config trained on the synthetic humans (CPU)
TINY = dict(pose='configs/sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py',
            seg='configs/sapiens_seg/synthetic/sapiens_tiny_seg_synthetic-128x96.py',
            depth='configs/sapiens_depth/synthetic/sapiens_tiny_depth_synthetic-128x96.py',
            normal='configs/sapiens_normal/synthetic/sapiens_tiny_normal_synthetic-256x192.py')
#: task -> released config, ``{a}`` = arch name
REAL = dict(pose='configs/sapiens_pose/goliath/{a}-210e_goliath-1024x768.py',
            seg='configs/sapiens_seg/goliath/{a}_goliath-1024x768.py',
            depth='configs/sapiens_depth/humans/{a}_humans-1024x768.py',
            normal='configs/sapiens_normal/humans/{a}_humans-1024x768.py')


def config_path(task: str, arch: str = 'sapiens_tiny') -> str:
    """Repository-relative config path of ``task`` for ``arch``."""
    return TINY[task] if arch == 'sapiens_tiny' else REAL[task].format(a=arch)

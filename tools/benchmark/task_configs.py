"""The config file of each task, for the benchmark scripts in this folder.

``config_path(task, arch)`` is the tiny synthetic config for ``arch == 'sapiens_tiny'`` and the
released 1024x768 config of that size otherwise (``arch`` e.g. ``'sapiens_0.3b'``); paths are
relative to the repository root. ``sized_config(task, arch, hw)`` loads that config for
another input size, with random weights.
"""
import os.path as osp
from typing import Tuple

ROOT = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..')

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


def sized_config(task: str, arch: str, hw: Tuple[int, int]):
    """The :class:`~mmengine.config.Config` of ``task`` for ``arch`` at input ``hw`` = (H, W)
    pixels: backbone position grid, data preprocessor, test-pipeline resize and (pose) the
    codec's input and heatmap sizes follow ``hw``; no pretrained weights (``init_cfg=None``)."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, config_path(task, arch)))
    h, w = hw
    cfg.model.backbone.update(img_size=(h, w), init_cfg=None)
    if task == 'pose':
        cfg.model.head.decoder.update(input_size=(w, h), heatmap_size=(w // 4, h // 4))
    else:
        cfg.model.data_preprocessor.size = (h, w)
    for t in cfg.test_dataloader.dataset.pipeline:
        if t['type'] == 'Resize':
            t['scale'] = (w, h)
    return cfg

"""Tiny task configs at small sizes, and task checkpoints that share one backbone.

``tiny_config(task, hw)`` loads the repo's tiny synthetic config of ``task`` ('pose', 'seg',
'depth', 'normal') and shrinks its input to ``hw`` = (H, W) (pipelines, preprocessor,
backbone, pose codec); ``family='sapiens2'`` gives the Sapiens2 ones ('pose', 'seg' (29
classes), 'normal'; ``Sapiens2ViT`` tiny, 18 blocks with GQA in blocks 8 and 9). ``write_task_checkpoints`` writes released-layout task checkpoints
(``{'state_dict': {'backbone.*', 'head.*' | 'decode_head.*'}, 'meta': {}}``) whose backbone
tensors are all the same random ones, as heads fine-tuned on a frozen backbone would be.
"""
import copy
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = dict(
    pose='configs/sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py',
    seg='configs/sapiens_seg/synthetic/sapiens_tiny_seg_synthetic-128x96.py',
    depth='configs/sapiens_depth/synthetic/sapiens_tiny_depth_synthetic-128x96.py',
    normal='configs/sapiens_normal/synthetic/sapiens_tiny_normal_synthetic-256x192.py')
CONFIGS2 = dict(
    pose='configs/sapiens2_pose/synthetic/sapiens2_tiny_pose_synthetic-128x96.py',
    seg='configs/sapiens2_seg/synthetic/sapiens2_tiny_seg_synthetic-128x96.py',
    normal='configs/sapiens2_normal/synthetic/sapiens2_tiny_normal_synthetic-128x96.py')
#: tasks with a tiny config, per family
FAMILY_TASKS = dict(sapiens=tuple(CONFIGS), sapiens2=tuple(CONFIGS2))


def tiny_config(task: str, hw: Tuple[int, int] = (64, 48), padding: Optional[int] = None,
                head_channels: int = 32, family: str = 'sapiens') -> Config:
    """The tiny config of ``task`` at input (H, W) = ``hw``; ``padding`` overrides the patch
    embedding padding (v1 only: the release's seg/depth use 0, pose/normal 2). Sapiens2
    (``family='sapiens2'``) dense heads keep their configs' slim widths."""
    cfg = Config.fromfile(osp.join(ROOT, (CONFIGS2 if family == 'sapiens2' else CONFIGS)[task]))
    h, w = hw
    cfg.model.backbone.img_size = (h, w)
    cfg.model.backbone.init_cfg = None
    if padding is not None and family == 'sapiens':
        cfg.model.backbone.patch_cfg = dict(padding=padding)
    if family == 'sapiens2' and task != 'pose':
        cfg.model.data_preprocessor.size = (h, w)
        for t in cfg.test_dataloader.dataset.pipeline:
            if t['type'] in ('Resize', 'AreaOrCubicResize'):
                t['scale'] = (w, h)
            elif t['type'] == 'FitAndCentrePad':
                t['size'] = (h, w)
        return cfg
    if task == 'pose':
        if family == 'sapiens':
            cfg.model.head.deconv_out_channels = (head_channels, head_channels)
            cfg.model.head.conv_out_channels = (head_channels, head_channels)
        for t in cfg.test_dataloader.dataset.pipeline:
            if t['type'].endswith('TopdownAffine'):  # v2: ReleaseInterpolationTopdownAffine
                t['input_size'] = (w, h)
        cfg.model.head.decoder.input_size = (w, h)
        cfg.model.head.decoder.heatmap_size = (w // 4, h // 4)
        cfg.model.test_cfg.flip_test = False
    else:
        cfg.model.decode_head.channels = head_channels
        cfg.model.data_preprocessor.size = (h, w)
        for t in cfg.test_dataloader.dataset.pipeline:
            if t['type'] == 'Resize':
                t['scale'] = (w, h)
    return cfg


def build(cfg: Config) -> torch.nn.Module:
    if cfg.model.type == 'TopdownPoseEstimator':
        from mmpose.apis import init_model
    else:
        from mmseg.apis import init_model
    return init_model(copy.deepcopy(cfg), None, device='cpu')


def write_task_checkpoints(folder: str, cfgs: Dict[str, Config], seed: int = 0,
                           shared: bool = True) -> Dict[str, str]:
    """One ``{task}.pth`` per config; the backbones are equal if ``shared`` (they must have
    the same backbone config), else each is random on its own."""
    torch.manual_seed(seed)
    backbone = None
    paths = {}
    for task, cfg in cfgs.items():
        model = build(cfg)
        for p in model.parameters():
            p.data.normal_(0, 0.05)
        sd = model.state_dict()
        if shared:
            if backbone is None:
                backbone = {k: v.clone() for k, v in sd.items() if k.startswith('backbone.')}
            sd.update(backbone)
        paths[task] = osp.join(folder, f'{task}.pth')
        torch.save({'state_dict': sd, 'meta': {}}, paths[task])
    init_default_scope('mmseg')
    return paths

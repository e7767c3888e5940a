"""Small multi-task folders: the dense layout of :mod:`tests.helpers.dense_data` plus
``annotations/goliath_308.json`` with one 308-keypoint person per image (keypoints inside the
person's box), optionally with some labels left out."""
import json
import os
import os.path as osp
from typing import Dict, Sequence, Tuple

import numpy as np

from tests.helpers.dense_data import make_sample, write_sample

_FILES = dict(seg=('seg', '.png'), depth=('depth', '.npy'), normal=('normal', '.npy'))


def write_multitask_humans(root: str, num: int = 4, size: Tuple[int, int] = (64, 48),
                           seed: int = 0, drop: Dict[str, Sequence[int]] = None,
                           k: int = 308) -> list:
    """``num`` images of size (H, W) under ``root`` with all four labels, except the sample
    indices listed per task in ``drop`` (e.g. ``{'depth': [1], 'pose': [2]}``). Returns ids."""
    rng = np.random.default_rng(seed)
    drop = {t: set(v) for t, v in (drop or {}).items()}
    ids, images, anns = [], [], []
    h, w = size
    for i in range(num):
        sample = make_sample(rng, size)
        sid = write_sample(str(root), i, sample)
        ids.append(sid)
        for task, (folder, suffix) in _FILES.items():
            if i in drop.get(task, ()):
                os.remove(osp.join(root, folder, sid + suffix))
        images.append(dict(id=i + 1, file_name=f'images/{sid}.png', height=h, width=w))
        if i in drop.get('pose', ()):
            continue
        ys, xs = np.nonzero(sample['mask'])
        x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
        xy = np.stack([rng.uniform(x0, x1 - 1, k), rng.uniform(y0, y1 - 1, k)], 1)
        v = np.full(k, 2)
        kpts = np.concatenate([xy, v[:, None]], 1).reshape(-1)
        anns.append(dict(id=len(anns) + 1, image_id=i + 1, category_id=1, iscrowd=0,
                         bbox=[float(x0), float(y0), float(x1 - x0), float(y1 - y0)],
                         area=float((x1 - x0) * (y1 - y0)), num_keypoints=k,
                         keypoints=[float(x) for x in kpts]))
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    with open(osp.join(root, 'annotations', 'goliath_308.json'), 'w') as f:
        json.dump(dict(images=images, annotations=anns,
                       categories=[dict(id=1, name='person', supercategory='person')]), f)
    return ids


MULTITASK_CONFIG = 'configs/sapiens_multitask/synthetic/sapiens_tiny_multitask_synthetic-128x96.py'


def tiny_multitask_config(hw: Tuple[int, int] = (64, 48), channels: int = 16,
                          data_root: str = None):
    """The repo's tiny multi-task config at input (H, W) = ``hw`` with ``channels``-wide
    heads, random init, data under ``data_root``/{train,val} if given."""
    from mmengine.config import Config
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    cfg = Config.fromfile(osp.join(root, MULTITASK_CONFIG))
    h, w = hw
    cfg.model.backbone.img_size = (h, w)
    cfg.model.backbone.init_cfg = None
    heads = cfg.model.heads
    heads.pose.deconv_out_channels = (channels, channels)
    heads.pose.conv_out_channels = (channels, channels)
    heads.pose.decoder.input_size = (w, h)
    heads.pose.decoder.heatmap_size = (w // 4, h // 4)
    for task in ('seg', 'depth', 'normal'):
        heads[task].channels = channels
        heads[task].deconv_out_channels = tuple(channels for _ in
                                                heads[task].deconv_out_channels)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for t in cfg[loader].dataset.pipeline:
            if t['type'] == 'Resize':
                t['scale'] = (w, h)
            if t['type'] == 'PackMultiTaskInputs' and t.get('codec'):
                t['codec'] = dict(heads.pose.decoder)
        cfg[loader].num_workers = 0
        if data_root is not None:
            split = 'train' if loader == 'train_dataloader' else 'val'
            cfg[loader].dataset.data_root = osp.join(data_root, split)
    if data_root is not None:
        for ev in ('val_evaluator', 'test_evaluator'):
            cfg[ev].metrics.pose.ann_file = osp.join(data_root, 'val', 'annotations',
                                                     'goliath_308.json')
    return cfg


V2_MULTITASK_CONFIG = ('configs/sapiens2_multitask/synthetic/'
                       'sapiens2_tiny_multitask_synthetic-128x96.py')


def tiny_v2_multitask_config(hw: Tuple[int, int] = (64, 48), data_root: str = None):
    """The repo's tiny Sapiens2 multi-task config at input (H, W) = ``hw``, random init, no
    dataloader workers, data under ``data_root``/{train,val} if given."""
    from mmengine.config import Config
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    cfg = Config.fromfile(osp.join(root, V2_MULTITASK_CONFIG))
    h, w = hw
    cfg.model.backbone.img_size = (h, w)
    cfg.model.backbone.init_cfg = None
    codec = cfg.model.heads.pose.decoder
    codec.input_size = (w, h)
    codec.heatmap_size = (w // 4, h // 4)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for t in cfg[loader].dataset.pipeline:
            if t['type'] == 'Resize':
                t['scale'] = (w, h)
            if t['type'] == 'PackMultiTaskInputs' and t.get('codec'):
                t['codec'] = dict(codec)
        cfg[loader].num_workers = 0
        if data_root is not None:
            split = 'train' if loader == 'train_dataloader' else 'val'
            cfg[loader].dataset.data_root = osp.join(data_root, split)
    if data_root is not None:
        for ev in ('val_evaluator', 'test_evaluator'):
            cfg[ev].metrics.pose[0].ann_file = osp.join(data_root, 'val', 'annotations',
                                                        'goliath_308.json')
    return cfg

"""Picture of dense-task training samples before and after RandomBackground.

    python tools/misc/visualize_random_background.py --data /tmp/rb_demo/train \
        [--backgrounds DIR] [--num 4] [--out work_dirs/random_background.png]

Each row is one sample: the image as loaded | after RandomBackground for segmentation (mask =
pixels not labelled Background, colours harmonised, as the seg config) | after RandomBackground
for depth/normals (mask file, as their configs) | then part labels, depth and normals, which the
script checks are the same before and after (as loaded by the seg, depth and normal pipelines).
--data is a dense split (written with tools/make_synthetic_humans.py if it does not exist);
--backgrounds defaults to a set rendered next to it by tools/make_background_set.py synthetic.
"""
import argparse
import os
import os.path as osp

import cv2
import numpy as np

from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from sapiens_mm.datasets.body_part_classes import BODY_PART_PALETTE
from sapiens_mm.synthetic import generate_split, write_synthetic_backgrounds

LOADERS = {'seg': ('BodyPartSegDataset', 'LoadBodyPartAnnotations', {}),
           'depth': ('HumanDepthDataset', 'LoadHumanDepth', {}),
           'normal': ('HumanNormalDataset', 'LoadHumanNormal', dict(normal_convention='opencv'))}


def build(task, data, extra):
    ds_type, loader, kw = LOADERS[task]
    pipeline = [dict(type='LoadImageFromFile'), dict(type=loader), *extra]
    return DATASETS.build(dict(type=ds_type, data_root=data, pipeline=pipeline, **kw))


def colour_depth(depth):
    fg = depth > 0
    out = np.zeros(depth.shape + (3, ), np.uint8)
    if fg.any():
        lo, hi = depth[fg].min(), depth[fg].max()
        norm = ((depth - lo) / max(hi - lo, 1e-6) * 255).clip(0, 255).astype(np.uint8)
        out[fg] = cv2.applyColorMap(255 - norm, cv2.COLORMAP_INFERNO)[fg]
    return out


def colour_normal(normal):
    fg = np.linalg.norm(normal, axis=-1) > 0.5
    rgb = ((normal + 1) * 127.5).clip(0, 255).astype(np.uint8)
    return np.where(fg[..., None], rgb[..., ::-1], 0).astype(np.uint8)


def colour_seg(seg):
    palette = np.array(list(BODY_PART_PALETTE) + [[255, 255, 255]] * (256 - len(BODY_PART_PALETTE)),
                       np.uint8)
    return palette[seg][..., ::-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data', default='/tmp/rb_demo/train')
    parser.add_argument('--backgrounds', help='background folder or list')
    parser.add_argument('--num', type=int, default=4, help='samples (rows)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', default='work_dirs/random_background.png')
    args = parser.parse_args()
    if not osp.isdir(osp.join(args.data, 'images')):
        generate_split(args.data, args.num, seed=args.seed, size=(256, 192), previews=0)
    bg_root = args.backgrounds
    if bg_root is None:
        bg_root = osp.join(osp.dirname(osp.abspath(args.data)), 'rb_backgrounds')
        if not osp.isfile(osp.join(bg_root, 'backgrounds.txt')):
            write_synthetic_backgrounds(bg_root, 16, (300, 400), seed=args.seed + 100,
                                        progress=False)
    init_default_scope('mmseg')
    np.random.seed(args.seed)
    rb = dict(type='RandomBackground', background_root=bg_root, prob=1.0)
    plain = {t: build(t, args.data, []) for t in LOADERS}
    pasted = {'seg': build('seg', args.data, [dict(rb, harmonize_prob=1.0)]),
              'depth': build('depth', args.data, [rb]),
              'normal': build('normal', args.data, [rb])}
    rows = []
    for i in range(min(args.num, len(plain['seg']))):
        ref = {t: plain[t][i] for t in LOADERS}
        new = {t: pasted[t][i] for t in LOADERS}
        for t, key in (('seg', 'gt_seg_map'), ('depth', 'gt_depth_map'),
                       ('normal', 'gt_normal_map')):
            if not np.array_equal(ref[t][key], new[t][key]):
                raise AssertionError(f'{key} of sample {i} changed')
        rows.append(np.concatenate([
            ref['seg']['img'], new['seg']['img'], new['depth']['img'],
            colour_seg(ref['seg']['gt_seg_map']), colour_depth(ref['depth']['gt_depth_map']),
            colour_normal(ref['normal']['gt_normal_map'])], axis=1))
    grid = np.concatenate(rows, axis=0)
    w = grid.shape[1] // 6
    header = np.full((28, grid.shape[1], 3), 255, np.uint8)
    titles = ['as loaded', 'seg: RB + harmonise', 'depth/normal: RB', 'parts (same)',
              'depth (same)', 'normals (same)']
    for k, title in enumerate(titles):
        cv2.putText(header, title, (k * w + 4, 19), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1,
                    cv2.LINE_AA)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    cv2.imwrite(args.out, np.concatenate([header, grid], axis=0))
    print(f'{len(rows)} samples: labels identical before and after; picture: {args.out}')


if __name__ == '__main__':
    main()

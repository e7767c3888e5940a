"""Small COCO-style 308-keypoint data sets written in-test."""
import json
import os

import cv2
import numpy as np

from sapiens_mm.datasets.pose import load_goliath_extras


def goliath_names():
    from mmengine.config import Config
    from sapiens_mm.datasets.pose import GOLIATH_METAINFO
    info = Config.fromfile(GOLIATH_METAINFO).dataset_info
    return [info['keypoint_info'][i]['name'] for i in range(len(info['keypoint_info']))]


def write_goliath_coco(root, num_images=2, persons=2, k=308, seed=0, size=(96, 128)):
    """Images + ``annotations.json`` with ``persons`` people per image; returns the json path.

    Keypoints lie inside each person's box; about 20% are unlabelled (v=0), the rest visible.
    """
    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(root, 'images'), exist_ok=True)
    h, w = size
    images, anns = [], []
    for i in range(num_images):
        name = f'images/{i:06d}.png'
        cv2.imwrite(os.path.join(root, name), rng.integers(0, 255, (h, w, 3), dtype=np.uint8))
        images.append(dict(id=i + 1, file_name=name, height=h, width=w))
        for p in range(persons):
            bw, bh = rng.uniform(20, w / 2), rng.uniform(40, h / 2)
            x0, y0 = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
            xy = np.stack([rng.uniform(x0, x0 + bw, k), rng.uniform(y0, y0 + bh, k)], 1)
            v = np.where(rng.random(k) < 0.8, 2, 0)
            xy[v == 0] = 0
            kpts = np.concatenate([xy, v[:, None]], 1).reshape(-1)
            anns.append(dict(id=len(anns) + 1, image_id=i + 1, category_id=1, iscrowd=0,
                             bbox=[x0, y0, bw, bh], area=bw * bh,
                             num_keypoints=int((v > 0).sum()),
                             keypoints=[float(x) for x in kpts]))
    path = os.path.join(root, 'annotations.json')
    with open(path, 'w') as f:
        json.dump(dict(images=images, annotations=anns,
                       categories=[dict(id=1, name='person', supercategory='person')]), f)
    return path


def goliath_to_wholebody(gt: dict) -> dict:
    """A COCO-WholeBody file holding the name-matched points of a 308-keypoint file."""
    mapping = load_goliath_extras()['coco_wholebody_to_goliath']
    out = dict(gt, annotations=[])
    fields = [('keypoints', 0, 17), ('foot_kpts', 17, 23), ('face_kpts', 23, 91),
              ('lefthand_kpts', 91, 112), ('righthand_kpts', 112, 133)]
    for ann in gt['annotations']:
        g = np.asarray(ann['keypoints']).reshape(-1, 3)
        wb = np.zeros((133, 3))
        for wb_i, g_i in mapping.items():
            wb[wb_i] = g[g_i]
        new = {k: v for k, v in ann.items() if k != 'keypoints'}
        for name, a, b in fields:
            new[name] = wb[a:b].reshape(-1).tolist()
            new[name.replace('kpts', 'valid') if name != 'keypoints' else 'body_valid'] = True
        new['segmentation'] = []
        for box in ('face_box', 'lefthand_box', 'righthand_box'):
            new[box] = [0, 0, 0, 0]
        out['annotations'].append(new)
    return out


def write_downstream_pose_config(path, base, data_root, batch_size=2):
    """A lab's config at ``path`` inheriting ``base`` (a file or ``sapiens_mm::...``): trains one
    epoch on the COCO file of ``data_root`` (as :func:`write_goliath_coco` writes it), no
    validation or test, a checkpoint after the epoch."""
    import textwrap
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    with open(path, 'w') as f:
        f.write(textwrap.dedent(f"""
            _base_ = [{base!r}]
            custom_imports = dict(imports=['sapiens_mm'], allow_failed_imports=False)
            train_dataloader = dict(batch_size={batch_size}, num_workers=0,
                                    persistent_workers=False,
                                    dataset=dict(data_root={str(data_root) + '/'!r},
                                                 ann_file='annotations.json'))
            train_cfg = dict(max_epochs=1, val_interval=100)
            val_dataloader = None
            val_cfg = None
            val_evaluator = None
            test_dataloader = None
            test_cfg = None
            test_evaluator = None
            default_hooks = dict(logger=dict(interval=1),
                                 checkpoint=dict(interval=1, save_best=None))
            """))
    return str(path)

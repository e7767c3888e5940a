"""Pictures of real tools/test.py runs: pose with --show-dir, dense tasks to TensorBoard and with
--show-dir (untrained tiny models on small fixture data)."""
import glob
import os
import os.path as osp
import pickle
import subprocess
import sys
import textwrap

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from tests.helpers.dense_data import write_dense_humans
from tests.helpers.pose_data import write_goliath_coco

POSE = 'configs/sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py'
DENSE = {
    'seg': 'configs/sapiens_seg/synthetic/sapiens_tiny_seg_synthetic-128x96.py',
    'depth': 'configs/sapiens_depth/synthetic/sapiens_tiny_depth_synthetic-128x96.py',
    'normal': 'configs/sapiens_normal/synthetic/sapiens_tiny_normal_synthetic-256x192.py',
}
# the documented two-line change that adds TensorBoard to a config's vis backends
TENSORBOARD_LINES = """
vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
"""


def run(args, cwd):
    out = subprocess.run([sys.executable] + [str(a) for a in args], capture_output=True,
                         text=True, cwd=cwd, timeout=600)
    assert out.returncode == 0, (out.stdout[-3000:], out.stderr[-3000:])
    return out


def pose_config(tmp_path, repo_root):
    """The tiny pose config on 2 images x 2 persons of 128x96, without flip test, seeded."""
    data = tmp_path / 'data'
    write_goliath_coco(data, num_images=2, persons=2, size=(128, 96), seed=4)
    cfg = tmp_path / 'pose.py'
    cfg.write_text(textwrap.dedent(f"""
        _base_ = [{osp.join(repo_root, POSE)!r}]
        test_dataloader = dict(batch_size=2, num_workers=0, dataset=dict(
            data_root={str(data) + '/'!r}, ann_file='annotations.json'))
        test_evaluator = dict(ann_file={str(data / 'annotations.json')!r})
        model = dict(test_cfg=dict(flip_test=False))
        randomness = dict(seed=0)  # the same untrained weights in every run
        """))
    return cfg


def test_pose_show_dir_draws_every_sample_with_keypoint_colours(tmp_path, repo_root):
    cfg = pose_config(tmp_path, repo_root)
    preds = tmp_path / 'preds.pkl'
    run(['tools/test.py', cfg, 'none', '--work-dir', tmp_path / 'w0', '--out', preds], repo_root)
    with open(preds, 'rb') as f:
        results = pickle.load(f)
    assert len(results) == 4  # one per person box

    # Draw only the best keypoint of one sample (kpt_thr between its two best scores), so no
    # link and no other keypoint covers it; the box is drawn last, so one off its outline.
    for index, result in enumerate(results):
        inst = result['pred_instances']
        xy, scores, box = inst['keypoints'][0], np.asarray(inst['keypoint_scores'][0]), \
            inst['bboxes'][0]
        best, second = np.argsort(scores)[::-1][:2]
        x, y = (int(v) for v in xy[best])
        if min(abs(x - box[0]), abs(x - box[2]), abs(y - box[1]), abs(y - box[3])) > 4:
            break
    else:
        pytest.fail('every sample\'s best keypoint lies on its box outline')
    thr = float((scores[best] + scores[second]) / 2)
    stem = osp.splitext(osp.basename(result['img_path']))[0]
    nth = sum(r['img_path'] == result['img_path'] for r in results[:index])

    show = tmp_path / 'show'
    run(['tools/test.py', cfg, 'none', '--work-dir', tmp_path / 'w1', '--show-dir', show,
         '--cfg-options', f'default_hooks.visualization.kpt_thr={thr}'], repo_root)
    pictures = sorted(os.listdir(show))
    assert pictures == ['000000_0.png', '000000_1.png', '000001_0.png', '000001_1.png']
    picture = cv2.imread(str(show / f'{stem}_{nth}.png'))
    source = cv2.imread(result['img_path'])
    assert picture.shape == source.shape
    meta = Config.fromfile(osp.join(repo_root, 'configs/_base_/metainfo/goliath.py'))
    rgb = meta.dataset_info['keypoint_info'][int(best)]['color']
    assert picture[y, x].tolist() == list(rgb[::-1])  # BGR on disk
    assert picture[y, x].tolist() != source[y, x].tolist()
    changed = np.any(picture != source, axis=2)
    # one filled keypoint disc (radius 3: 29 px) plus the box outline, nothing else
    outline = 2 * ((box[2] - box[0]) + (box[3] - box[1]))
    assert 20 <= changed.sum() <= 29 + outline + 8


def _event_images(log_dir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    events = glob.glob(osp.join(log_dir, '**', 'events.out.tfevents.*'), recursive=True)
    assert events, f'no TensorBoard event file under {log_dir}'
    images = {}
    for path in events:
        acc = EventAccumulator(path, size_guidance={'images': 0})
        acc.Reload()
        for tag in acc.Tags()['images']:
            for event in acc.Images(tag):
                buf = np.frombuffer(event.encoded_image_string, np.uint8)
                images[tag] = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return images


def dense_options(data):
    return ['--cfg-options', f'test_dataloader.dataset.data_root={data}',
            'test_dataloader.num_workers=0', 'model.decode_head.channels=16']


@pytest.mark.parametrize('task', sorted(DENSE))
def test_dense_pictures_reach_tensorboard(tmp_path, repo_root, task):
    data = tmp_path / 'val'
    write_dense_humans(data, 2, size=(80, 64), seed=1)
    cfg = tmp_path / f'{task}_tb.py'
    cfg.write_text(f'_base_ = [{osp.join(repo_root, DENSE[task])!r}]\n' + TENSORBOARD_LINES)
    work = tmp_path / 'work'
    run(['tools/test.py', cfg, 'none', '--work-dir', work] + dense_options(data), repo_root)
    images = _event_images(work)
    assert sorted(images) == ['test_000000.png', 'test_000001.png']
    for sid in ('000000', '000001'):
        picture = images[f'test_{sid}.png']
        source = cv2.imread(str(data / 'images' / f'{sid}.png'))
        assert picture.shape == (80, 3 * 64, 3)  # image | ground truth | prediction
        assert np.abs(picture[:, :64].astype(int) - source).max() <= 2  # lossless PNG panel
        assert not np.array_equal(picture[:, 64:128], picture[:, 128:])
    # the LocalVisBackend of the default runtime still writes its PNGs
    local = sorted(osp.basename(p) for p in glob.glob(str(work / '*' / 'vis_data' / 'vis_image'
                                                           / '*.png')))
    assert local == ['test_000000.png_1.png', 'test_000001.png_2.png']


def test_dense_show_dir_writes_every_test_image(tmp_path, repo_root):
    data = tmp_path / 'val'
    write_dense_humans(data, 3, size=(80, 64), seed=2)
    show = tmp_path / 'show'
    run(['tools/test.py', DENSE['depth'], 'none', '--work-dir', tmp_path / 'work',
         '--show-dir', show, '--cfg-options', 'default_hooks.visualization.max_images=1',
         'default_hooks.visualization.interval=5'] + dense_options(data)[1:], repo_root)
    # --show-dir wins over the config's budget and interval: every test image, as a file
    assert sorted(os.listdir(show / 'test')) == ['000000.png', '000001.png', '000002.png']
    picture = cv2.imread(str(show / 'test' / '000001.png'))
    assert picture.shape == (80, 3 * 64, 3)
    gt = np.load(data / 'depth' / '000001.npy')
    off = gt <= 0
    assert (picture[:, 64:128][off] == 100).all()  # ground-truth panel: grey off the person
    assert not (picture[:, 64:128][~off] == 100).all(axis=1).any()

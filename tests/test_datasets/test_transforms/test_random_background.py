"""RandomBackground on the three dense datasets: labels unchanged, person pixels kept, the rest
replaced by the background; mask sources, probability, harmonisation and errors."""
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, TRANSFORMS

from tests.helpers.dense_data import write_dense_humans

#: background file -> its constant BGR colour
COLOURS = {'red.png': (0, 0, 250), 'green.jpg': (0, 250, 0), 'sub/blue.png': (250, 0, 0)}
TASKS = {
    'seg': ('BodyPartSegDataset', 'LoadBodyPartAnnotations', {}),
    'depth': ('HumanDepthDataset', 'LoadHumanDepth', {}),
    'normal': ('HumanNormalDataset', 'LoadHumanNormal', dict(normal_convention='opencv')),
}


@pytest.fixture
def backgrounds(tmp_path):
    root = tmp_path / 'backgrounds'
    for name, colour in COLOURS.items():
        (root / osp.dirname(name)).mkdir(parents=True, exist_ok=True)
        size = (10, 7) if name.endswith('jpg') else (300, 500)  # smaller and larger than images
        cv2.imwrite(str(root / name), np.full(size + (3, ), colour, np.uint8))
    return str(root)


def build_transform(**kw):
    init_default_scope('mmseg')
    return TRANSFORMS.build(dict(type='RandomBackground', **kw))


def dataset(task, root, extra=()):
    init_default_scope('mmseg')
    ds_type, loader, kw = TASKS[task]
    pipeline = [dict(type='LoadImageFromFile'), dict(type=loader), *extra]
    return DATASETS.build(dict(type=ds_type, data_root=str(root), pipeline=pipeline, **kw))


def colour_of(path):
    return next(np.array(c) for n, c in COLOURS.items() if path.endswith(n))


@pytest.mark.parametrize('task', list(TASKS))
def test_labels_unchanged_inside_kept_outside_replaced(tmp_path, backgrounds, task):
    data = tmp_path / 'data'
    write_dense_humans(data, 4, size=(64, 48), seed=1)
    np.random.seed(0)
    plain = dataset(task, data)
    pasted = dataset(task, data, [dict(type='RandomBackground', background_root=backgrounds,
                                       prob=1.0)])
    used = set()
    for i in range(len(plain)):
        ref, out = plain[i], pasted[i]
        if task == 'seg':  # no mask file: the person is every pixel not labelled background
            mask = ref['gt_seg_map'] != 0
            assert (ref['gt_seg_map'] == 255).any() and mask[ref['gt_seg_map'] == 255].all()
        else:
            mask = cv2.imread(str(data / 'mask' / f'{i:06d}.png'), cv2.IMREAD_UNCHANGED) > 127
        for key in ref['seg_fields']:
            np.testing.assert_array_equal(out[key], ref[key])
        assert out['seg_fields'] == ref['seg_fields']
        np.testing.assert_array_equal(out['img'][mask], ref['img'][mask])
        outside = out['img'][~mask].astype(int)
        assert np.abs(outside - colour_of(out['background_path'])).max() <= 3  # JPEG rounding
        assert not np.array_equal(out['img'][~mask], ref['img'][~mask])
        used.add(out['background_path'])
    assert len(used) >= 2  # drawn at random


def test_mask_file_keeps_depth_holes_on_the_person(tmp_path, backgrounds):
    data = tmp_path / 'data'
    write_dense_humans(data, 1, size=(64, 48), seed=2)
    depth = np.load(data / 'depth' / '000000.npy')
    mask = cv2.imread(str(data / 'mask' / '000000.png'), cv2.IMREAD_UNCHANGED) > 127
    ys, xs = np.nonzero(mask)
    hole = (ys[len(ys) // 2], xs[len(xs) // 2])
    depth[hole] = 0  # a hole in the scan, on the person
    np.save(data / 'depth' / '000000.npy', depth)
    ref = dataset('depth', data)[0]
    for source, kept in (('auto', True), ('mask_file', True), ('depth', False)):
        out = dataset('depth', data, [dict(type='RandomBackground', prob=1.0,
                                           background_root=backgrounds,
                                           mask_source=source)])[0]
        assert np.array_equal(out['img'][hole], ref['img'][hole]) == kept, source
        assert out['gt_depth_map'][hole] == 0
        np.testing.assert_array_equal(out['gt_depth_map'], ref['gt_depth_map'])


def sample(h=32, w=24):
    rng = np.random.default_rng(0)
    seg = np.zeros((h, w), np.uint8)
    seg[8:24, 6:18] = 21
    seg[2, 2] = 5  # labelled, but not on the person's normal map below
    normal = np.zeros((h, w, 3), np.float32)
    normal[8:24, 6:18] = (0, 0, -1)
    return dict(img=rng.integers(0, 255, (h, w, 3), dtype=np.uint8), gt_seg_map=seg,
                gt_normal_map=normal, seg_fields=['gt_seg_map', 'gt_normal_map'],
                img_path='x.png')


def test_labels_outside_the_mask_become_background(backgrounds):
    t = build_transform(background_root=backgrounds, prob=1.0, mask_source='normal')
    out = t(sample())
    assert out['gt_seg_map'][2, 2] == 0  # the pixel now shows the background
    assert (out['gt_seg_map'][8:24, 6:18] == 21).all()
    assert (out['gt_seg_map'] != 0).sum() == 16 * 12


def test_probability(backgrounds):
    np.random.seed(1)
    never = build_transform(background_root=backgrounds, prob=0.0)
    s = sample()
    out = never(dict(s))
    assert out['background_path'] is None and out['img'] is s['img']
    half = build_transform(background_root=backgrounds, prob=0.5)
    applied = sum(half(sample())['background_path'] is not None for _ in range(200))
    assert 70 <= applied <= 130  # binomial(200, 0.5): mean 100, sd 7


def test_harmonisation_moves_the_person_towards_the_background(backgrounds):
    s = sample()
    mask = s['gt_seg_map'] == 21
    kw = dict(background_root=backgrounds, prob=1.0, mask_source='normal',
              flip_background=False)
    np.random.seed(3)
    plain = build_transform(**kw)(dict(s))
    np.random.seed(3)
    harm = build_transform(harmonize_prob=1.0, harmonize_strength=1.0, **kw)(dict(s))
    assert harm['background_path'] == plain['background_path']
    np.testing.assert_array_equal(harm['img'][~mask], plain['img'][~mask])
    np.testing.assert_array_equal(harm['gt_seg_map'], plain['gt_seg_map'])
    np.testing.assert_array_equal(harm['gt_normal_map'], plain['gt_normal_map'])

    def lab_mean(img, m):
        return cv2.cvtColor(img.astype(np.float32) / 255, cv2.COLOR_BGR2LAB)[m].mean(0)

    bg = lab_mean(plain['img'], ~mask)
    before = np.linalg.norm(lab_mean(plain['img'], mask) - bg)
    after = np.linalg.norm(lab_mean(harm['img'], mask) - bg)
    assert after < 0.2 * before
    assert harm['img'].dtype == np.uint8


def test_errors(tmp_path, backgrounds):
    with pytest.raises(FileNotFoundError, match=r'(?s)nowhere.*make_background_set\.py'):
        build_transform(background_root=str(tmp_path / 'nowhere'))
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='no background image'):
        build_transform(background_root=str(tmp_path / 'empty'))
    t = build_transform(background_root=backgrounds, prob=1.0)
    s = sample()
    s['img'] = cv2.resize(s['img'], (48, 64))  # resized before RandomBackground
    with pytest.raises(ValueError, match='right after the loading'):
        t(s)
    with pytest.raises(KeyError, match='no person mask'):
        t(dict(img=s['img'], seg_fields=[], img_path='x.png'))
    with pytest.raises(ValueError, match='mask_source'):
        build_transform(background_root=backgrounds, mask_source='edges')


@pytest.mark.parametrize('task,prob,harmonize', [('seg', 0.8, 1.0), ('depth', 0.5, 0.0),
                                                 ('normal', 0.5, 0.0)])
def test_full_size_configs_paste_right_after_loading(repo_root, task, prob, harmonize):
    cfg = Config.fromfile(osp.join(repo_root, f'configs/_base_/datasets/humans_{task}-1024x768.py'))
    steps = cfg.train_pipeline
    assert [s['type'] for s in steps[:2]] == ['LoadImageFromFile', TASKS[task][1]]
    rb = steps[2]
    assert rb['type'] == 'RandomBackground' and rb['background_root'] == 'data/backgrounds'
    assert rb['prob'] == prob and rb.get('harmonize_prob', 0.0) == harmonize
    assert cfg.train_dataloader.dataset.pipeline[2] == rb

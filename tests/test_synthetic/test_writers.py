"""The on-disk layout of a split, its COCO files, determinism and the CLI."""
import filecmp
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
from xtcocotools.coco import COCO

from sapiens_mm.synthetic import generate_split, render_sample
from sapiens_mm.synthetic.vocab import coco17_indices, wholebody_to_goliath

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIZE, NUM, SEED = (96, 64), 6, 3


def _rle_decode(rle):
    """Uncompressed COCO RLE -> (H, W) uint8 mask (xtcocotools' compiled mask module does not
    load under numpy 2 here, so this is done by hand)."""
    h, w = rle['size']
    values = np.repeat(np.arange(len(rle['counts'])) % 2, rle['counts']).astype(np.uint8)
    return values.reshape(w, h).T


@pytest.fixture(scope='module')
def split(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('synthetic') / 'split')
    meta = generate_split(out, NUM, seed=SEED, size=SIZE, max_people=3, workers=1, previews=2,
                          progress=False)
    return out, meta


def test_layout_and_arrays(split):
    out, meta = split
    h, w = SIZE
    for i in range(NUM):
        name = f'{i:06d}'
        img = cv2.imread(os.path.join(out, 'images', name + '.png'), cv2.IMREAD_UNCHANGED)
        seg = cv2.imread(os.path.join(out, 'seg', name + '.png'), cv2.IMREAD_UNCHANGED)
        mask = cv2.imread(os.path.join(out, 'mask', name + '.png'), cv2.IMREAD_UNCHANGED)
        bg = cv2.imread(os.path.join(out, 'backgrounds', name + '.png'), cv2.IMREAD_UNCHANGED)
        depth = np.load(os.path.join(out, 'depth', name + '.npy'))
        normal = np.load(os.path.join(out, 'normal', name + '.npy'))
        assert img.shape == bg.shape == (h, w, 3) and img.dtype == np.uint8
        assert seg.shape == mask.shape == (h, w) and seg.dtype == mask.dtype == np.uint8
        assert depth.shape == (h, w) and depth.dtype == np.float32
        assert normal.shape == (h, w, 3) and normal.dtype == np.float32
        assert seg.max() <= 27 and set(np.unique(mask)) <= {0, 255}
        np.testing.assert_array_equal(mask == 255, seg > 0)
        np.testing.assert_array_equal(depth > 0, seg > 0)
        # the files hold exactly the render of (seed, id); images are BGR on disk
        _, r = render_sample(SEED, i, SIZE, 3)
        np.testing.assert_array_equal(img[..., ::-1], r['image'])
        np.testing.assert_array_equal(bg[..., ::-1], r['background'])
        np.testing.assert_array_equal(seg, r['seg'])
        np.testing.assert_array_equal(depth, r['depth'])
        np.testing.assert_array_equal(normal, r['normal'])
        np.testing.assert_array_equal(img[seg == 0], bg[seg == 0])
    previews = sorted(os.listdir(os.path.join(out, 'preview')))
    assert previews == ['000000.png', '000001.png']
    assert cv2.imread(os.path.join(out, 'preview', previews[0])).shape == (h, 5 * w, 3)
    with open(os.path.join(out, 'meta.json')) as f:
        on_disk = json.load(f)
    assert on_disk['seed'] == SEED and on_disk['size'] == list(SIZE)
    assert on_disk['num_images'] == NUM and on_disk['keypoints_covered'] == 308
    assert sum(on_disk['class_histogram'].values()) == NUM * h * w
    assert on_disk['classes_absent'] == []


@pytest.mark.parametrize('kind,num_kpts', [('goliath_308', 308), ('coco_17', 17),
                                           ('coco_wholebody_133', 133)])
def test_coco_files_load_with_xtcocotools(split, kind, num_kpts):
    out, meta = split
    coco = COCO(os.path.join(out, 'annotations', kind + '.json'))
    assert sorted(coco.getImgIds()) == list(range(NUM))
    for img in coco.loadImgs(coco.getImgIds()):
        assert os.path.isfile(os.path.join(out, img['file_name']))
        assert (img['height'], img['width']) == SIZE
    cat = coco.loadCats(1)[0]
    assert cat['name'] == 'person'
    assert len(cat['keypoints']) == (308 if kind == 'goliath_308' else 17)
    links = np.array(cat['skeleton'])
    assert links.min() >= 1 and links.max() <= len(cat['keypoints'])
    anns = coco.loadAnns(coco.getAnnIds())
    assert len(anns) == meta['num_annotations'] > 0
    for ann in anns:
        if kind == 'coco_wholebody_133':
            parts = ('keypoints', 'foot_kpts', 'face_kpts', 'lefthand_kpts', 'righthand_kpts')
            kpts = np.concatenate([ann[p] for p in parts])
            assert [len(ann[p]) // 3 for p in parts] == [17, 6, 68, 21, 21]
            for key in ('body_valid', 'foot_valid', 'face_valid', 'lefthand_valid',
                        'righthand_valid', 'face_box', 'lefthand_box', 'righthand_box'):
                assert key in ann
        else:
            kpts = np.array(ann['keypoints'])
        kpts = np.asarray(kpts, float).reshape(-1, 3)
        assert len(kpts) == num_kpts
        assert set(np.unique(kpts[:, 2])) <= {0, 1, 2}
        assert (kpts[kpts[:, 2] == 0, :2] == 0).all()
        x, y, w, h = ann['bbox']
        assert min(w, h) >= 8 and ann['iscrowd'] == 0 and ann['category_id'] == 1
        mask = _rle_decode(ann['segmentation'])
        assert mask.sum() == ann['area']
        rows, cols = np.nonzero(mask)
        assert [cols.min(), rows.min(), cols.max() - cols.min() + 1,
                rows.max() - rows.min() + 1] == [x, y, w, h]


def test_the_three_files_describe_the_same_people(split):
    out, _ = split
    load = {k: json.load(open(os.path.join(out, 'annotations', k + '.json')))
            for k in ('goliath_308', 'coco_17', 'coco_wholebody_133')}
    gol = load['goliath_308']['annotations']
    assert [a['id'] for a in gol] == [a['id'] for a in load['coco_17']['annotations']] == \
        [a['id'] for a in load['coco_wholebody_133']['annotations']]
    mapping = wholebody_to_goliath()
    assert len(mapping) == 53
    for g, c, wb in zip(gol, load['coco_17']['annotations'],
                        load['coco_wholebody_133']['annotations']):
        kg = np.array(g['keypoints']).reshape(-1, 3)
        assert (kg[:, 2] == 2).sum() >= 1
        assert g['num_keypoints'] == (kg[:, 2] > 0).sum()
        np.testing.assert_array_equal(np.array(c['keypoints']).reshape(-1, 3),
                                      kg[coco17_indices()])
        kw = np.concatenate([wb[p] for p in ('keypoints', 'foot_kpts', 'face_kpts',
                                              'lefthand_kpts', 'righthand_kpts')]).reshape(-1, 3)
        for i in range(133):
            np.testing.assert_array_equal(kw[i], kg[mapping[i]] if i in mapping else 0)
        assert not wb['face_valid']  # no COCO-WB face point has a Goliath name


def test_annotations_match_the_renders(split):
    """Kept people are exactly those with a box of >= 8 px and a visible keypoint."""
    out, _ = split
    anns = json.load(open(os.path.join(out, 'annotations', 'goliath_308.json')))['annotations']
    for i in range(NUM):
        _, r = render_sample(SEED, i, SIZE, 3)
        kept = [p for p in range(len(r['keypoints'])) if r['areas'][p] > 0
                and min(r['bboxes'][p][2:]) >= 8 and (r['keypoints'][p][:, 2] == 2).any()]
        mine = [a for a in anns if a['image_id'] == i]
        assert len(mine) == len(kept)
        for a, p in zip(mine, kept):
            np.testing.assert_allclose(np.array(a['keypoints']).reshape(-1, 3),
                                       np.where(r['keypoints'][p][:, 2:] > 0,
                                                r['keypoints'][p], 0), atol=1e-3)


def test_same_seed_same_bytes_any_workers(split, tmp_path):
    out, _ = split
    other = str(tmp_path / 'again')
    generate_split(other, NUM, seed=SEED, size=SIZE, max_people=3, workers=2, previews=2,
                   progress=False)
    for sub in ('images', 'seg', 'mask', 'depth', 'normal', 'backgrounds', 'annotations',
                'preview'):
        names = sorted(os.listdir(os.path.join(out, sub)))
        assert names == sorted(os.listdir(os.path.join(other, sub)))
        _, mismatch, errors = filecmp.cmpfiles(os.path.join(out, sub), os.path.join(other, sub),
                                               names, shallow=False)
        assert not mismatch and not errors, (sub, mismatch)
    assert filecmp.cmp(os.path.join(out, 'meta.json'), os.path.join(other, 'meta.json'),
                       shallow=False)
    _, a = render_sample(SEED + 1, 0, SIZE, 3)
    _, b = render_sample(SEED, 0, SIZE, 3)
    assert not np.array_equal(a['image'], b['image'])


def test_cli_writes_a_tiny_split(tmp_path):
    out = tmp_path / 'cli'
    proc = subprocess.run(
        [sys.executable, os.path.join(REPO, 'tools', 'make_synthetic_humans.py'), '--out',
         str(out), '--num', '3', '--seed', '1', '--size', '64', '48', '--max-people', '2',
         '--previews', '1', '--pitch-range', '10', '25', '--fov-range', '50', '50'],
        capture_output=True, text=True, cwd=str(tmp_path), timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert 'images/s' in proc.stdout
    assert sorted(os.listdir(out / 'images')) == ['000000.png', '000001.png', '000002.png']
    assert (out / 'annotations' / 'coco_wholebody_133.json').is_file()
    meta = json.loads((out / 'meta.json').read_text())
    assert meta['max_people'] == 2 and meta['pitch_range'] == [10, 25]
    assert meta['fov_range'] == [50, 50]
    for i in range(3):  # one camera: the focal length of a 50-degree vertical field of view
        K = np.loadtxt(out / 'camera_intrinsics' / f'{i:06d}.txt')
        assert K[0, 0] == pytest.approx(32 / np.tan(np.deg2rad(25)))
    assert cv2.imread(str(out / 'images' / '000002.png')).shape == (64, 48, 3)


def test_cli_rejects_a_reversed_pitch_range(tmp_path):
    proc = subprocess.run(
        [sys.executable, os.path.join(REPO, 'tools', 'make_synthetic_humans.py'), '--out',
         str(tmp_path / 'x'), '--num', '1', '--pitch-range', '25', '10'],
        capture_output=True, text=True, cwd=str(tmp_path), timeout=300)
    assert proc.returncode == 2 and '--pitch-range' in proc.stderr
    assert not (tmp_path / 'x').exists()


@pytest.mark.parametrize('fov', [('60', '40'), ('2', '10'), ('30', '170')])
def test_cli_rejects_a_bad_fov_range(tmp_path, capsys, fov):
    from sapiens_mm.cli.make_synthetic_humans import main
    with pytest.raises(SystemExit) as e:
        main(['--out', str(tmp_path / 'x'), '--num', '1', '--fov-range', *fov])
    assert e.value.code == 2 and '--fov-range' in capsys.readouterr().err
    assert not (tmp_path / 'x').exists()

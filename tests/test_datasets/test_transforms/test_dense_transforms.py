"""Flip (class swaps, normal x negation), rotation, crop, depth target and packing."""
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmseg.registry import TRANSFORMS

from sapiens_mm.datasets.body_part_classes import BODY_PART_FLIP_PAIRS


def build(type, **kw):
    init_default_scope('mmseg')
    return TRANSFORMS.build(dict(type=type, **kw))


def sample(h=8, w=6):
    rng = np.random.default_rng(0)
    seg = np.zeros((h, w), np.uint8)
    seg[:, :w // 2] = 4  # Left_Foot on the left half
    seg[0, 0] = 10  # Left_Upper_Arm
    depth = np.zeros((h, w), np.float32)
    depth[2:6, 1:5] = 4.0  # a label value, to catch label swaps in the wrong map
    depth[2, 1] = 13.0
    normal = rng.normal(size=(h, w, 3)).astype(np.float32)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    return dict(img=rng.integers(0, 255, (h, w, 3), dtype=np.uint8), gt_seg_map=seg,
                gt_depth_map=depth, gt_normal_map=normal, img_shape=(h, w),
                seg_fields=['gt_seg_map', 'gt_depth_map', 'gt_normal_map'])


def test_upstream_flip_swaps_left_right_classes():
    flip = build('RandomFlip', prob=1.0, swap_seg_labels=[list(p) for p in BODY_PART_FLIP_PAIRS])
    s = sample()
    seg = flip(dict(img=s['img'], gt_seg_map=s['gt_seg_map'].copy(),
                    seg_fields=['gt_seg_map']))['gt_seg_map']
    assert (seg[:, 3:] == 13).sum() == 8 * 3 - 1 and seg[0, 5] == 19  # Right_Upper_Arm
    assert (seg[:, :3] == 0).all()


def test_dense_flip_swaps_labels_only_and_negates_normal_x():
    flip = build('DenseRandomFlip', prob=1.0,
                 swap_seg_labels=[list(p) for p in BODY_PART_FLIP_PAIRS])
    s = sample()
    out = flip({k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()})
    assert out['flip'] and out['flip_direction'] == 'horizontal'
    assert out['gt_seg_map'][0, 5] == 19 and out['gt_seg_map'][4, 5] == 13
    np.testing.assert_array_equal(out['gt_depth_map'], s['gt_depth_map'][:, ::-1])  # no swap
    expected = s['gt_normal_map'][:, ::-1] * np.array([-1, 1, 1], np.float32)
    np.testing.assert_array_equal(out['gt_normal_map'], expected)
    vflip = build('DenseRandomFlip', prob=1.0, direction='vertical')
    out = vflip({k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()})
    expected = s['gt_normal_map'][::-1] * np.array([1, -1, 1], np.float32)
    np.testing.assert_array_equal(out['gt_normal_map'], expected)


def radial_normals(h, w, k=3.0):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = (w - 1) / 2, (h - 1) / 2
    n = np.stack([xx - cx, yy - cy, np.full_like(xx, -k * 10)], axis=-1)
    return n / np.linalg.norm(n, axis=-1, keepdims=True)


@pytest.mark.parametrize('degree', [30.0, -50.0])
def test_rotation_turns_normals_with_the_image(degree):
    """A radial field about the rotation centre maps onto itself when the vectors turn with
    the image; leaving them unrotated (or turning them the wrong way) does not."""
    h, w = 61, 61
    field = radial_normals(h, w)
    results = dict(img=np.zeros((h, w, 3), np.uint8), gt_normal_map=field.copy(),
                   gt_depth_map=np.full((h, w), 2.5, np.float32),
                   seg_fields=['gt_normal_map', 'gt_depth_map'])
    out = build('DenseRandomRotate', prob=1.0, degree=(degree, degree))(results)
    rotated = out['gt_normal_map']
    yy, xx = np.mgrid[0:h, 0:w]
    r = np.hypot(xx - 30, yy - 30)
    inner = (r > 5) & (r < 25)
    cos = (rotated[inner] * field[inner]).sum(-1)
    assert np.degrees(np.arccos(np.clip(cos, -1, 1))).mean() < 3
    # depth is carried unchanged, the uncovered corners are padded with 0 (no target)
    depth = out['gt_depth_map']
    assert set(np.unique(depth)) == {0.0, 2.5} and (depth[inner] == 2.5).all()
    assert (np.linalg.norm(rotated[r > 43], axis=-1) == 0).all()


def test_rotation_pads_labels_and_depth_differently():
    h, w = 20, 20
    results = dict(img=np.zeros((h, w, 3), np.uint8), gt_seg_map=np.full((h, w), 3, np.uint8),
                   gt_depth_map=np.full((h, w), 2.0, np.float32),
                   seg_fields=['gt_seg_map', 'gt_depth_map'])
    out = build('DenseRandomRotate', prob=1.0, degree=(45, 45), seg_pad_val=255)(results)
    assert out['gt_seg_map'][0, 0] == 255 and out['gt_depth_map'][0, 0] == 0


def test_foreground_crop_keeps_the_person():
    depth = np.zeros((100, 100), np.float32)
    depth[80:100, 80:100] = 3.0  # a small person in a corner
    crop = build('ForegroundRandomCrop', crop_size=(30, 30), min_foreground_ratio=0.2,
                 max_tries=200)
    np.random.seed(0)
    for _ in range(5):
        out = crop(dict(img=np.zeros((100, 100, 3), np.uint8), gt_depth_map=depth.copy(),
                        seg_fields=['gt_depth_map']))
        assert out['img'].shape[:2] == (30, 30) and (out['gt_depth_map'] > 0).mean() >= 0.2


def test_depth_target_is_min_max_normalised_person_depth():
    depth = np.array([[0, 2.0, 3.0], [4.0, 0, 2.5]], np.float32)
    out = build('GenerateHumanDepthTarget')(dict(gt_depth_map=depth))['gt_depth_map']
    np.testing.assert_allclose(out, [[-1, 0, 0.5], [1, -1, 0.25]])
    flat = build('GenerateHumanDepthTarget')(
        dict(gt_depth_map=np.array([[0, 2.0]], np.float32)))['gt_depth_map']
    np.testing.assert_array_equal(flat, [[-1, 0]])


def test_pack_dense_inputs_packs_normals_channels_first():
    s = sample()
    packed = build('PackDenseInputs')(dict(img=s['img'], gt_normal_map=s['gt_normal_map'],
                                           gt_depth_map=s['gt_depth_map'], img_path='x.png'))
    data = packed['data_samples']
    assert data.gt_normal_map.data.shape == (3, 8, 6)
    np.testing.assert_array_equal(data.gt_normal_map.data.numpy(),
                                  s['gt_normal_map'].transpose(2, 0, 1))
    assert data.gt_depth_map.data.shape == (1, 8, 6)


def test_upstream_resize_moves_depth_and_normals_with_nearest():
    s = sample(8, 6)
    out = build('Resize', scale=(12, 16), keep_ratio=False)(s)
    assert out['img'].shape[:2] == (16, 12)
    assert out['gt_depth_map'].shape == (16, 12) and out['gt_normal_map'].shape == (16, 12, 3)
    assert set(np.unique(out['gt_depth_map'])) <= {0.0, 4.0, 13.0}


def test_foreground_crop_falls_back_to_upstream_for_labels():
    seg = np.zeros((40, 40), np.uint8)
    seg[:, 20:] = 5
    crop = build('ForegroundRandomCrop', crop_size=(20, 20), cat_max_ratio=0.75)
    out = crop(dict(img=np.zeros((40, 40, 3), np.uint8), gt_seg_map=seg,
                    seg_fields=['gt_seg_map']))
    assert out['gt_seg_map'].shape == (20, 20) and out['img_shape'] == (20, 20)

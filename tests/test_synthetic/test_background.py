"""The synthetic backgrounds: the floor is the ground plane seen by the scene's camera."""
import importlib.util
import os.path as osp

import cv2
import numpy as np

from sapiens_mm.datasets.transforms.random_background import list_background_files
from sapiens_mm.synthetic.background import (_ground_floor, make_background,
                                             write_synthetic_backgrounds)
from sapiens_mm.synthetic.camera import Camera, look_at_rotation

H, W = 96, 64


def _camera(pitch: float, height: float = 1.5, roll: float = 0.0) -> Camera:
    """A camera ``height`` m above the ground looking ``pitch`` radians down (world y up)."""
    forward = np.array([0.0, -np.sin(pitch), np.cos(pitch)])
    return Camera(H, W, 80.0, look_at_rotation(forward, roll), np.array([0.0, height, 0.0]))


def _floor(camera, tile=None) -> np.ndarray:
    img = np.zeros((H, W, 3), np.float32)
    _ground_floor(img, camera, np.full(3, 200, np.float32), tile, np.zeros(3, np.float32))
    return img[..., 0]


def test_a_level_camera_sees_the_floor_below_the_image_centre():
    floor = _floor(_camera(0.0)) > 0
    assert floor[H // 2:].all() and not floor[:H // 2].any()


def test_the_floor_fades_into_the_haze_towards_the_horizon():
    floor = _floor(_camera(0.0))
    column = floor[H // 2:, W // 2]  # from the horizon down to the camera's feet
    assert np.all(np.diff(column) > 0)
    assert column[-1] > 150 and column[0] < 20


def test_looking_down_raises_the_horizon_and_rolling_tilts_it():
    shares = [np.mean(_floor(_camera(p)) > 0) for p in (-0.2, 0.0, 0.2, 0.45)]
    assert np.all(np.diff(shares) > 0), shares
    # 26 deg down, 62 deg field of view: the horizon is 80 tan(26 deg) = 39 rows above the centre
    assert abs(shares[-1] - (H // 2 + 39) / H) < 0.02, shares
    tilted = _floor(_camera(0.0, roll=0.1)) > 0
    first_floor_row = tilted.argmax(0)  # per column
    assert first_floor_row[0] != first_floor_row[-1]


def test_tiles_and_no_floor_from_below_the_ground():
    tiled = _floor(_camera(0.3), tile=0.5)
    bottom = tiled[-20:]  # near the camera: squares of two shades
    assert bottom.max() - bottom.min() > 0.3 * 200 * 0.5
    assert not _floor(_camera(-0.2, height=-0.5)).any()


def test_the_camera_changes_only_the_floor_not_the_draws():
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    flat = make_background(rng_a, (H, W))
    seen = make_background(rng_b, (H, W), _camera(0.2))
    assert flat.shape == seen.shape == (H, W, 3) and flat.dtype == seen.dtype == np.uint8
    assert rng_a.random() == rng_b.random()


def test_synthetic_backgrounds_and_cli(tmp_path, repo_root):
    rels = write_synthetic_backgrounds(str(tmp_path / 'a'), 3, (40, 30), seed=1, progress=False)
    files = list_background_files(str(tmp_path / 'a'))
    assert files == [str(tmp_path / 'a' / r) for r in rels]
    imgs = [cv2.imread(f) for f in files]
    assert all(i.shape == (40, 30, 3) for i in imgs) and not np.array_equal(imgs[0], imgs[1])
    spec = importlib.util.spec_from_file_location(
        'make_background_set', osp.join(repo_root, 'tools', 'make_background_set.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tool.main(['synthetic', '--out', str(tmp_path / 'b'), '--num', '3', '--size', '40', '30',
               '--seed', '1'])
    for rel in rels:  # same seed, same images
        assert (tmp_path / 'a' / rel).read_bytes() == (tmp_path / 'b' / rel).read_bytes()

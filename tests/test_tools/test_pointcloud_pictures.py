"""tools/misc/pointcloud_pictures.py: depth-buffered orthographic views of point clouds, and
the pictures of the untrained tiny pointmap model on a fixture."""
import importlib.util
from pathlib import Path

import cv2
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'configs/sapiens2_pointmap/synthetic/sapiens2_tiny_pointmap_synthetic-128x96.py'


@pytest.fixture(scope='module')
def pictures():
    spec = importlib.util.spec_from_file_location(
        'pointcloud_pictures', REPO / 'tools' / 'misc' / 'pointcloud_pictures.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_nearer_point_hides_the_farther_one(pictures):
    points = np.array([[0.0, 0.0, 2.0], [0.0, 0.0, 3.0], [0.5, 0.5, 2.5]])
    red, blue, green = (0, 0, 255), (255, 0, 0), (0, 255, 0)
    colors = np.array([red, blue, green], np.uint8)
    centre = np.array([0.0, 0.0, 2.5])
    front = pictures.render_points(points, colors, 'camera view', centre, 1.0, (40, 40), 1)
    assert tuple(front[20, 20]) == red  # the blue point is behind it
    assert tuple(front[30, 30]) == green  # 0.5 m right and down at 20 px per metre
    assert (front.reshape(-1, 3).any(1)).sum() == 2
    side = pictures.render_points(points, colors, 'side view', centre, 1.0, (40, 40), 1)
    # seen from the side, depth runs to the right: the two points separate
    assert tuple(side[20, 10]) == red and tuple(side[20, 30]) == blue


def test_a_wrong_distance_shows_in_the_side_view_only(pictures):
    rng = np.random.default_rng(0)
    v, u = np.mgrid[0:32, 0:24]
    z = 2.0 + 0.01 * v
    gt = np.stack([(u - 12) * z / 40, (v - 16) * z / 40, z], axis=-1)
    mask = (u > 4) & (u < 20) & (v > 2) & (v < 30)
    image = rng.integers(0, 255, (32, 24, 3), dtype=np.uint8)
    far = gt + np.array([0, 0, 1.0])
    same, shifted = pictures.person_picture(image, gt, gt, mask), \
        pictures.person_picture(image, gt, far, mask)
    assert same.shape == shifted.shape == (20 + 256, 5 * (192 + 2), 3)
    w = 192 + 2
    panel = lambda pic, i: pic[20:, i * w:(i + 1) * w]  # noqa: E731
    for pic in (same, shifted):  # the ground truth does not depend on the prediction
        np.testing.assert_array_equal(panel(pic, 1), panel(same, 1))
    np.testing.assert_array_equal(panel(same, 2)[20:], panel(same, 1)[20:])  # labels differ
    np.testing.assert_array_equal(panel(shifted, 2)[20:], panel(same, 1)[20:])  # orthographic
    assert not np.array_equal(panel(shifted, 4)[20:], panel(shifted, 3)[20:])


def test_the_cli_draws_the_untrained_model(pictures, tmp_path, monkeypatch):
    from tests.helpers.pointmap_data import write_pointmap_humans
    write_pointmap_humans(tmp_path / 'val', 2, size=(64, 48), seed=2, image_dir='images')
    monkeypatch.setattr('sys.argv', ['pointcloud_pictures.py', str(CONFIG), 'none',
                                     str(tmp_path / 'val'), '--out', str(tmp_path / 'vis'),
                                     '--num', '5'])
    pictures.main()
    written = sorted(p.name for p in (tmp_path / 'vis').iterdir())
    assert written == ['000000_pointcloud.png', '000001_pointcloud.png']
    picture = cv2.imread(str(tmp_path / 'vis' / written[0]))
    assert picture.shape == (20 + 256, 5 * (192 + 2), 3)
    assert picture[20:, 194:2 * 194].any()  # the ground truth's camera view has points

"""The synthetic humans' camera files make exact pointmaps: the points rebuilt from the written
depth, intrinsics and extrinsics (the release's formula) lie on the renderer's 3-D body."""
import os

import numpy as np
import pytest

from sapiens_mm.datasets.transforms.pointmap_loading import read_camera_matrix
from sapiens_mm.datasets.transforms.pointmap_target import canonical_pointmap
from sapiens_mm.synthetic import generate_split, render_sample
from sapiens_mm.synthetic.solids import ELLIPSOID, TEX_PLAIN

SIZE, NUM, SEED = (96, 64), 3, 5


@pytest.fixture(scope='module')
def split(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('synthetic_pointmap') / 'split')
    generate_split(out, NUM, seed=SEED, size=SIZE, max_people=2, workers=1, previews=0,
                   progress=False)
    return out


def _surface_residual(solids, points, index):
    """How far (metres) each point is from the surface of its solid."""
    out = np.empty(len(points))
    ell = solids.kind[index] == ELLIPSOID
    i = index[ell]
    local = np.einsum('nji,nj->ni', solids.axes[i], points[ell] - solids.centre[i])
    # radial distance to the ellipsoid along the centre -> point direction
    scale = np.sqrt(((local / solids.radii[i]) ** 2).sum(1))
    out[ell] = np.linalg.norm(local, axis=1) * np.abs(1 - 1 / scale)
    i = index[~ell]
    pa, ba = solids.centre[i], solids.end_b[i] - solids.centre[i]
    rel = points[~ell] - pa
    h = np.clip(np.einsum('ni,ni->n', rel, ba) / np.einsum('ni,ni->n', ba, ba), 0, 1)
    out[~ell] = np.abs(np.linalg.norm(rel - h[:, None] * ba, axis=1) - solids.radii[i, 0])
    return out


def test_pointmap_from_the_files_lies_on_the_body(split):
    checked = 0
    for i in range(NUM):
        name = f'{i:06d}'
        scene, r = render_sample(SEED, i, SIZE, max_people=2)
        depth = np.load(os.path.join(split, 'depth', name + '.npy'))
        K = read_camera_matrix(os.path.join(split, 'camera_intrinsics', name + '.txt'),
                               (3, 3), 'K')
        xyz, s = canonical_pointmap(depth.astype(np.float64), K, None)
        assert s == 1.0
        fg = r['solid'] >= 0
        residual = _surface_residual(scene.solids, xyz[fg], r['solid'][fg])
        assert residual.max() < 2e-5  # float32 depth at a few metres
        # the same points through the canonical camera (focal 768) are s times larger
        canon, s768 = canonical_pointmap(depth.astype(np.float64), K, 768.0)
        assert s768 == pytest.approx(768.0 / scene.camera.f)
        np.testing.assert_allclose(canon[fg] / s768, xyz[fg], rtol=1e-12, atol=1e-12)
        # and they project back to their own pixels
        rows, cols = np.nonzero(fg)
        p = xyz[fg]
        np.testing.assert_allclose(K[0, 0] * p[:, 0] / p[:, 2] + K[0, 2], cols, atol=1e-6)
        np.testing.assert_allclose(K[1, 1] * p[:, 1] / p[:, 2] + K[1, 2], rows, atol=1e-6)
        checked += fg.sum()

        M = read_camera_matrix(os.path.join(split, 'camera_extrinsics', name + '.txt'),
                               (4, 4), 'M')
        R, t = M[:3, :3], M[:3, 3]
        np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-12)
        assert np.linalg.det(R) == pytest.approx(1.0)
        np.testing.assert_allclose(M @ np.append(scene.camera.pos, 1.0), [0, 0, 0, 1],
                                   atol=1e-12)
        centre = -R.T @ t
        assert centre[1] > 0  # world y up: the camera is above the ground
    assert checked > 500


def test_albedo_label_is_the_unshaded_colour(split):
    """The written albedo lights the image: image = round(255 * albedo * shading) with one
    grey shading factor per pixel, and albedo 0 off the person."""
    import cv2
    for i in range(NUM):
        name = f'{i:06d}'
        scene, r = render_sample(SEED, i, SIZE, max_people=2)
        written = cv2.imread(os.path.join(split, 'albedo', name + '.png'))[..., ::-1]
        np.testing.assert_array_equal(written, np.clip(np.rint(r['albedo'] * 255), 0, 255))
        fg = r['mask'] > 0
        assert (written[~fg] == 0).all()
        # one shading factor per pixel (least squares over RGB) explains the image to within
        # the 8-bit rounding
        alb, img = r['albedo'][fg].astype(np.float64), r['image'][fg].astype(np.float64)
        shading = (img * alb).sum(1) / np.maximum((alb * alb).sum(1), 1e-12) / 255
        lit = (alb.max(1) > 0.05) & (img.max(1) < 255)
        residual = np.abs(img - 255 * shading[:, None] * alb)[lit]
        assert lit.sum() > 100 and np.quantile(residual.max(1), 0.99) < 1.0
        assert (r['albedo'][fg] >= 0).all() and (r['albedo'][fg] <= 1).all()
        # on untextured solids the label is the solid's own colour, whatever the lighting
        sid = r['solid'][fg]
        plain = scene.solids.texture[sid] == TEX_PLAIN
        np.testing.assert_allclose(r['albedo'][fg][plain], scene.solids.colour[sid[plain]],
                                   atol=1e-6)
        assert plain.sum() > 100 and shading[plain].std() > 0.01  # shading varies, label not

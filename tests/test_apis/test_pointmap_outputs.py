"""Pointmap outputs: the .npy files, a PLY read back with the third-party ``plyfile`` reader,
the pictures, and the refusal to overwrite inputs."""
import os

import cv2
import numpy as np
import plyfile
import pytest

from sapiens_mm.apis.pointmap_outputs import (camera_marker, inverse_depth_picture,
                                              write_pointmap_outputs, write_ply)
from sapiens_mm.utils.fileio import OutputOverwritesInputError


def read_ply(path):
    """The vertices of the PLY at ``path`` as read by ``plyfile`` (an independent reader, as
    Open3D / MeshLab / trimesh users would open the file); nothing may follow them."""
    ply = plyfile.PlyData.read(str(path))
    assert not ply.text and ply.byte_order == '<' and [e.name for e in ply.elements] == ['vertex']
    vertex = ply['vertex'].data
    with open(path, 'rb') as f:
        data = f.read()
    assert len(data) == data.index(b'end_header\n') + len(b'end_header\n') + vertex.nbytes
    return vertex


def _scene(h=30, w=20):
    v, u = np.mgrid[0:h, 0:w].astype(np.float32)
    z = 2.0 + 0.01 * u
    pointmap = np.stack([(u - w / 2) * z / 25, (v - h / 2) * z / 25, z], axis=-1)
    image = np.zeros((h, w, 3), np.uint8)
    image[..., 0] = 200  # blue in BGR
    image[..., 2] = (u * 10).astype(np.uint8)  # red ramp
    mask = np.zeros((h, w), bool)
    mask[5:25, 4:16] = True
    return pointmap, image, mask


def test_files_and_ply(tmp_path):
    pointmap, image, mask = _scene()
    paths = write_pointmap_outputs(str(tmp_path), 'person', pointmap, image, mask)
    assert sorted(os.path.basename(p) for p in paths.values()) == [
        'person.ply', 'person_depth.npy', 'person_depth.png', 'person_normal.png',
        'person_pointmap.npy']
    saved = np.load(paths['pointmap'])
    assert saved.dtype == np.float32 and saved.shape == (30, 20, 3)
    np.testing.assert_array_equal(saved, pointmap)
    depth = np.load(paths['depth'])
    assert depth.dtype == np.float16
    np.testing.assert_allclose(depth, pointmap[..., 2], rtol=1e-3)
    vertex = read_ply(paths['ply'])
    n = int(mask.sum())
    assert len(vertex) == n + 500
    xyz = np.stack([vertex['x'], vertex['y'], vertex['z']], axis=1)
    np.testing.assert_array_equal(xyz[:n], pointmap[mask])
    rgb = np.stack([vertex['red'], vertex['green'], vertex['blue']], axis=1)
    np.testing.assert_array_equal(rgb[:n], image[mask][:, ::-1])  # RGB in the file
    np.testing.assert_allclose(np.linalg.norm(xyz[n:], axis=1), 0.05, rtol=1e-5)
    assert (rgb[n:] == [0, 0, 255]).all()
    pic = cv2.imread(paths['depth_picture'])
    assert pic.shape == (30, 20, 3) and (pic[~mask] == 100).all()
    normal = cv2.imread(paths['normal_picture'])
    # a plane facing the camera and tilting in x: normals mostly along -z rotated a little
    assert normal[15, 10, 0] < 60  # B = z channel: (z + 1) / 2 * 255 with z about -1


def test_inverse_depth_colours_follow_the_release_bounds():
    depth = np.array([[0.05, 1.0, 2.0, 400.0]], np.float32)
    mask = np.ones_like(depth, bool)
    pic = inverse_depth_picture(depth, mask, bounds=(1.0, 2.0))
    # nearer than the near bound and farther than the far bound saturate at the two ends
    import matplotlib
    turbo = (matplotlib.colormaps['turbo']([1.0, 0.0])[:, :3] * 255).astype(np.uint8)
    np.testing.assert_array_equal(pic[0, 0], turbo[0][::-1])
    np.testing.assert_array_equal(pic[0, 3], turbo[1][::-1])
    np.testing.assert_array_equal(pic[0, 1], pic[0, 0])


def test_bad_input_and_no_overwrite(tmp_path):
    pointmap, image, mask = _scene()
    with pytest.raises(ValueError, match='differ'):
        write_pointmap_outputs(str(tmp_path), 'a', pointmap, image[:10], mask)
    with pytest.raises(ValueError, match='3 colours|colours'):
        write_ply(str(tmp_path / 'x.ply'), np.zeros((4, 3)), np.zeros((3, 3)))
    src = tmp_path / 'a_depth.png'
    cv2.imwrite(str(src), image)
    with pytest.raises(OutputOverwritesInputError):
        write_pointmap_outputs(str(tmp_path), 'a', pointmap, image, mask, inputs=[str(src)])
    assert cv2.imread(str(src)) is not None
    assert len(camera_marker()) == 500

"""Colour maps of the dense tasks (RGB out; the release's vis_depth.py / vis_normal.py rules)."""
import numpy as np
import pytest

from sapiens_mm.datasets.body_part_classes import BODY_PART_PALETTE
from sapiens_mm.visualization import (DEPTH_BACKGROUND, colorize_depth, colorize_normals,
                                      colorize_parts)


def test_parts_palette_and_blend():
    labels = np.array([[0, 14, 255]])
    colours = colorize_parts(labels, BODY_PART_PALETTE)
    assert colours[0, 0].tolist() == [50, 50, 50] and colours[0, 1].tolist() == [255, 0, 0]
    assert colours[0, 2].tolist() == [0, 0, 0]  # ignore index: black
    image = np.full((1, 3, 3), 100, np.uint8)
    blended = colorize_parts(labels, BODY_PART_PALETTE, image, alpha=0.5)
    assert blended[0, 1].tolist() == [177, 50, 50]
    with pytest.raises(ValueError, match='differ in size'):
        colorize_parts(labels, BODY_PART_PALETTE, np.zeros((2, 3, 3), np.uint8))


def test_depth_is_normalised_over_the_person():
    depth = np.array([[1.0, 2.0, 0.0, 50.0]])
    mask = np.array([[True, True, False, False]])
    coloured = colorize_depth(depth, mask)
    assert coloured[0, 0].sum() > coloured[0, 1].sum()  # near is bright
    assert coloured[0, 2].tolist() == list(DEPTH_BACKGROUND)  # off the person: grey
    assert coloured[0, 3].tolist() == list(DEPTH_BACKGROUND)  # far outlier off the mask
    # the person's own range: metres and the same depth in millimetres look alike
    assert np.array_equal(colorize_depth(depth * 1000, mask), coloured)
    assert (colorize_depth(np.zeros((2, 2)), np.zeros((2, 2), bool)) == 100).all()


def test_normals_rgb_encoding():
    normals = np.zeros((1, 3, 3))
    normals[0, 0, 0] = 2  # +x (not unit: normalised) -> red
    normals[0, 1, 2] = -1  # towards the camera -> little blue
    normals[0, 2, 1] = 1
    rgb = colorize_normals(normals, mask=np.array([[True, True, False]]))
    assert rgb[0, 0].tolist() == [254, 127, 127] and rgb[0, 1].tolist() == [127, 127, 0]
    assert rgb[0, 2].tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match=r'\(H, W, 3\)'):
        colorize_normals(np.zeros((3, 4, 5)))

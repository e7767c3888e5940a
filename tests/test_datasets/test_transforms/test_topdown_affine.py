"""The Sapiens2 crop warp: bicubic when the crop is upsampled, mmpose's bilinear otherwise."""
import cv2
import numpy as np
from mmpose.datasets.transforms import TopdownAffine
from mmpose.structures.bbox import get_udp_warp_matrix

import sapiens_mm  # noqa: F401
from sapiens_mm.datasets.transforms import ReleaseInterpolationTopdownAffine


def _results(img, center, scale):
    return dict(img=img.copy(), bbox_center=np.array([center], np.float32),
                bbox_scale=np.array([scale], np.float32),
                keypoints=np.array([[[10.0, 20.0]]], np.float32))


def test_upsampled_crop_is_bicubic_and_downsampled_is_bilinear():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (200, 160, 3), dtype=np.uint8)
    ours = ReleaseInterpolationTopdownAffine(input_size=(48, 64), use_udp=True)
    mm = TopdownAffine(input_size=(48, 64), use_udp=True)
    # a 24x32 box warped to 48x64: upsampled 2x
    small = _results(img, (80, 100), (24, 32))
    a, b = ours.transform(dict(small)), mm.transform(dict(small))
    mat = get_udp_warp_matrix(a['input_center'], a['input_scale'], 0., output_size=(48, 64))
    assert np.array_equal(a['img'], cv2.warpAffine(img, mat, (48, 64), flags=cv2.INTER_CUBIC))
    assert not np.array_equal(a['img'], b['img'])
    np.testing.assert_array_equal(a['transformed_keypoints'], b['transformed_keypoints'])
    # a 120x160 box warped to 48x64: downsampled, identical to mmpose
    big = _results(img, (80, 100), (120, 160))
    assert np.array_equal(ours.transform(dict(big))['img'], mm.transform(dict(big))['img'])

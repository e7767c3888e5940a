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


def test_fit_and_centre_pad_release_arithmetic():
    from sapiens_mm.datasets.transforms import FitAndCentrePad
    img = np.full((300, 500, 3), 200, np.uint8)  # wide image into 1024x768 (h, w)
    out = FitAndCentrePad(size=(1024, 768)).transform(dict(img=img))
    # s = min(768/500, 1024/300) = 1.536 -> 768 x floor(460.8) = 460; pad 564 rows: 282 / 282
    assert out['img'].shape == (1024, 768, 3)
    assert out['img_padding_size'] == [0, 0, 282, 282]
    assert (out['img'][:282] == 0).all() and (out['img'][282:742] == 200).all()
    odd = FitAndCentrePad(size=(64, 48)).transform(dict(img=np.ones((10, 7, 3), np.uint8)))
    # s = min(48/7, 64/10) = 6.4 -> 44 x 64; pad_w 4 -> left 2, right 2
    assert odd['img_padding_size'] == [2, 2, 0, 0]


def test_normals_normalised_before_resize_when_asked():
    import torch
    from mmengine.registry import init_default_scope
    from mmseg.structures import SegDataSample
    from sapiens_mm.models.segmentors import NormalEstimator
    init_default_scope('mmseg')
    torch.manual_seed(0)
    normals = torch.randn(1, 3, 8, 6) * 3
    sample = SegDataSample(metainfo=dict(ori_shape=(5, 4), img_padding_size=[1, 1, 1, 1]))
    est = NormalEstimator.__new__(NormalEstimator)
    torch.nn.Module.__init__(est)
    est.align_corners = False
    est.test_cfg = dict(normalize_before_resize=True)
    before = est.postprocess_result(normals.clone(), [sample])[0].pred_normal_map.data
    expected = torch.nn.functional.interpolate(
        (normals / normals.norm(dim=1, keepdim=True))[:, :, 1:7, 1:5], size=(5, 4),
        mode='bilinear', align_corners=False)[0]
    torch.testing.assert_close(before, expected)
    assert (before.norm(dim=0) < 1 - 1e-4).any()  # not renormalised after the resize
    est.test_cfg = dict()
    after = est.postprocess_result(normals.clone(), [sample])[0].pred_normal_map.data
    torch.testing.assert_close(after.norm(dim=0), torch.ones(5, 4))

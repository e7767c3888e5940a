"""Pointmaps through SapiensInferencer (tiny Sapiens2 pointmap model, random weights): the files
(metric map, its depth, a PLY read back with the third-party ``plyfile``), the person mask from
a segmentation model of the same call, the release demo's input geometry and Gaussian-smoothed
upsampling checked against a computation by hand, video frames, and the refusals."""
import math

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
import torchvision.transforms.functional as TVF
from plyfile import PlyData

from sapiens_mm.apis import SapiensInferencer
from sapiens_mm.utils.fileio import OutputOverwritesInputError

POINTMAP = 'configs/sapiens2_pointmap/synthetic/sapiens2_tiny_pointmap_synthetic-128x96.py'
SEG = 'configs/sapiens2_seg/synthetic/sapiens2_tiny_seg_synthetic-128x96.py'


@pytest.fixture(scope='module')
def inferencer():
    torch.manual_seed(0)
    return SapiensInferencer([(POINTMAP, None)], device='cpu', precision='fp32', batch_size=2,
                             engine='torch')


def _image(h, w, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def read_ply(path):
    """(xyz (N, 3) float32, rgb (N, 3) uint8) of a PLY file, read by plyfile."""
    vertex = PlyData.read(str(path))['vertex']
    xyz = np.stack([vertex['x'], vertex['y'], vertex['z']], axis=1)
    rgb = np.stack([vertex['red'], vertex['green'], vertex['blue']], axis=1)
    return xyz, rgb


def by_hand(model, img, size=(128, 96)):
    """The release demo's pointmap of ``img``, computed here step by step: fit inside ``size``
    with floor sizes (bilinear), centre-pad with 0, normalise, backbone + head, crop the
    padding, canonical / scale, then 4 Gaussian blurs (3x3, sigma 0.8) when enlarging and a
    bilinear resize to the image."""
    h, w = img.shape[:2]
    out_h, out_w = size
    r = min(out_w / w, out_h / h)
    new_w, new_h = math.floor(w * r), math.floor(h * r)
    left, top = (out_w - new_w) // 2, (out_h - new_h) // 2
    canvas = np.zeros((out_h, out_w, 3), np.uint8)
    canvas[top:top + new_h, left:left + new_w] = cv2.resize(img, (new_w, new_h),
                                                            interpolation=cv2.INTER_LINEAR)
    x = torch.from_numpy(canvas[..., ::-1].copy()).permute(2, 0, 1).float()
    mean = torch.tensor([123.675, 116.28, 103.53]).view(3, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(3, 1, 1)
    with torch.no_grad():
        canonical, scale = type(model.decode_head).forward(
            model.decode_head, type(model).extract_feat(model, ((x - mean) / std)[None]))
    metric = canonical[:, :, top:top + new_h, left:left + new_w] / scale.view(1, 1, 1, 1)
    smoothed = metric
    if h > new_h or w > new_w:
        for _ in range(4):
            smoothed = TVF.gaussian_blur(smoothed, [3, 3], [0.8, 0.8])
    resize = lambda m: F.interpolate(m, size=(h, w), mode='bilinear',  # noqa: E731
                                     align_corners=False)[0].permute(1, 2, 0).numpy()
    return resize(smoothed), resize(metric), (new_h, new_w)


def test_metric_maps_are_the_release_demos(inferencer):
    # 150x110 is enlarged from a 128x93 crop (floor; rounding would give 94): smoothed;
    # 60x40 is shrunk from 128x85: not smoothed
    imgs = [_image(150, 110, 1), _image(60, 40, 2)]
    preds = inferencer(imgs)['predictions']
    model = inferencer.models['pointmap'].model
    for img, pred in zip(imgs, preds):
        got = pred['pointmap']
        assert got.shape == img.shape[:2] + (3, ) and got.dtype == np.float32
        want, unsmoothed, crop = by_hand(model, img)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * np.abs(want).max())
        if img.shape[0] == 150:
            assert crop == (128, 93)
            assert np.abs(unsmoothed - want).max() > 1e-3 * np.abs(want).max()


def test_files_ply_and_the_person_mask_of_a_segmentation_model(tmp_path):
    torch.manual_seed(0)
    inf = SapiensInferencer([(POINTMAP, None), (SEG, None)], device='cpu', precision='fp32',
                            engine='torch')  # the seg head's forward is replaced below
    # random segmentation weights find one class everywhere: this head finds the right half
    def right_half(feats):
        logits = torch.zeros(len(feats[0]), 29, 32, 24)
        logits[:, 5, :, 12:] = 1.0
        return logits

    inf.models['seg'].model.decode_head.forward = right_half
    src = tmp_path / 'in'
    src.mkdir()
    img = _image(90, 70, 3)
    img[:, :35, 2] = 0  # left half: no red
    cv2.imwrite(str(src / 'person.png'), img)
    out = tmp_path / 'out'
    res = inf(str(src / 'person.png'), pred_out_dir=str(out), vis_out_dir=str(out))
    assert res['names'] == ['person'] and not res['failed']
    pointmap = np.load(out / 'person_pointmap.npy')
    depth = np.load(out / 'person_depth.npy')
    seg = cv2.imread(str(out / 'person_seg.png'), cv2.IMREAD_UNCHANGED)
    assert pointmap.shape == (90, 70, 3) and pointmap.dtype == np.float32
    assert depth.shape == (90, 70) and depth.dtype == np.float32
    np.testing.assert_array_equal(depth, pointmap[..., 2])
    np.testing.assert_array_equal(pointmap, res['predictions'][0]['pointmap'])
    mask = seg > 0
    n = int(mask.sum())
    assert 0.4 < n / mask.size < 0.6, n  # the right half
    xyz, rgb = read_ply(out / 'person.ply')
    assert len(xyz) == n + 500  # the person's pixels, then the release's camera marker
    np.testing.assert_array_equal(xyz[:n], pointmap[mask])
    np.testing.assert_array_equal(rgb[:n], img[mask][:, ::-1])  # RGB of the image
    np.testing.assert_allclose(np.linalg.norm(xyz[n:], axis=1), 0.05, rtol=1e-5)
    assert (rgb[n:] == [0, 0, 255]).all()
    for pic in ('pointmap', 'pointmap_normal', 'seg', 'panel'):
        assert cv2.imread(str(out / f'person_{pic}.jpg')) is not None, pic
    grey = cv2.imread(str(out / 'person_pointmap.jpg'))[~mask].astype(int)
    assert np.abs(grey - 100).mean() < 3  # off the person: grey (JPEG noise aside)


def test_without_segmentation_every_pixel_is_written(inferencer, tmp_path):
    img = _image(40, 30, 4)
    res = inferencer([img], pred_out_dir=str(tmp_path), raw=True)
    xyz, rgb = read_ply(tmp_path / '00000000.ply')
    pointmap = res['predictions'][0]['pointmap']
    assert len(xyz) == 40 * 30 + 500
    np.testing.assert_array_equal(xyz[:1200], pointmap.reshape(-1, 3))
    np.testing.assert_array_equal(rgb[:1200], img[..., ::-1].reshape(-1, 3))


def test_video_frames(inferencer, tmp_path):
    video = tmp_path / 'clip.avi'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'MJPG'), 5, (48, 64))
    for i in range(3):
        writer.write(_image(64, 48, 10 + i))
    writer.release()
    out = tmp_path / 'out'
    res = inferencer.run(str(video), str(out), video_out=True)
    assert res['images'] == 3 and not res['failed']
    for i in range(3):
        stem = f'clip_{i:06d}'
        assert np.load(out / f'{stem}_pointmap.npy').shape == (64, 48, 3)
        assert (out / f'{stem}.ply').is_file() and (out / f'{stem}_pointmap.jpg').is_file()
    cap = cv2.VideoCapture(str(out / 'clip_panel.mp4'))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 3
    cap.release()


def test_outputs_never_replace_inputs(inferencer, tmp_path):
    cv2.imwrite(str(tmp_path / 'b.png'), _image(40, 30, 5))
    victim = tmp_path / 'b_pointmap_normal.jpg'  # an input image with an output's name
    cv2.imwrite(str(victim), _image(40, 30, 6))
    before = victim.read_bytes()
    with pytest.raises(OutputOverwritesInputError, match='b_pointmap_normal.jpg'):
        inferencer(str(tmp_path), pred_out_dir=str(tmp_path), vis_out_dir=str(tmp_path))
    assert victim.read_bytes() == before
    assert not list(tmp_path.glob('*.npy')) and not list(tmp_path.glob('*.ply'))


def test_depth_and_pointmap_models_together_are_refused():
    from tests.helpers.tiny_task_models import tiny_config
    with pytest.raises(ValueError, match=r'both write \{name\}_depth.npy'):
        SapiensInferencer([(POINTMAP, None), (tiny_config('depth'), None)], device='cpu')


def test_video_colour_bounds_are_the_running_min_and_max():
    from sapiens_mm.apis.inferencers.pointmap_task import DepthBounds
    bounds, mask = DepthBounds(), np.ones((1, 101), bool)
    assert bounds.update(np.zeros((1, 101)), ~mask) is None  # nobody yet
    assert bounds.update(np.linspace(1, 2, 101)[None], mask) == pytest.approx((1.01, 1.99))
    assert bounds.update(np.linspace(3, 5, 101)[None], mask) == pytest.approx((1.01, 4.98))
    assert bounds.update(np.linspace(1.5, 2, 101)[None], mask) == pytest.approx((1.01, 4.98))

import numpy as np
import pytest
import torch
from mmpose.codecs import UDPHeatmap

from sapiens_mm.codecs import BatchUDPHeatmap, decode_udp_heatmaps

INPUT, HEATMAP = (192, 256), (48, 64)  # (w, h)


def make_heatmaps(rng, batch, k, noise=0.01):
    codec = UDPHeatmap(input_size=INPUT, heatmap_size=HEATMAP, sigma=2)
    kpts = rng.uniform([-8, -8], [INPUT[0] + 8, INPUT[1] + 8], (batch, k, 2)).astype(np.float32)
    kpts[:, 0] = (0, 0)  # exactly on the corner: edge-replicated neighbours
    out = np.stack([codec.encode(kpts[b:b + 1], np.ones((1, k)))['heatmaps'] for b in range(batch)])
    out += rng.normal(0, noise, out.shape).astype(np.float32)
    return out


def numpy_decode(heatmaps):
    codec = UDPHeatmap(input_size=INPUT, heatmap_size=HEATMAP, sigma=2)
    res = [codec.decode(h.copy()) for h in heatmaps]
    return np.concatenate([r[0] for r in res]), np.concatenate([r[1] for r in res])


def test_same_keypoints_as_mmpose_numpy_decode():
    rng = np.random.default_rng(0)
    hm = make_heatmaps(rng, 3, 40)
    hm[1, 5] *= 1e-4          # faint map: DARK's clamp at 1e-3 applies
    hm[2, 7] = -0.5           # no positive response: location -1 as in mmpose
    hm[0, 9] *= 200.0         # peak above the clamp at 50
    ref_k, ref_s = numpy_decode(hm)
    k, s = decode_udp_heatmaps(torch.from_numpy(hm), INPUT)
    np.testing.assert_allclose(s.numpy(), ref_s, rtol=1e-6)
    np.testing.assert_allclose(k.numpy(), ref_k, atol=2e-3)


def test_codec_batch_decode_interface():
    rng = np.random.default_rng(1)
    hm = make_heatmaps(rng, 2, 10)
    codec = BatchUDPHeatmap(input_size=INPUT, heatmap_size=HEATMAP, sigma=2)
    assert codec.support_batch_decoding
    keypoints, scores = codec.batch_decode(torch.from_numpy(hm))
    assert len(keypoints) == 2 and keypoints[0].shape == (1, 10, 2) and scores[0].shape == (1, 10)
    ref_k, _ = numpy_decode(hm)
    np.testing.assert_allclose(np.concatenate(keypoints), ref_k, atol=2e-3)
    # encoding is upstream's
    kpts = rng.uniform(10, 150, (1, 10, 2)).astype(np.float32)
    a = codec.encode(kpts, np.ones((1, 10)))
    b = UDPHeatmap(input_size=INPUT, heatmap_size=HEATMAP, sigma=2).encode(kpts, np.ones((1, 10)))
    np.testing.assert_array_equal(a['heatmaps'], b['heatmaps'])


def test_combined_heatmaps_are_not_batch_decoded():
    codec = BatchUDPHeatmap(input_size=INPUT, heatmap_size=HEATMAP, heatmap_type='combined')
    assert not codec.support_batch_decoding


@pytest.mark.parametrize('dtype', [torch.float32, torch.bfloat16])
def test_decode_accepts_low_precision_outputs(dtype):
    rng = np.random.default_rng(2)
    hm = torch.from_numpy(make_heatmaps(rng, 1, 5, noise=0.0)).to(dtype)
    k, _ = decode_udp_heatmaps(hm, INPUT)
    assert k.dtype == torch.float32 and torch.isfinite(k).all()

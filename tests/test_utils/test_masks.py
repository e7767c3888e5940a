"""normal_foreground: the one person-mask rule of normal maps, for numpy and torch alike."""
import numpy as np
import torch

from sapiens_mm.utils.masks import NORMAL_FOREGROUND_MIN_NORM, normal_foreground


def test_threshold_between_background_and_unit_vectors():
    # (H, W, 3): a unit normal, a zero background vector, a silhouette blend each side of 0.5
    n = np.array([[[0, 0, -1.0], [0, 0, 0], [0.3, 0.3, 0.3], [0.25, 0.25, 0.25]]])
    assert NORMAL_FOREGROUND_MIN_NORM == 0.5
    assert normal_foreground(n, axis=-1).tolist() == [[True, False, True, False]]


def test_numpy_and_torch_agree_on_every_layout():
    rng = np.random.default_rng(0)
    batch = rng.uniform(-0.6, 0.6, (2, 3, 5, 4)).astype(np.float32)  # (B, 3, H, W)
    expected = np.linalg.norm(batch, axis=1) > 0.5
    assert 0 < expected.mean() < 1
    assert np.array_equal(normal_foreground(batch, axis=1), expected)
    torch_mask = normal_foreground(torch.from_numpy(batch), axis=1)
    assert torch_mask.dtype == torch.bool and np.array_equal(torch_mask.numpy(), expected)
    assert np.array_equal(normal_foreground(batch[0], axis=0), expected[0])  # (3, H, W)
    hwc = batch[0].transpose(1, 2, 0)  # (H, W, 3)
    assert np.array_equal(normal_foreground(hwc, axis=-1), expected[0])

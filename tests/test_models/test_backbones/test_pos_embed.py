import numpy as np
import pytest
import torch

from sapiens_mm.models.backbones.pos_embed import adapt_pos_embed, infer_token_grid


def _cubic_weights(t, a=-0.75):
    """Keys' cubic convolution weights for taps at offsets -1, 0, 1, 2 (fractional part t)."""

    def k(x):
        x = abs(x)
        if x <= 1:
            return (a + 2) * x**3 - (a + 3) * x**2 + 1
        if x < 2:
            return a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a
        return 0.0

    return [k(t + 1), k(t), k(1 - t), k(2 - t)]


def _resize_axis(arr, axis, dst):
    """Bicubic (a=-0.75, half-pixel centres, edge clamp) resampling of one axis, in numpy."""
    src = arr.shape[axis]
    out = []
    for i in range(dst):
        x = (i + 0.5) * src / dst - 0.5
        x0 = int(np.floor(x))
        w = _cubic_weights(x - x0)
        taps = [np.take(arr, min(max(x0 + o, 0), src - 1), axis=axis) for o in (-1, 0, 1, 2)]
        out.append(sum(wi * ti for wi, ti in zip(w, taps)))
    return np.stack(out, axis=axis)


def test_pretrain_to_finetune_matches_independent_bicubic():
    """(1, 1 + 8*8, C) pretrain embedding -> (1, 8*6, C): cls dropped, bicubic 8x8 -> 8x6."""
    C = 5
    pe = torch.randn(1, 1 + 8 * 8, C, dtype=torch.float64)
    out = adapt_pos_embed(pe, (8, 6), num_extra_tokens=0)
    grid = pe[0, 1:].numpy().reshape(8, 8, C)
    ref = _resize_axis(_resize_axis(grid, 0, 8), 1, 6).reshape(1, 48, C)
    assert out.shape == (1, 48, C)
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-5)


def test_downsize_both_axes_matches_independent_bicubic():
    C = 3
    pe = torch.randn(1, 16 * 16, C, dtype=torch.float64)
    out = adapt_pos_embed(pe, (6, 5), num_extra_tokens=0)
    ref = _resize_axis(_resize_axis(pe[0].numpy().reshape(16, 16, C), 0, 6), 1, 5)
    np.testing.assert_allclose(out[0].numpy(), ref.reshape(30, C), atol=1e-5)


def test_same_grid_is_identity_and_cls_kept():
    pe = torch.randn(1, 1 + 12, 4)
    assert torch.equal(adapt_pos_embed(pe, (4, 3), num_extra_tokens=1), pe)


def test_non_square_source_grid_is_inferred_from_aspect():
    # A fine-tuned (1, 64*48, C) embedding loaded into a 32x24 model.
    assert infer_token_grid(3072, (32, 24)) == (64, 48)
    assert infer_token_grid(4096, (64, 48)) == (64, 64)
    pe = torch.randn(1, 3072, 2)
    out = adapt_pos_embed(pe, (32, 24), num_extra_tokens=0)
    assert out.shape == (1, 768, 2)


def test_missing_cls_position_is_zero():
    pe = torch.randn(1, 12, 4)
    out = adapt_pos_embed(pe, (4, 3), num_extra_tokens=1)
    assert out.shape == (1, 13, 4)
    assert torch.equal(out[0, 0], torch.zeros(4))
    assert torch.equal(out[:, 1:], pe)


def test_unfittable_token_count_is_a_clear_error():
    with pytest.raises(ValueError, match='4099 tokens fits no patch grid'):
        adapt_pos_embed(torch.randn(1, 4099, 4), (64, 48), num_extra_tokens=0)

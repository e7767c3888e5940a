"""The fused fast path on Sapiens2 blocks (GQA, QK norm, bf16 RoPE, SwiGLU, layer scale)."""
import copy
import pickle

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from sapiens_mm.apis.inferencers.fast_inference import (disable_fast_inference,
                                                        enable_fast_inference)
from sapiens_mm.apis.inferencers.fast_sapiens2 import FusedSapiens2BlockForward
from sapiens_mm.models.backbones import Sapiens2ViT


def tiny(seed=0, **kwargs):
    torch.manual_seed(seed)
    model = Sapiens2ViT(arch='sapiens2_tiny', img_size=(64, 64), **kwargs)
    with torch.no_grad():  # non-trivial norms, biases and layer scales: every term matters
        for name, p in model.named_parameters():
            if p.dim() == 1 and name.endswith('weight'):
                p.copy_(1 + 0.2 * torch.randn_like(p))
            else:
                p.copy_(torch.randn_like(p) * (0.1 if p.dim() == 1 else 0.1))
    return model.eval()


def cosine(a, b):
    return F.cosine_similarity(a.double().flatten(), b.double().flatten(), dim=0).item()


@pytest.fixture
def image():
    return torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(1))


def fp32_rope(model):
    """Apply RoPE in fp32 (q, k not rounded to bf16): the release rounds q and k to bf16, which
    turns any fp32 rounding difference upstream (1e-7) into a bf16 step (4e-3 of q) here and
    there, so exact fp32 comparisons are made with this switch."""
    tables = model.rope_embed.forward
    model.rope_embed.forward = lambda H, W: tuple(t.float() for t in tables(H, W))
    return model


@pytest.mark.parametrize('use_tokenizer', [False, True])
def test_fp32_matches_the_eager_module(image, use_tokenizer):
    ref = tiny(use_tokenizer=use_tokenizer)
    fast = enable_fast_inference(copy.deepcopy(ref), torch.float32)
    blocks = list(fast.blocks) + (list(fast.tokenizer.blocks) if use_tokenizer else [])
    assert all(isinstance(b.__dict__.get('forward'), FusedSapiens2BlockForward) for b in blocks)
    assert fast.blocks[8].attn.is_grouped  # a GQA block goes through the fused path
    with torch.inference_mode():
        expected, out = ref(image)[0], fast(image)[0]
        assert out.shape == expected.shape
        # with the release's bf16 RoPE: equal up to the bf16 rounding of q and k
        assert cosine(out, expected) > 0.99999
        assert (out - expected).abs().max() < 2e-3 * expected.abs().max()
        # the same algebra: with RoPE in fp32 both agree to fp32 rounding
        exact, out = fp32_rope(ref)(image)[0], fp32_rope(fast)(image)[0]
    torch.testing.assert_close(out, exact, rtol=1e-4, atol=1e-5)


def test_bf16_weights_keep_the_rope_buffer_and_match_eager_bf16(image):
    ref = tiny()
    fast = enable_fast_inference(copy.deepcopy(ref), torch.bfloat16)
    params = {p.dtype for p in fast.parameters()}
    assert params == {torch.bfloat16}
    assert fast.rope_embed.periods.dtype == torch.bfloat16
    assert torch.equal(fast.rope_embed.periods, ref.rope_embed.periods)
    assert list(fast.state_dict()) == list(ref.state_dict())
    plain = copy.deepcopy(ref).to(torch.bfloat16)
    with torch.no_grad():
        out = fast(image)[0]
        eager_bf16 = plain(image.to(torch.bfloat16))[0].float()
        fp32 = ref(image)[0]
    assert out.dtype == torch.float32
    assert cosine(out, eager_bf16) > 0.999
    assert cosine(out, fp32) > 0.99


def test_training_grad_copy_pickle_and_disable(image):
    image = image[:, :, :32, :32]
    fast = enable_fast_inference(tiny(), torch.float32)
    ref = tiny()
    fast.train()
    y = fast(image)[0]  # training: the module's own forward, with autograd
    y.sum().backward()
    assert fast.blocks[8].attn.wk.weight.grad is not None
    fast.eval()
    with torch.no_grad():
        out = fast(image)[0]
    clone = pickle.loads(pickle.dumps(copy.deepcopy(fast)))
    with torch.no_grad():
        torch.testing.assert_close(clone(image)[0], out)
    disable_fast_inference(fast)
    assert all('forward' not in b.__dict__ for b in fast.blocks)
    with torch.no_grad():
        torch.testing.assert_close(fast(image)[0], ref(image)[0])


def test_new_weights_rebuild_the_fused_cache(image):
    image = image[:, :, :32, :32]
    fast = enable_fast_inference(tiny(), torch.float32)
    other = tiny(seed=3)
    with torch.no_grad():
        fast(image)
        fast.load_state_dict(other.state_dict())
        fp32_rope(fast), fp32_rope(other)
        torch.testing.assert_close(fast(image)[0], other(image)[0], rtol=1e-4, atol=1e-5)


def test_errors():
    with pytest.raises(ValueError, match='Sapiens2ViT'):
        enable_fast_inference(nn.Linear(2, 2))

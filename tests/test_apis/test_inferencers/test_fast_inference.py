import copy
import pickle

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.backbones import VisionTransformer

from sapiens_mm.apis.inferencers.fast_inference import (disable_fast_inference,
                                                        enable_fast_inference,
                                                        FusedEncoderLayerForward)
from sapiens_mm.models.backbones import SapiensViT



def tiny(seed=0, **kwargs):
    torch.manual_seed(seed)
    model = SapiensViT(arch='sapiens_tiny', img_size=(64, 48), patch_cfg=dict(padding=2),
                       **kwargs)
    with torch.no_grad():  # non-trivial LayerNorm/bias values so every term matters
        for name, p in model.named_parameters():
            p.copy_(torch.randn_like(p) * (0.1 if p.dim() == 1 else 0.05)
                    + (1 if name.endswith('ln1.weight') or name.endswith('ln2.weight') else 0))
    return model.eval()


def cosine(a, b):
    return F.cosine_similarity(a.double().flatten(), b.double().flatten(), dim=0).item()


@pytest.fixture
def image():
    return torch.randn(2, 3, 64, 48, generator=torch.Generator().manual_seed(1))


def test_fp32_matches_upstream_forward(image):
    ref = tiny()
    fast = enable_fast_inference(copy.deepcopy(ref), torch.float32)
    assert all(isinstance(layer.__dict__.get('forward'), FusedEncoderLayerForward)
               for layer in fast.layers)
    with torch.inference_mode():
        expected, out = ref(image)[0], fast(image)[0]
    assert out.shape == expected.shape == (2, 128, 4, 3)
    torch.testing.assert_close(out, expected, rtol=1e-4, atol=1e-5)


def test_bf16_weights_fp32_io_and_accuracy(image):
    ref = tiny()
    fast = enable_fast_inference(copy.deepcopy(ref), torch.bfloat16)
    assert {p.dtype for p in fast.parameters()} == {torch.bfloat16}
    assert list(fast.state_dict()) == list(ref.state_dict())
    with torch.no_grad():
        expected, out = ref(image)[0], fast(image)[0]
    assert out.dtype == torch.float32  # cast back to the input's dtype
    assert cosine(out, expected) > 0.999
    # bf16 input stays bf16 when asked
    enable_fast_inference(fast, torch.bfloat16, cast_output=False)
    with torch.no_grad():
        assert fast(image)[0].dtype == torch.bfloat16


def test_same_as_upstream_forward_at_bf16(image):
    """The fused kernels compute what the upstream layer computes with the same bf16 weights."""
    plain = tiny().to(torch.bfloat16)
    fast = enable_fast_inference(copy.deepcopy(plain), torch.bfloat16)
    with torch.no_grad():
        expected = plain(image.to(torch.bfloat16))[0].float()
        out = fast(image)[0]
    assert cosine(out, expected) > 0.9999
    assert (out - expected).abs().max() < 0.05 * expected.abs().max()


def test_training_and_grad_use_upstream_forward(image):
    fast = enable_fast_inference(tiny(), torch.float32)
    fast.train()
    out = fast(image)[0]
    assert out.requires_grad
    out.mean().backward()
    assert fast.layers[0].attn.qkv.weight.grad is not None
    # eval but autograd on: upstream forward too (differentiable)
    fast.eval()
    fast.zero_grad()
    fast(image)[0].sum().backward()
    assert fast.layers[-1].ffn.layers[1].weight.grad.abs().sum() > 0


def test_new_weights_are_repacked(image):
    fast = enable_fast_inference(tiny(seed=0), torch.bfloat16)
    other = tiny(seed=5)
    with torch.inference_mode():
        before = fast(image)[0]
    fast.load_state_dict(other.state_dict())  # in-place copy into the bf16 parameters
    with torch.inference_mode():
        after = fast(image)[0]
        expected = other(image)[0]
    assert cosine(after, expected) > 0.999
    assert cosine(before, expected) < 0.9


def test_inside_a_model_with_fp32_head(image):
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone = tiny()
            self.head = nn.Conv2d(128, 4, 1)

        def forward(self, x):
            return self.head(self.backbone(x)[0])

    model = Model()
    ref = copy.deepcopy(model)
    enable_fast_inference(model, torch.bfloat16)
    with torch.no_grad():
        out, expected = model(image), ref(image)  # fp32 head on the cast-back output
    assert cosine(out, expected) > 0.999
    assert model.head.weight.dtype == torch.float32


def test_copy_pickle_and_disable(image):
    ref = tiny()
    fast = enable_fast_inference(copy.deepcopy(ref), torch.float32)
    with torch.inference_mode():
        fast(image)  # fills the weight cache
    clone = pickle.loads(pickle.dumps(copy.deepcopy(fast)))
    with torch.inference_mode():
        torch.testing.assert_close(clone(image)[0], ref(image)[0], rtol=1e-4, atol=1e-5)
    disable_fast_inference(fast)
    assert all('forward' not in layer.__dict__ for layer in fast.layers)
    assert not fast._forward_pre_hooks and not fast._forward_hooks
    assert {p.dtype for p in fast.parameters()} == {torch.float32}


def test_errors():
    with pytest.raises(ValueError, match='contains no'):
        enable_fast_inference(nn.Linear(2, 2))
    layer_scale = VisionTransformer(
        arch=dict(embed_dims=32, num_layers=1, num_heads=2, feedforward_channels=64),
        img_size=32, layer_scale_init_value=0.1)
    with pytest.raises(ValueError, match='layer scale'):
        enable_fast_inference(layer_scale)

import pytest
import torch

from sapiens_mm.models.backbones import SapiensViT

TINY = dict(arch='sapiens_tiny', img_size=(64, 48))


def expected_keys(num_layers, with_cls_token):
    keys = ['pos_embed', 'patch_embed.projection.weight', 'patch_embed.projection.bias',
            'ln1.weight', 'ln1.bias']
    if with_cls_token:
        keys.append('cls_token')
    for i in range(num_layers):
        for sub in ('ln1', 'attn.qkv', 'attn.proj', 'ln2', 'ffn.layers.0.0', 'ffn.layers.1'):
            keys += [f'layers.{i}.{sub}.weight', f'layers.{i}.{sub}.bias']
    return set(keys)


@pytest.mark.parametrize('name,alias,dims,layers,heads', [
    ('sapiens_0.3b', '0.3b', 1024, 24, 16),
    ('sapiens_0.6b', '0.6b', 1280, 32, 16),
    ('sapiens_1b', '1b', 1536, 40, 24),
    ('sapiens_2b', '2b', 1920, 48, 32),
])
def test_arch_shapes(name, alias, dims, layers, heads):
    with torch.device('meta'):
        for arch in (name, alias):
            m = SapiensViT(arch=arch)
            assert (m.embed_dims, m.num_layers) == (dims, layers)
            attn = m.layers[0].attn
            assert attn.num_heads == heads and attn.head_dims * heads == dims
            assert m.layers[0].ffn.layers[0][0].out_features == 4 * dims
            assert m.pos_embed.shape == (1, 64 * 48, dims)
            assert m.patch_embed.projection.kernel_size == (16, 16)


def test_custom_arch_dict():
    m = SapiensViT(arch=dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=48),
                   img_size=(32, 32))
    assert m.layers[1].ffn.layers[1].in_features == 48
    assert m(torch.randn(1, 3, 32, 32))[0].shape == (1, 32, 2, 2)


@pytest.mark.parametrize('with_cls_token', [False, True])
def test_state_dict_keys_are_the_released_names(with_cls_token):
    m = SapiensViT(**TINY, with_cls_token=with_cls_token)
    sd = m.state_dict()
    assert set(sd) == expected_keys(4, with_cls_token)
    assert sd['layers.0.attn.qkv.weight'].shape == (3 * 128, 128)
    assert sd['layers.0.ffn.layers.0.0.weight'].shape == (512, 128)
    assert sd['pos_embed'].shape == (1, 12 + int(with_cls_token), 128)


def test_real_size_key_count_and_shapes_on_meta():
    with torch.device('meta'):
        sd = SapiensViT(arch='sapiens_0.3b').state_dict()
    assert set(sd) == expected_keys(24, False)
    assert sd['pos_embed'].shape == (1, 3072, 1024)


@pytest.mark.parametrize('padding', [0, 2])
def test_featmap_output(padding):
    m = SapiensViT(**TINY, patch_cfg=dict(padding=padding)).eval()
    out = m(torch.randn(2, 3, 64, 48))
    assert isinstance(out, tuple) and len(out) == 1
    assert out[0].shape == (2, 128, 4, 3)


def test_padding_shifts_the_patch_grid():
    x = torch.randn(1, 3, 64, 48)
    a = SapiensViT(**TINY).eval()
    b = SapiensViT(**TINY, patch_cfg=dict(padding=2)).eval()
    b.load_state_dict(a.state_dict())
    assert not torch.allclose(a(x)[0], b(x)[0])


def test_out_types_and_indices():
    x = torch.randn(2, 3, 64, 48)
    raw = SapiensViT(**TINY, out_type='raw', with_cls_token=True).eval()(x)[0]
    assert raw.shape == (2, 13, 128)
    cls = SapiensViT(**TINY, out_type='cls_token', with_cls_token=True).eval()(x)[0]
    assert cls.shape == (2, 128)
    multi = SapiensViT(**TINY, out_indices=(1, -1)).eval()(x)
    assert len(multi) == 2 and all(o.shape == (2, 128, 4, 3) for o in multi)
    with pytest.raises(ValueError):
        SapiensViT(**TINY, out_type='cls_token', with_cls_token=False)


def test_other_input_size_resizes_pos_embed_on_the_fly():
    torch.manual_seed(0)
    small = SapiensViT(**TINY).eval()
    big = SapiensViT(arch='sapiens_tiny', img_size=(128, 96)).eval()
    big.load_state_dict(small.state_dict())  # pre-hook resizes 4x3 -> 8x6
    x = torch.randn(1, 3, 128, 96)
    out_small, out_big = small(x)[0], big(x)[0]
    assert out_small.shape == (1, 128, 8, 6)
    torch.testing.assert_close(out_small, out_big, rtol=1e-4, atol=1e-5)


def test_frozen_stages():
    m = SapiensViT(**TINY, frozen_stages=2)
    assert not m.pos_embed.requires_grad
    assert not any(p.requires_grad for p in m.patch_embed.parameters())
    assert not any(p.requires_grad for p in m.layers[1].parameters())
    assert all(p.requires_grad for p in m.layers[2].parameters())


def test_drop_path_rate_is_linear_over_layers():
    m = SapiensViT(**TINY, drop_path_rate=0.3)
    probs = [layer.ffn.dropout_layer.drop_prob for layer in m.layers]
    assert probs == pytest.approx([0.0, 0.1, 0.2, 0.3])


def test_activation_checkpointing_gives_same_values_and_grads():
    torch.manual_seed(0)
    ref = SapiensViT(**TINY).train()
    cp = SapiensViT(**TINY, with_cp=True).train()
    cp.load_state_dict(ref.state_dict())
    x = torch.randn(2, 3, 64, 48)
    out_ref, out_cp = ref(x)[0], cp(x)[0]
    torch.testing.assert_close(out_ref, out_cp)
    out_ref.square().mean().backward()
    out_cp.square().mean().backward()
    for (n, p), q in zip(ref.named_parameters(), cp.parameters()):
        torch.testing.assert_close(p.grad, q.grad, msg=n)


def test_fused_and_math_attention_agree():
    torch.manual_seed(0)
    fused = SapiensViT(**TINY).eval()
    math = SapiensViT(**TINY, fused_attn=False).eval()
    math.load_state_dict(fused.state_dict())
    x = torch.randn(2, 3, 64, 48)
    torch.testing.assert_close(fused(x)[0], math(x)[0], rtol=1e-4, atol=1e-5)

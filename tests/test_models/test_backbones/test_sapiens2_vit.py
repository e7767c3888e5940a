import os.path as osp

import pytest
import torch
from safetensors.torch import load_file

from sapiens_mm.models.backbones import SAPIENS2_ARCHS, Sapiens2ViT
from sapiens_mm.models.backbones.sapiens2_rope import (Sapiens2RoPE, apply_rope,
                                                      bf16_rope_in_fp32, rope_periods)

GOLDEN = osp.join(osp.dirname(__file__), '..', '..', 'data', 'sapiens2')
#: the arch of the golden fixture (17 layers: block 8 is GQA with one kv head of two)
GOLDEN_ARCH = dict(embed_dims=16, num_layers=17, num_heads=2, feedforward_channels=32,
                   num_tokenizer_layers=1)
TINY = dict(arch='sapiens2_tiny', img_size=(64, 48))


def release_keys(num_layers, gqa_kv, D, hd, tokenizer_layers=0):
    """The release's state-dict keys (sapiens/backbones/standalone/sapiens2.py) and shapes."""
    keys = {'cls_token': (1, 1, D), 'storage_tokens': (1, 8, D),
            'patch_embed.projection.weight': (D, 3, 16, 16), 'patch_embed.projection.bias': (D,),
            'rope_embed.periods': (hd // 4,), 'ln1.weight': (D,)}
    for i in range(num_layers):
        kv = gqa_kv if 8 <= i < num_layers - 8 else D
        p = f'blocks.{i}.'
        keys.update({p + 'ln1.weight': (D,), p + 'ln2.weight': (D,),
                     p + 'attn.wq.weight': (D, D), p + 'attn.wq.bias': (D,),
                     p + 'attn.wk.weight': (kv, D), p + 'attn.wk.bias': (kv,),
                     p + 'attn.wv.weight': (kv, D), p + 'attn.wv.bias': (kv,),
                     p + 'attn.proj.weight': (D, D), p + 'attn.proj.bias': (D,),
                     p + 'attn.q_norm.weight': (hd,), p + 'attn.k_norm.weight': (hd,),
                     p + 'attn.gamma.weight': (D,),
                     p + 'ffn.w12.weight': (8 * D, D), p + 'ffn.w12.bias': (8 * D,),
                     p + 'ffn.w3.weight': (D, 4 * D), p + 'ffn.w3.bias': (D,)})
    if tokenizer_layers:
        keys.update({'tokenizer.local_pos_embed': (1, 17, D), 'tokenizer.w_cls': (1, 1, D)})
        for j in range(tokenizer_layers):
            p = f'tokenizer.blocks.{j}.'
            for n in ('attn.wq', 'attn.wk', 'attn.wv', 'attn.proj'):
                keys.update({p + n + '.weight': (D, D), p + n + '.bias': (D,)})
            keys.update({p + 'ln1.weight': (D,), p + 'ln2.weight': (D,),
                         p + 'ffn.w12.weight': (8 * D, D), p + 'ffn.w12.bias': (8 * D,),
                         p + 'ffn.w3.weight': (D, 4 * D), p + 'ffn.w3.bias': (D,)})
    return keys


@pytest.mark.parametrize('arch,count', [('sapiens2_0.1b', 210), ('sapiens2_0.4b', 414),
                                        ('sapiens2_0.8b', 550), ('sapiens2_1b', 686),
                                        ('sapiens2_5b', 958)])
def test_release_key_names_and_shapes_on_meta(arch, count):
    s = SAPIENS2_ARCHS[arch]
    D, L, H = s['embed_dims'], s['num_layers'], s['num_heads']
    with torch.device('meta'):
        sd = Sapiens2ViT(arch=arch).state_dict()
    assert len(sd) == count == 6 + 17 * L
    expected = release_keys(L, D // 2, D, D // H)
    assert {k: tuple(v.shape) for k, v in sd.items()} == expected
    assert sd['rope_embed.periods'].dtype == torch.bfloat16


def test_4k_tokenizer_keys_on_meta():
    with torch.device('meta'):
        m = Sapiens2ViT(arch='sapiens2_1b', img_size=(4096, 3072), use_tokenizer=True)
    sd = m.state_dict()
    assert {k: tuple(v.shape) for k, v in sd.items()} == release_keys(40, 768, 1536, 64, 4)
    assert len([k for k in sd if k.startswith('tokenizer.')]) == 58
    assert m.patch_resolution == (64, 48)


def test_gqa_schedule():
    m = Sapiens2ViT(**TINY)
    grouped = [i for i, b in enumerate(m.blocks) if b.attn.is_grouped]
    assert grouped == [8, 9] and m.blocks[8].attn.num_kv_heads == 2
    with torch.device('meta'):
        assert not any(b.attn.is_grouped for b in Sapiens2ViT('sapiens2_0.1b').blocks)
        assert [i for i, b in enumerate(Sapiens2ViT('sapiens2_1b').blocks)
                if b.attn.is_grouped] == list(range(8, 32))


def _golden():
    weights = load_file(osp.join(GOLDEN, 'golden_tiny_weights.safetensors'))
    io = load_file(osp.join(GOLDEN, 'golden_tiny_io.safetensors'))
    return weights, io


def _golden_model(weights, **kwargs):
    m = Sapiens2ViT(arch=GOLDEN_ARCH, patch_size=4, out_indices=[8, 16], **kwargs).eval()
    sd = weights if kwargs.get('use_tokenizer') else \
        {k: v for k, v in weights.items() if not k.startswith('tokenizer.')}
    m.load_state_dict(sd, strict=True)
    return m


def test_golden_values_of_the_release():
    """Outputs of the release's own ``Sapiens2`` (standalone file) on the fixture's weights,
    stored under the release's key names: ours must agree in fp32 (they agree bit for bit on
    the CPU). The fixture's ``periods`` are not the default ones, so they must be loaded."""
    weights, io = _golden()
    assert weights['rope_embed.periods'].dtype == torch.bfloat16
    assert not torch.equal(weights['rope_embed.periods'], rope_periods(8))
    m = _golden_model(weights)
    tol = dict(rtol=1e-5, atol=1e-5)
    with torch.no_grad():
        f8, f16 = m(io['input_a'])
        torch.testing.assert_close(f8, io['featmap_a_8'], **tol)   # GQA block, un-normed
        torch.testing.assert_close(f16, io['featmap_a_16'], **tol)  # last block, final norm
        m.out_type = 'raw'
        torch.testing.assert_close(m(io['input_a'])[1], io['raw_a_16'], **tol)
        m.out_type = 'cls_token'
        torch.testing.assert_close(m(io['input_a'])[1], io['cls_a_16'], **tol)
        mt = _golden_model(weights, use_tokenizer=True)
        t8, t16 = mt(io['input_b'])
        torch.testing.assert_close(t8, io['featmap_b_8'], **tol)
        torch.testing.assert_close(t16, io['featmap_b_16'], **tol)
    assert f16.shape == (2, 16, 6, 5) and t16.shape == (1, 16, 3, 2)


def test_golden_rope_tables_and_periods():
    weights, io = _golden()
    rope = Sapiens2RoPE(16, 2)
    rope.periods.copy_(weights['rope_embed.periods'])
    sin, cos = rope(6, 5)
    assert sin.dtype == torch.bfloat16
    assert torch.equal(sin, io['rope_sin_6x5']) and torch.equal(cos, io['rope_cos_6x5'])
    for hd in (64, 80, 76):  # the release's bf16-computed periods, not rounded exact values
        assert torch.equal(rope_periods(hd), io[f'periods_hd{hd}'])
    assert rope_periods(64).tolist() == [1.0, 1.3359375, 1.78125, 2.375, 3.15625, 4.21875,
                                         5.625, 7.5, 10.0, 13.3125, 17.75, 23.75, 31.625,
                                         42.25, 56.25, 75.0]


def test_golden_is_sensitive_to_the_bf16_rope():
    """Applying the same tables in fp32 (q, k not rounded to bf16) misses the golden values:
    the fixture can tell a faithful RoPE from a plausible one."""
    weights, io = _golden()
    m = _golden_model(weights)
    table = m.rope_embed.forward
    m.rope_embed.forward = lambda H, W: tuple(t.float() for t in table(H, W))
    with torch.no_grad():
        assert (m(io['input_a'])[1] - io['featmap_a_16']).abs().max() > 1e-2


def test_float_half_to_keep_the_rope_buffer_bf16_and_the_outputs():
    weights, io = _golden()
    m = _golden_model(weights)
    with torch.no_grad():
        ref = m(io['input_a'])[1]
        m.float()
        m.to(torch.float64)
        assert m.rope_embed.periods.dtype == torch.bfloat16
        assert m.blocks[0].attn.wq.weight.dtype == torch.float64
        m.float()
        torch.testing.assert_close(m(io['input_a'])[1], ref, rtol=0, atol=0)
        m.to('meta')
        assert m.rope_embed.periods.device.type == 'meta'
        assert m.rope_embed.periods.dtype == torch.bfloat16


def test_apply_rope_leaves_prefix_tokens_and_casts_back():
    q = torch.randn(1, 2, 9 + 6, 8)
    k = torch.randn(1, 2, 9 + 6, 8)
    rope = Sapiens2RoPE(16, 2)(2, 3)
    q2, k2 = apply_rope(q, k, rope)
    assert q2.dtype == torch.float32
    assert torch.equal(q2[:, :, :9], q[:, :, :9].bfloat16().float())  # rounded, not rotated
    assert not torch.allclose(q2[:, :, 9:], q[:, :, 9:], atol=1e-2)
    with pytest.raises(ValueError, match='RoPE table'):
        apply_rope(q[:, :, :3], k[:, :, :3], rope)


def test_rope_coordinates_are_rounded_once_as_on_cuda():
    """Half-integer coordinates above 128 are not bf16 numbers: 129.5 rounds (ties to even)
    to 130, as CUDA's bf16 arange gives; the CPU's vectorised bf16 arange gives 129."""
    rope = Sapiens2RoPE(16, 1)  # hd 16: columns [theta_h(4), theta_w(4)] twice
    sin, _ = rope(1, 192)
    c = torch.tensor([128.5, 129.5, 130.5]).bfloat16()
    assert c.tolist() == [128.0, 130.0, 130.0]
    c = 2.0 * (c / 192) - 1.0
    expected = torch.sin(2 * torch.pi * c[:, None] / rope.periods[None, :])
    assert torch.equal(sin[128:131, 4:8], expected)


@pytest.mark.parametrize('hd, hw', [(16, (6, 5)), (64, (64, 48)), (80, (3, 192)),
                                    (76, (130, 1))])
def test_rope_in_fp32_gives_the_bf16_values(hd, hw):
    """``bf16_rope_in_fp32`` (what the ONNX export traces: onnxruntime has no bf16 Mul/Sin)
    computes in fp32 with bf16 rounding and gives the bf16 tables' and ``apply_rope``'s bits."""
    rope = Sapiens2RoPE(4 * hd, 4)
    tables = rope(*hw)
    with bf16_rope_in_fp32():
        emulated = rope(*hw)
    assert [t.dtype for t in emulated] == [torch.float32] * 2
    assert all(torch.equal(a.float(), b) for a, b in zip(tables, emulated))
    g = torch.Generator().manual_seed(hd)
    for dtype in (torch.float32, torch.bfloat16):
        q = (3 * torch.randn(2, 4, 9 + hw[0] * hw[1], hd, generator=g)).to(dtype)
        k = q.flip(-1)
        ref = apply_rope(q, k, tables)
        with bf16_rope_in_fp32():
            got = apply_rope(q, k, emulated)
        assert got[0].dtype == dtype
        assert torch.equal(got[0], ref[0]) and torch.equal(got[1], ref[1])
    # outside the context, fp32 tables rotate in fp32 without rounding (the fast-path tests'
    # exact comparisons rely on it)
    q = torch.randn(1, 4, 9 + hw[0] * hw[1], hd, generator=g)
    fp32 = apply_rope(q, q, emulated)[0]
    assert not torch.equal(fp32, fp32.bfloat16().float())


def test_out_types_indices_and_shapes():
    m = Sapiens2ViT(**TINY, out_indices=(3, -1)).eval()
    x = torch.randn(2, 3, 64, 48)
    with torch.no_grad():
        f3, f_last = m(x)
        assert f3.shape == f_last.shape == (2, 64, 4, 3)
        m.out_type = 'raw'
        assert m(x)[1].shape == (2, 9 + 12, 64)
        m.out_type = 'cls_token'
        assert m(x)[1].shape == (2, 64)
    with pytest.raises(ValueError, match='out_indices'):
        Sapiens2ViT(**TINY, out_indices=18)
    with pytest.raises(ValueError, match='out_type'):
        Sapiens2ViT(**TINY, out_type='avg_featmap')
    with pytest.raises(ValueError, match='SapiensViT'):
        Sapiens2ViT(arch='sapiens_1b')


def test_tokenizer_shapes_and_window_error():
    m = Sapiens2ViT(**TINY, use_tokenizer=True).eval()
    assert m(torch.randn(1, 3, 128, 64))[0].shape == (1, 64, 2, 1)
    with pytest.raises(ValueError, match='4x4 windows'):
        m(torch.randn(1, 3, 96, 64))


def test_random_init_matches_the_release_rules():
    torch.manual_seed(0)
    m = Sapiens2ViT(**TINY, use_tokenizer=True)
    m.init_weights()
    b = m.blocks[0]
    assert torch.all(b.attn.gamma.weight == 1e-4)
    assert torch.all(b.ln1.weight == 1) and torch.all(b.attn.q_norm.weight == 1)
    # torch's trunc_normal_ bounds are +-2 absolute (not +-2 std), as in the release
    assert torch.all(b.attn.wq.bias == 0) and b.attn.wq.weight.abs().max() > 0.04
    assert 0.015 < b.ffn.w12.weight.std() < 0.025
    assert 0.01 < m.storage_tokens.std() < 0.03 and m.tokenizer.w_cls.abs().sum() > 0


def test_frozen_stages_stay_frozen_in_train_mode():
    m = Sapiens2ViT(**TINY, frozen_stages=2, use_tokenizer=True).train()
    assert not m.blocks[1].training and m.blocks[2].training and not m.tokenizer.training
    frozen = {n for n, p in m.named_parameters() if not p.requires_grad}
    assert 'cls_token' in frozen and 'storage_tokens' in frozen
    assert 'patch_embed.projection.weight' in frozen and 'blocks.1.attn.wq.weight' in frozen
    assert 'blocks.2.attn.wq.weight' not in frozen and 'ln1.weight' not in frozen
    all_frozen = Sapiens2ViT(**TINY, frozen_stages=18)
    assert not all_frozen.ln1.weight.requires_grad


def test_activation_checkpointing_gives_same_values_and_grads():
    torch.manual_seed(0)
    a = Sapiens2ViT(**TINY)
    a.init_weights()
    b = Sapiens2ViT(**TINY, with_cp=True)
    b.load_state_dict(a.state_dict())
    x = torch.randn(1, 3, 32, 32)
    a.train(), b.train()
    ya, yb = a(x)[0], b(x)[0]
    torch.testing.assert_close(ya, yb)
    ya.square().sum().backward()
    yb.square().sum().backward()
    torch.testing.assert_close(a.blocks[8].attn.wk.weight.grad, b.blocks[8].attn.wk.weight.grad)


def test_builds_from_every_scope():
    from mmengine.registry import MODELS
    from mmpose.registry import MODELS as POSE
    from mmseg.registry import MODELS as SEG
    for registry in (MODELS, POSE, SEG):
        m = registry.build(dict(type='Sapiens2ViT', **TINY))
        assert isinstance(m, Sapiens2ViT)

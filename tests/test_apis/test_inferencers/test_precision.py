"""precision='auto' per device and CPU capability (mocked), and the fast path on a model."""
import pytest
import torch

from sapiens_mm.apis.inferencers import precision as P


@pytest.mark.parametrize('amx, avx512_bf16, expected', [
    (True, False, torch.bfloat16), (False, True, torch.bfloat16),
    (False, False, torch.float32)])
def test_auto_on_cpu_follows_native_bf16(monkeypatch, amx, avx512_bf16, expected):
    monkeypatch.setattr(torch.cpu, '_is_amx_tile_supported', lambda: amx, raising=False)
    monkeypatch.setattr(torch.cpu, '_is_avx512_bf16_supported', lambda: avx512_bf16,
                        raising=False)
    assert P.cpu_has_native_bf16() is (amx or avx512_bf16)
    assert P.choose_precision('auto', 'cpu') == expected
    assert P.choose_precision('fp32', 'cpu') == torch.float32
    assert P.choose_precision('bf16', 'cpu') == torch.bfloat16


def test_cpuinfo_flags_when_torch_has_no_query(monkeypatch):
    monkeypatch.delattr(torch.cpu, '_is_amx_tile_supported', raising=False)
    monkeypatch.delattr(torch.cpu, '_is_avx512_bf16_supported', raising=False)
    monkeypatch.setattr(P, '_cpuinfo_flags', lambda: {'avx2', 'avx512f'})
    assert P.cpu_has_native_bf16() is False
    monkeypatch.setattr(P, '_cpuinfo_flags', lambda: {'avx512f', 'amx_bf16'})
    assert P.cpu_has_native_bf16() is True


def test_auto_on_cuda_and_bad_names(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_bf16_supported', lambda *a, **k: True)
    assert P.choose_precision('auto', 'cuda') == torch.bfloat16
    monkeypatch.setattr(torch.cuda, 'is_bf16_supported', lambda *a, **k: False)
    assert P.choose_precision('auto', 'cuda:0') == torch.float32
    with pytest.raises(ValueError, match="'fp16'"):
        P.choose_precision('fp16', 'cpu')


def test_best_device(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    assert P.best_device() == 'cpu'
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    assert P.best_device() == 'cuda'


@pytest.mark.parametrize('dtype', [torch.float32, torch.bfloat16])
def test_make_fast_heads_in_dtype_decode_in_fp32(dtype):
    import copy
    from tests.helpers.tiny_task_models import build, tiny_config
    ref = build(tiny_config('seg', padding=2)).eval()
    fast = P.make_fast(copy.deepcopy(ref), dtype)
    assert next(fast.decode_head.parameters()).dtype == dtype
    assert next(fast.backbone.parameters()).dtype == dtype
    x = torch.randn(2, 3, 64, 48)
    with torch.no_grad():
        a = ref.decode_head.forward(ref.extract_feat(x))
        b = fast.decode_head.forward(fast.extract_feat(x))
    assert b.dtype == torch.float32 and b.shape == a.shape and b.is_contiguous()
    rel = ((a - b).abs().max() / a.abs().max()).item()
    assert rel < (1e-4 if dtype == torch.float32 else 0.1)
    if dtype == torch.bfloat16:
        assert rel > 0  # really ran in bf16


def test_conv1x1_as_matmul_equals_the_convolution():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(16, 8, 1).eval()
    other = [torch.nn.Conv2d(16, 8, 3, padding=1), torch.nn.Conv2d(16, 8, 1, stride=2),
             torch.nn.Conv2d(16, 8, 1, groups=2), torch.nn.ConvTranspose2d(16, 8, 1)]
    assert P.Conv1x1AsMatmul.applies(conv) and not any(map(P.Conv1x1AsMatmul.applies, other))
    fast = P.Conv1x1AsMatmul(conv)
    x = torch.randn(3, 16, 5, 7)
    calls = []
    conv.register_forward_hook(lambda *a: calls.append(1))  # the module's own forward
    with torch.no_grad():
        ref = conv(x)
        calls.clear()
        out = fast(x)
        assert calls == [] and out.shape == (3, 8, 5, 7)  # the matmul path, not the conv
        torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-6)
        # a channels_last input falls back to the convolution (same result)
        torch.testing.assert_close(fast(x.contiguous(memory_format=torch.channels_last)), ref,
                                   rtol=1e-5, atol=1e-6)
    # with autograd (training) the convolution runs and gradients flow
    x.requires_grad_(True)
    fast(x).sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape


def test_make_fast_runs_head_1x1_convs_as_matmuls():
    from tests.helpers.tiny_task_models import build, tiny_config
    model = build(tiny_config('seg')).eval()
    head = model.decode_head
    n = sum(P.Conv1x1AsMatmul.applies(m) for m in head.modules())
    x = torch.randn(2, 3, 64, 48)
    with torch.no_grad():
        ref = head.forward(model.extract_feat(x))
        P.make_fast(model, torch.float32)
        out = head.forward(model.extract_feat(x))
    swapped = [m for m in head.modules()
               if isinstance(m.__dict__.get('forward'), P.Conv1x1AsMatmul)]
    assert n >= 2 and len(swapped) == n
    torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-5)


def test_make_fast_compiled_head_gives_the_same_output():
    """``compile_head``: the head's forward through torch.compile (inductor), same result."""
    from tests.helpers.tiny_task_models import build, tiny_config
    model = build(tiny_config('depth')).eval()
    head = model.decode_head
    x = torch.randn(1, 3, 64, 48)
    from torch._dynamo.utils import counters
    with torch.no_grad():
        ref = head.forward(model.extract_feat(x))
        P.make_fast(model, torch.float32, compile_head=True)
        counters.clear()
        out = head.forward(model.extract_feat(x))
    assert counters['stats']['unique_graphs'] >= 1  # dynamo captured the head's forward
    assert not any(isinstance(m.__dict__.get('forward'), P.Conv1x1AsMatmul)
                   for m in head.modules())  # inductor gets the plain module
    torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-5)

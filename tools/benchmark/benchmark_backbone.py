"""Backbone forward speed: sapiens_mm's fast inference vs the plain mmpretrain ViT, same weights.

    python tools/benchmark/benchmark_backbone.py [--archs 0.3b,0.6b] [--dtypes fp32,bf16] \
        [--repeats 3] [--warmup 1] [--threads 2] [--levers] [--compile] [--layers L] \
        [--json docs/benchmarks_backbone.json] [--markdown docs/benchmarks.md]

For each arch, at 1024x768 (``--img-size``), batch 1 (``--batch``), in ONE run:

1. the machine's **matmul rate** at fp32 and bf16, measured on the four GEMM shapes of the
   arch's encoder layer ((N x C) @ (C x 3C), (C x C), (C x 4C), (4C x C), N = tokens), best of
   ``torch.mm`` on a transposed or a contiguous weight; plus the rate of the attention kernel
   (``F.scaled_dot_product_attention``, (1, heads, N, C/heads)) for context. The same four
   GEMMs are timed again in every round of step 4, and that in-run rate is the denominator
   of "of matmul rate" (so the fraction is taken under the same load as the forwards);
2. the **reference**: mmpretrain's own ``VisionTransformer`` with the Sapiens arch dict
   (``patch_cfg=dict(padding=2)``, no cls token, featmap output), run as the original does:
   fp32, and bf16 under ``torch.autocast``;
3. **ours**: ``SapiensViT`` holding the same weights (``load_state_dict`` of the reference),
   converted by :func:`sapiens_mm.apis.inferencers.enable_fast_inference` (fp32 and pure bf16
   with fused layer kernels). ``--levers`` adds the intermediate steps (upstream forward with
   pure bf16 weights; fused kernels without pre-packed weights); ``--compile`` adds
   ``torch.compile`` (inductor, weight freezing) of the pure-bf16 upstream model, compile time
   reported separately.

Variants are timed round-robin (one forward of each per round, median over ``--repeats``
rounds), so load from other processes hits all of them alike; the load average is printed
before and after. Per variant: seconds per forward, images/s, achieved GFLOP/s (FLOPs = 2 x
MACs, MACs = sum over layers of 12 N C^2 + 2 N^2 C, plus the patch embedding), the fraction of
the matmul rate at that precision, the ratios to the reference in fp32 and bf16 autocast, and
the error of the feature map against the fp32 reference (max abs, max abs / max |ref|,
cosine similarity). Weights are random (std 0.02) unless ``--checkpoint`` gives a backbone
checkpoint in any layout ``SapiensViT`` loads. Asserts nothing.
"""
import argparse
import os
import platform
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from mmengine.logging import MMLogger
from mmpretrain.models.backbones import VisionTransformer

from sapiens_mm.analysis.complexity import vit_macs_formula
from sapiens_mm.models.backbones import SapiensViT
from sapiens_mm.apis.inferencers.fast_inference import enable_fast_inference

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from markdown_section import load_average, publish

DTYPES = dict(fp32=torch.float32, bf16=torch.bfloat16, fp16=torch.float16)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    return f'{cpu}, {os.cpu_count()} logical CPUs, torch {torch.__version__}'


def sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def median_time(fn, device, repeats: int, warmup: int) -> float:
    for _ in range(warmup):
        fn()
    sync(device)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


# --------------------------------------------------------------------- machine rates
def matmul_rate(n: int, c: int, ffn: int, dtype, device, repeats: int) -> dict:
    """GFLOP/s of the encoder layer's four GEMMs (total FLOPs / total of best times)."""
    total_flops, total_time, per_shape = 0, 0.0, {}
    for k, m in [(c, 3 * c), (c, c), (c, ffn), (ffn, c)]:
        a = torch.randn(n, k, dtype=dtype, device=device)
        w = torch.randn(m, k, dtype=dtype, device=device)
        wt = w.t().contiguous()
        best = min(median_time(lambda: torch.mm(a, w.t()), device, repeats, 1),
                   median_time(lambda: torch.mm(a, wt), device, repeats, 1))
        flops = 2 * n * k * m
        per_shape[f'{n}x{k}x{m}'] = flops / best / 1e9
        total_flops += flops
        total_time += best
    return dict(gflops=total_flops / total_time / 1e9, per_shape=per_shape)


def gemm_set(n: int, c: int, ffn: int, dtype, device):
    """(callable running the layer's four GEMMs once, their FLOPs)."""
    ops = [(torch.randn(n, k, dtype=dtype, device=device),
            torch.randn(k, m, dtype=dtype, device=device))
           for k, m in [(c, 3 * c), (c, c), (c, ffn), (ffn, c)]]

    def run():
        with torch.inference_mode():
            for a, b in ops:
                torch.mm(a, b)
    return run, sum(2 * a.shape[0] * a.shape[1] * b.shape[1] for a, b in ops)


def attention_rate(n: int, c: int, heads: int, dtype, device, repeats: int) -> float:
    """GFLOP/s of F.scaled_dot_product_attention on (1, heads, n, c/heads) (4 n^2 c FLOPs)."""
    q, k, v = torch.randn(3, 1, heads, n, c // heads, dtype=dtype, device=device).unbind(0)
    t = median_time(lambda: F.scaled_dot_product_attention(q, k, v), device, repeats, 1)
    return 4 * n * n * c / t / 1e9


# --------------------------------------------------------------------- models
def arch_dict(name: str, layers: int = None) -> dict:
    arch = dict(SapiensViT.arch_zoo[name.lower()])
    if layers:
        arch['num_layers'] = layers
    return arch


def build_reference(arch: dict, img_size, device) -> torch.nn.Module:
    """mmpretrain's plain ViT as the original Sapiens fine-tuning configs build it."""
    model = VisionTransformer(arch=arch, img_size=img_size, patch_size=16, with_cls_token=False,
                              out_type='featmap', patch_cfg=dict(padding=2))
    model.to(device)
    model.eval()  # mmpretrain's train() returns None
    return model


def build_ours(arch: dict, img_size, state_dict: dict) -> SapiensViT:
    """SapiensViT sharing ``state_dict``'s tensors (no copy)."""
    with torch.device('meta'):
        model = SapiensViT(arch=arch, img_size=img_size, patch_cfg=dict(padding=2))
    model.load_state_dict(state_dict, assign=True)
    return model.eval()


def random_init(model: torch.nn.Module, seed: int = 0) -> None:
    """ViT-like random weights: N(0, 0.02) matrices, small biases, LayerNorm ~1."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith('bias'):
                val = torch.randn(p.shape, generator=gen) * 0.02
            elif p.dim() == 1:  # LayerNorm weights
                val = 1 + torch.randn(p.shape, generator=gen) * 0.1
            else:
                val = torch.randn(p.shape, generator=gen) * 0.02
            p.copy_(val)


def inference(fn):
    def run():
        with torch.inference_mode():
            return fn()
    return run


def compare(out: torch.Tensor, ref: torch.Tensor) -> dict:
    out, ref = out.double().flatten(), ref.double().flatten()
    max_abs = (out - ref).abs().max().item()
    return dict(max_abs_err=max_abs, rel_err=max_abs / ref.abs().max().item(),
                cosine=F.cosine_similarity(out, ref, dim=0).item())


def bench_arch(name: str, args, device, rates: dict, logger) -> dict:
    arch = arch_dict(name, args.layers)
    h, w = args.img_size
    n = (h // 16) * (w // 16)
    flops = 2 * vit_macs_formula(arch, n)['total'] * args.batch
    logger.info(f'[{name}] building models: {arch}')

    reference = build_reference(arch, (h, w), device)
    if args.checkpoint:
        loader = SapiensViT(arch=arch, img_size=(h, w), patch_cfg=dict(padding=2),
                            init_cfg=dict(type='Pretrained', checkpoint=args.checkpoint))
        loader.init_weights()
        reference.load_state_dict(loader.state_dict())
        del loader
    else:
        random_init(reference)
    sd32 = reference.state_dict()
    x = torch.randn(args.batch, 3, h, w, device=device, generator=None)

    variants = {}  # name -> (dtype key, callable)

    def autocast_ref():
        with torch.autocast(device.type, dtype=torch.bfloat16):
            return reference(x)

    if 'fp32' in args.dtypes:
        variants['reference fp32'] = ('fp32', lambda: reference(x))
        ours32 = enable_fast_inference(build_ours(arch, (h, w), sd32), torch.float32)
        variants['ours fp32 (fused layers)'] = ('fp32', lambda: ours32(x))
    low = [d for d in args.dtypes if d != 'fp32']
    for key in low:
        dtype = DTYPES[key]
        if key == 'bf16':
            variants['reference bf16 autocast'] = ('bf16', autocast_ref)
        sd_low = {k: v.to(dtype) for k, v in sd32.items()}
        x_low = x.to(dtype)
        if args.levers:
            plain = build_ours(arch, (h, w), sd_low)  # upstream forward, pure low weights
            variants[f'ours {key} weights, upstream forward'] = (key, lambda m=plain: m(x_low))
            unpacked = enable_fast_inference(build_ours(arch, (h, w), sd_low), dtype,
                                             prepack=False)
            variants[f'ours {key} fused, no prepack'] = (key, lambda m=unpacked: m(x))
        fast = enable_fast_inference(build_ours(arch, (h, w), sd_low), dtype)
        variants[f'ours {key} (fused layers)'] = (key, lambda m=fast: m(x))
        if args.compile:
            import torch._inductor.config as inductor_config
            inductor_config.freezing = True
            compiled = torch.compile(build_ours(arch, (h, w), sd_low))
            t = time.perf_counter()
            with torch.no_grad():  # dynamo guards fail under inference_mode here
                compiled(x_low)
            compile_s = time.perf_counter() - t
            logger.info(f'[{name}] torch.compile {key}: {compile_s:.1f} s')
            rates.setdefault('compile_s', {})[f'{name} {key}'] = compile_s

            def run_compiled(m=compiled, xl=x_low):
                with torch.no_grad():
                    return m(xl)
            variants[f'ours {key} torch.compile (freezing)'] = (key, run_compiled)

    # Every variant runs under torch.inference_mode, except compiled ones (no_grad: dynamo's
    # guards fail under inference_mode with mmcv's DropPath here).
    for vname, (key, fn) in list(variants.items()):
        if 'compile' not in vname:
            variants[vname] = (key, inference(fn))

    # Outputs (also the warm-up) and accuracy against the fp32 reference.
    results = {}
    with torch.inference_mode():
        ref_out = reference(x)[0].float() if 'fp32' in args.dtypes else None
    for vname, (key, fn) in variants.items():
        for _ in range(max(1, args.warmup)):
            out = fn()
        results[vname] = dict(dtype=key, times=[])
        if ref_out is not None:
            results[vname].update(compare(out[0].float(), ref_out))
    # The layer GEMMs at each precision, timed in the same rounds: the matmul rate that the
    # fractions use is measured under the same load as the forwards.
    gemms = {key: gemm_set(n, arch['embed_dims'], arch['feedforward_channels'], DTYPES[key],
                           device) for key in args.dtypes}
    gemm_times = {key: [] for key in gemms}
    logger.info(f'[{name}] timing {len(variants)} variants x {args.repeats} rounds '
                f'(load {load_average()})')
    for r in range(args.repeats):
        for vname, (_, fn) in variants.items():
            sync(device)
            t = time.perf_counter()
            fn()
            sync(device)
            results[vname]['times'].append(time.perf_counter() - t)
        for key, (run_gemms, _) in gemms.items():
            gemm_times[key].append(median_time(run_gemms, device, 1, 0))
        logger.info(f'[{name}] round {r + 1}/{args.repeats} done (load {load_average()})')
    in_run = {key: gemms[key][1] / statistics.median(t) / 1e9 for key, t in gemm_times.items()}
    base32 = results.get('reference fp32')
    base16 = results.get('reference bf16 autocast')
    for vname, res in results.items():
        s = statistics.median(res['times'])
        res.update(seconds=s, images_per_s=args.batch / s, gflops=flops / s / 1e9)
        rate = in_run.get(res['dtype']) or rates.get(res['dtype'], {}).get('gflops')
        res['fraction_of_matmul'] = res['gflops'] / rate if rate else None
    for vname, res in results.items():
        res['x_ref_fp32'] = base32['seconds'] / res['seconds'] if base32 else None
        res['x_ref_bf16_autocast'] = base16['seconds'] / res['seconds'] if base16 else None
    return dict(arch=name, arch_settings=arch, tokens=n, flops=flops,
                matmul_gflops_in_run=in_run, variants=results)


def markdown(report: dict) -> str:
    lines = [f'## Backbone forward, {report["img_size"][0]}x{report["img_size"][1]}, '
             f'batch {report["batch"]}', '',
             f'Machine: {report["machine"]}, {report["threads"]} threads, device '
             f'{report["device"]}; load average {report["load_before"]} before, '
             f'{report["load_after"]} after. Median of {report["repeats"]} round-robin rounds.',
             '', f'Command: `{report["command"]}`', '']
    lines += ['At the start of the run (best of torch.mm layouts per shape):', '',
              '| precision | matmul GFLOP/s (layer GEMMs) | attention kernel GFLOP/s |',
              '|---|---|---|']
    for key, r in report['rates'].items():
        if key in DTYPES:
            lines.append(f'| {key} | {r["gflops"]:.0f} | {r["attention_gflops"]:.0f} |')
    lines.append('')
    for a in report['archs']:
        lines += [f'### {a["arch"]} ({a["arch_settings"]["num_layers"]} layers, '
                  f'{a["tokens"]} tokens, {a["flops"] / 1e12:.2f} TFLOP per forward)', '',
                  'Matmul rate measured in the same rounds (used for "of matmul rate"): '
                  + ', '.join(f'{k} {v:.0f} GFLOP/s'
                              for k, v in a['matmul_gflops_in_run'].items()) + '.', '',
                  '| variant | s/forward | images/s | GFLOP/s | of matmul rate | '
                  'x ref fp32 | x ref bf16 autocast | max abs err | rel err | cosine |',
                  '|---|---|---|---|---|---|---|---|---|---|']

        def f(v, fmt):
            return '' if v is None else format(v, fmt)
        for vname, r in a['variants'].items():
            lines.append(
                f'| {vname} | {r["seconds"]:.2f} | {r["images_per_s"]:.3f} | '
                f'{r["gflops"]:.0f} | {f(r["fraction_of_matmul"], ".0%")} | '
                f'{f(r["x_ref_fp32"], ".2f")} | {f(r["x_ref_bf16_autocast"], ".2f")} | '
                f'{f(r.get("max_abs_err"), ".2e")} | {f(r.get("rel_err"), ".2e")} | '
                f'{f(r.get("cosine"), ".6f")} |')
        lines.append('')
    if report['rates'].get('compile_s'):
        lines.append('torch.compile time (s): ' + ', '.join(
            f'{k}: {v:.0f}' for k, v in report['rates']['compile_s'].items()))
        lines.append('')
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--archs', default=None,
                        help='comma-separated arch names (default 0.3b,0.6b on CPU, all four '
                        'sizes on a GPU)')
    parser.add_argument('--dtypes', default='fp32,bf16', help='comma-separated: fp32,bf16,fp16')
    parser.add_argument('--img-size', type=int, nargs=2, default=(1024, 768), metavar=('H', 'W'))
    parser.add_argument('--batch', type=int, default=1)
    parser.add_argument('--repeats', type=int, default=3, help='timed rounds (median)')
    parser.add_argument('--warmup', type=int, default=1, help='untimed forwards per variant')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--threads', type=int, default=None, help='torch.set_num_threads')
    parser.add_argument('--layers', type=int, default=None,
                        help='override the number of layers (quick runs; FLOPs follow)')
    parser.add_argument('--levers', action='store_true',
                        help='also time the intermediate steps (one lever at a time)')
    parser.add_argument('--compile', action='store_true',
                        help='also time torch.compile of the pure low-precision model')
    parser.add_argument('--checkpoint', default=None, help='backbone weights to use')
    parser.add_argument('--json', default=None, help='write the results as JSON here')
    parser.add_argument('--markdown', default=None, help='write the results table here')
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    args.dtypes = [d.strip() for d in args.dtypes.split(',') if d.strip()]
    unknown = [d for d in args.dtypes if d not in DTYPES]
    if unknown:
        parser.error(f'unknown --dtypes {unknown}; choose from {list(DTYPES)}')
    if args.archs is None:
        args.archs = '0.3b,0.6b' if device.type == 'cpu' else '0.3b,0.6b,1b,2b'
    archs = [a.strip() for a in args.archs.split(',') if a.strip()]
    for a in archs:
        if a.lower() not in SapiensViT.arch_zoo:
            parser.error(f'unknown arch {a!r}; choose from {sorted(SapiensViT.arch_zoo)}')
    logger = MMLogger.get_instance('benchmark_backbone', log_level='INFO')
    torch.manual_seed(0)

    load_before = load_average()
    logger.info(f'{machine()}; {torch.get_num_threads()} threads; load {load_before}')
    h, w = args.img_size
    n = (h // 16) * (w // 16)
    first = arch_dict(archs[0], args.layers)
    rates = {}
    with torch.inference_mode():
        for key in args.dtypes:
            r = matmul_rate(n, first['embed_dims'], first['feedforward_channels'], DTYPES[key],
                            device, max(3, args.repeats))
            r['attention_gflops'] = attention_rate(n, first['embed_dims'], first['num_heads'],
                                                   DTYPES[key], device, max(3, args.repeats))
            rates[key] = r
            logger.info(f'matmul {key}: {r["gflops"]:.0f} GFLOP/s '
                        f'({", ".join(f"{k} {v:.0f}" for k, v in r["per_shape"].items())}); '
                        f'attention kernel {r["attention_gflops"]:.0f} GFLOP/s')
    report = dict(machine=machine(), device=str(device), threads=torch.get_num_threads(),
                  img_size=[h, w], batch=args.batch, repeats=args.repeats,
                  command='python ' + ' '.join(
                      [os.path.relpath(os.path.abspath(__file__))]
                      + (sys.argv[1:] if argv is None else list(argv))),
                  load_before=load_before, rates=rates, archs=[])
    for name in archs:
        report['archs'].append(bench_arch(name, args, device, rates, logger))
    report['load_after'] = load_average()
    table = markdown(report)
    publish(report, table, 'benchmark_backbone', args.markdown, args.json, logger)
    return report


if __name__ == '__main__':
    main()

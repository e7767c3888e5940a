"""Sapiens2 backbone forward speed: sapiens_mm's fast path against the eager module, same
weights, in one run.

    python tools/benchmark/benchmark_sapiens2_backbone.py [--arch sapiens2_0.4b] \
        [--img-size 1024 768] [--repeats 2] [--warmup 1] [--threads 2] [--layers L] \
        [--json docs/benchmarks_sapiens2_backbone.json] [--markdown docs/benchmarks.md]

Variants (batch 1, random weights of ``Sapiens2ViT``'s own init, featmap output):

1. ``eager fp32``: ``Sapiens2ViT`` as built (the release's numerics: RoPE in bf16);
2. ``eager bf16 autocast``: the same module under ``torch.autocast('cpu', torch.bfloat16)``;
3. ``ours fp32``: a copy converted by ``enable_fast_inference(dtype=torch.float32)``;
4. ``ours bf16``: a copy converted by ``enable_fast_inference(dtype=torch.bfloat16)`` (pure
   bf16 weights, fused linear + bias, SwiGLU, SDPA on q/k/v views, RMSNorm in bf16).

Round-robin: one forward of each variant per round, median over ``--repeats`` rounds, so load
from other processes hits all alike. Printed beside the figures: the CPU model, whether it
has native bf16 (``avx512_bf16`` / ``amx_bf16`` flags) and the load average before and after.
Per variant: seconds per forward, ratio to eager fp32 and to eager bf16 autocast, and the
feature map's error against eager fp32 (max abs / max |ref|, cosine). Asserts nothing.
"""
import argparse
import copy
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

from sapiens_mm.apis.inferencers.fast_inference import enable_fast_inference
from sapiens_mm.models.backbones import Sapiens2ViT

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from markdown_section import load_average, publish  # noqa: E402


def cpu_line() -> str:
    model, flags = 'unknown CPU', set()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name') and model == 'unknown CPU':
                    model = line.split(':', 1)[1].strip()
                if line.startswith('flags'):
                    flags = set(line.split(':', 1)[1].split())
                    break
    except OSError:
        pass
    bf16 = sorted(flags & {'avx512_bf16', 'amx_bf16', 'amx_tile'})
    return (f'{model}, {os.cpu_count()} logical CPUs, torch {torch.__version__}, native bf16 '
            f'flags: {", ".join(bf16) or "none (bf16 is emulated: slow)"}')


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--arch', default='sapiens2_0.4b')
    p.add_argument('--img-size', type=int, nargs=2, default=(1024, 768), metavar=('H', 'W'))
    p.add_argument('--layers', type=int, default=None, help='fewer blocks (quick runs)')
    p.add_argument('--repeats', type=int, default=2)
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--threads', type=int, default=None)
    p.add_argument('--json')
    p.add_argument('--markdown')
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    arch = dict(Sapiens2ViT.arch_zoo[args.arch])
    if args.layers:
        arch['num_layers'] = args.layers
    eager = Sapiens2ViT(arch=arch, img_size=tuple(args.img_size)).eval()
    eager.init_weights()
    ours32 = enable_fast_inference(copy.deepcopy(eager), dtype=torch.float32)
    ours16 = enable_fast_inference(copy.deepcopy(eager), dtype=torch.bfloat16)
    x = torch.randn(1, 3, *args.img_size)

    def autocast_forward():
        with torch.autocast('cpu', dtype=torch.bfloat16):
            return eager(x)

    variants = {'eager fp32': lambda: eager(x), 'eager bf16 autocast': autocast_forward,
                'ours fp32': lambda: ours32(x), 'ours bf16': lambda: ours16(x)}
    load_before = load_average()
    outs, times = {}, {k: [] for k in variants}
    with torch.inference_mode():
        for k, fn in variants.items():
            for _ in range(args.warmup):
                outs[k] = fn()[0].float()
        for _ in range(args.repeats):
            for k, fn in variants.items():
                t = time.perf_counter()
                outs[k] = fn()[0].float()
                times[k].append(time.perf_counter() - t)
    load_after = load_average()
    ref = outs['eager fp32']
    med = {k: statistics.median(v) for k, v in times.items()}
    rows = []
    for k in variants:
        err = (outs[k] - ref).abs().max().item() / ref.abs().max().item()
        cos = F.cosine_similarity(outs[k].double().flatten(), ref.double().flatten(),
                                  dim=0).item()
        rows.append(dict(variant=k, seconds=med[k], times=times[k],
                         vs_eager_fp32=med['eager fp32'] / med[k],
                         vs_eager_bf16=med['eager bf16 autocast'] / med[k],
                         rel_max_err=err, cosine=cos))
    layers = f', {args.layers} of its blocks' if args.layers else ''
    table = [f'`{args.arch}`{layers} at {args.img_size[0]}x{args.img_size[1]}, batch 1, random '
             f'weights; {cpu_line()}; load average before {load_before}, after {load_after}; '
             f'median of {args.repeats} round-robin rounds.', '',
             '| variant | s / forward | vs eager fp32 | vs eager bf16 autocast | max abs err / '
             'max abs ref | cosine vs fp32 |', '|---|---|---|---|---|---|']
    for r in rows:
        table.append(f"| {r['variant']} | {r['seconds']:.2f} | {r['vs_eager_fp32']:.2f} | "
                     f"{r['vs_eager_bf16']:.2f} | {r['rel_max_err']:.2g} | {r['cosine']:.6f} |")
    table.append('')
    table.append('Command: `python tools/benchmark/benchmark_sapiens2_backbone.py '
                 + ' '.join(argv if argv is not None else sys.argv[1:]) + '`')
    report = dict(arch=args.arch, img_size=list(args.img_size), cpu=cpu_line(),
                  load_before=load_before, load_after=load_after, rows=rows)
    publish(report, '\n'.join(table), 'Sapiens2 backbone (fast path vs eager)', args.markdown,
            args.json)
    return report


if __name__ == '__main__':
    main()

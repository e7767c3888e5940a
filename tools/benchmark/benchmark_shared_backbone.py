"""Time of the three dense Sapiens models (seg, depth, normal) run separately vs with one
shared backbone pass, on the same images, and the largest output difference between the two.

    python tools/benchmark/benchmark_shared_backbone.py [--arch sapiens_tiny] [--size 256 192]
        [--images 2] [--batch-size 2] [--repeats 3] [--threads 2]
    python tools/benchmark/benchmark_shared_backbone.py --arch sapiens_0.3b --size 1024 768 \
        --images 1 --batch-size 1 --repeats 1 --no-warmup

Weights are random, the three backbones made equal (heads fine-tuned on one frozen backbone);
the normal model gets the seg/depth patch padding (0) so that the three inputs and backbones
coincide. Prints the times (best of --repeats), the saving and the load average; asserts
nothing.
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import numpy as np
import torch

import sapiens_mm  # noqa: F401
from sapiens_mm.apis.inference import SapiensInferencer
from task_configs import sized_config


def dense_config(task, arch, hw):
    """``task``'s config at ``hw`` with the seg/depth patch padding (0) for every task."""
    cfg = sized_config(task, arch, hw)
    cfg.model.backbone.patch_cfg = dict(padding=0)
    return cfg


def best_of(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--arch', default='sapiens_tiny')
    p.add_argument('--size', type=int, nargs=2, default=(256, 192), metavar=('H', 'W'))
    p.add_argument('--images', type=int, default=2)
    p.add_argument('--batch-size', type=int, default=2)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--dtype', default='fp32', choices=['fp32', 'bf16'])
    p.add_argument('--no-warmup', action='store_true', help='skip the warm-up pass')
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    specs = [(dense_config(t, args.arch, args.size), None) for t in ('seg', 'depth', 'normal')]
    inf = SapiensInferencer(specs, batch_size=args.batch_size, precision=args.dtype,
                            share_backbone=False, engine='torch')
    common = inf.models['seg'].model.backbone.state_dict()
    for task in ('depth', 'normal'):
        inf.models[task].model.backbone.load_state_dict(common)
    rng = np.random.default_rng(0)
    h, w = args.size
    images = [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for _ in range(args.images)]
    if not args.no_warmup:
        inf(images[:1])
    t_sep, sep = best_of(lambda: inf(images)['predictions'], args.repeats)
    assert inf.set_sharing(True) == [['seg', 'depth', 'normal']]
    t_sh, sh = best_of(lambda: inf(images)['predictions'], args.repeats)
    seg_diff = max(int((a['seg'] != b['seg']).sum()) for a, b in zip(sep, sh))
    d_diff = max(float(np.abs(a['depth'] - b['depth']).max()) for a, b in zip(sep, sh))
    n_diff = max(float(np.abs(a['normal'] - b['normal']).max()) for a, b in zip(sep, sh))
    print(f'{args.arch} {h}x{w}, {args.images} images, batch {args.batch_size}, '
          f'{args.threads} threads, {args.dtype}, best of {args.repeats}')
    print(f'  separate (3 backbone passes): {t_sep:8.3f} s  ({t_sep / args.images:.3f} s/image)')
    print(f'  shared   (1 backbone pass)  : {t_sh:8.3f} s  ({t_sh / args.images:.3f} s/image)')
    print(f'  saving: {100 * (1 - t_sh / t_sep):.1f} % of the time, speed-up x{t_sep / t_sh:.2f}')
    print(f'  shared vs separate: seg pixels differing {seg_diff}, max |depth diff| {d_diff:.3g}, '
          f'max |normal diff| {n_diff:.3g}')
    print(f'  load average: {open("/proc/loadavg").read().strip()}')


if __name__ == '__main__':
    main()

"""Per-person time of 308-keypoint heatmap decoding: mmpose's numpy UDP decode vs sapiens_mm's
batched torch decode, on the same heatmaps, with the largest keypoint difference.

    python tools/benchmark/benchmark_pose_decode.py [--persons 16] [--repeats 3] [--threads 2]
        [--backbone sapiens_0.3b]   # also time one backbone forward at 1024x768 for scale

Heatmaps are 308 x 256 x 192 (the 1024x768 Sapiens output), made by mmpose's own UDP encoder
with noise, so the maxima sit where real outputs put them. Prints a table; asserts nothing.
"""
import argparse
import time

import numpy as np
import torch
from mmpose.codecs import UDPHeatmap

from sapiens_mm.codecs import decode_udp_heatmaps


def make_heatmaps(persons, k, rng):
    codec = UDPHeatmap(input_size=(768, 1024), heatmap_size=(192, 256), sigma=6)
    out = np.empty((persons, k, 256, 192), np.float32)
    for p in range(persons):
        kpts = rng.uniform([0, 0], [768, 1024], (1, k, 2)).astype(np.float32)
        out[p] = codec.encode(kpts, np.ones((1, k)))['heatmaps']
    out += rng.normal(0, 0.01, out.shape).astype(np.float32)
    return codec, out


def best_of(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--persons', type=int, default=16)
    parser.add_argument('--keypoints', type=int, default=308)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--threads', type=int, default=torch.get_num_threads())
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--backbone', default=None,
                        help='also time a SapiensViT forward of this arch at 1024x768, batch 1')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    codec, hm = make_heatmaps(args.persons, args.keypoints, rng)

    n_np = min(args.persons, 4)  # numpy is slow: time it on a few persons
    t_np, ref = best_of(lambda: [codec.decode(h.copy()) for h in hm[:n_np]], args.repeats)
    x = torch.from_numpy(hm).to(args.device)
    decode_udp_heatmaps(x[:1], (768, 1024))  # warm-up
    rows = [('mmpose numpy UDP decode (per person)', t_np / n_np * 1e3, None)]
    for batch in sorted({1, args.persons}):
        t, (k, _) = best_of(lambda: decode_udp_heatmaps(x[:batch], (768, 1024)), args.repeats)
        diff = max(np.abs(k[i].cpu().numpy() - ref[i][0][0]).max() for i in range(min(batch, n_np)))
        rows.append((f'torch batched decode, batch {batch} (per person)', t / batch * 1e3, diff))
    if args.backbone:
        from sapiens_mm.models.backbones import SapiensViT
        model = SapiensViT(arch=args.backbone, patch_cfg=dict(padding=2)).eval().to(args.device)
        img = torch.randn(1, 3, 1024, 768, device=args.device)
        with torch.no_grad():
            t, _ = best_of(lambda: model(img), 1)
        rows.append((f'{args.backbone} backbone forward 1024x768 (per person)', t * 1e3, None))
    print(f'{args.keypoints} heatmaps of 256x192 per person, {args.threads} threads, '
          f'device {args.device}')
    print(f'{"method":<52} {"ms/person":>10} {"speed-up":>9} {"max |dk| px":>12}')
    for name, ms, diff in rows:
        d = '' if diff is None else f'{diff:.2e}'
        print(f'{name:<52} {ms:>10.2f} {rows[0][1] / ms:>8.1f}x {d:>12}')


if __name__ == '__main__':
    main()

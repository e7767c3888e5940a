"""Parity of every exported format with PyTorch, and the bf16 accuracy delta, per task.

    python tools/benchmark/export_parity.py [--arch sapiens_tiny] [--size 128 96]
        [--formats onnx torchscript program] [--tasks pose seg depth normal]

For each task: build the model (random weights, N(0, 0.05)), export it at --size with each
format, run the file on a fixed random input and print max |exported - torch|. Then run the
module in bfloat16 (``.to(torch.bfloat16)``, the release's lite path) and print its delta to
fp32 in task terms: pose keypoints after decoding (pixels of the input), segmentation pixel
agreement of the argmax, depth relative difference, normal angle. Random weights make these
deltas an upper-bound style check, not the accuracy of a trained model. Asserts nothing.
"""
import argparse
import copy
import os.path as osp
import sys
import tempfile
import time

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import torch
import torch.nn.functional as F

import sapiens_mm  # noqa: F401
from sapiens_mm.export import (build_export_model, example_input, export_onnx,
                               export_program, export_torchscript, onnx_max_abs_diff,
                               program_max_abs_diff, torchscript_max_abs_diff)
from task_configs import sized_config


def bf16_delta(task, module, x):
    """Task-level difference between the bf16 and the fp32 module on input ``x``."""
    m16 = copy.deepcopy(module).to(torch.bfloat16)
    with torch.no_grad():
        ref, got = module(x), m16(x.bfloat16()).float()
    raw = f'max |raw diff| {float((got - ref).abs().max()):.3g}'
    if task == 'pose':
        codec = module.model.head.decoder
        k32 = torch.as_tensor(codec.batch_decode(ref)[0][0])
        k16 = torch.as_tensor(codec.batch_decode(got)[0][0])
        px = (k16 - k32).norm(dim=-1)
        return f'{raw}; keypoints: median {px.median():.3g} px, within 1 px ' \
               f'{100 * (px < 1).float().mean():.1f} %, mean {px.mean():.3g} px, ' \
               f'max {px.max():.3g} px'
    if task == 'seg':
        agree = (got.argmax(1) == ref.argmax(1)).float().mean()
        return f'{raw}; argmax pixel agreement {100 * agree:.2f} %'
    if task == 'depth':
        rel = (got - ref).abs() / ref.abs().clamp_min(1e-6)
        return f'{raw}; relative diff mean {rel.mean():.3g}, max {rel.max():.3g}'
    cos = F.cosine_similarity(got, ref, dim=1).clamp(-1, 1)
    ang = torch.rad2deg(torch.acos(cos))
    return f'{raw}; normal angle mean {ang.mean():.3g} deg, max {ang.max():.3g} deg'


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--arch', default='sapiens_tiny')
    p.add_argument('--size', type=int, nargs=2, default=(128, 96), metavar=('H', 'W'))
    p.add_argument('--formats', nargs='*', default=['onnx', 'torchscript', 'program'])
    p.add_argument('--tasks', nargs='+', default=['pose', 'seg', 'depth', 'normal'])
    p.add_argument('--threads', type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    hw = tuple(args.size)
    jobs = dict(onnx=(export_onnx, onnx_max_abs_diff, '.onnx'),
                torchscript=(export_torchscript, torchscript_max_abs_diff, '.pt'),
                program=(export_program, program_max_abs_diff, '.pt2'))
    print(f'{args.arch} at {hw[0]}x{hw[1]}, random weights N(0, 0.05)')
    with tempfile.TemporaryDirectory() as tmp:
        for task in args.tasks:
            torch.manual_seed(0)
            module, _ = build_export_model(sized_config(task, args.arch, hw), None)
            for prm in module.parameters():
                prm.data.normal_(0, 0.05)
            x = example_input(hw)
            for fmt in args.formats:
                export, diff, ext = jobs[fmt]
                t = time.perf_counter()
                path = export(module, osp.join(tmp, task + ext), x)
                took = time.perf_counter() - t
                print(f'{task:6s} {fmt:11s} max |exported - torch| = '
                      f'{diff(module, path, example_input(hw, seed=1)):.3g}  '
                      f'(export {took:.1f} s)')
            print(f'{task:6s} bf16        {bf16_delta(task, module, example_input(hw, seed=2))}')
    print(f'load average: {open("/proc/loadavg").read().strip()}')


if __name__ == '__main__':
    main()

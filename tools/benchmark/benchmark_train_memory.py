"""Peak memory (RSS) and step time of one fine-tuning step, per memory lever, on the CPU.

    python tools/benchmark/benchmark_train_memory.py [--arch sapiens_0.3b] [--size 1024 768]
        [--steps 2] [--threads 2] [--settings fp32 fp32+cp bf16 bf16+cp] [--out FILE.json]

Each setting runs in a fresh Python process (so peak RSS is that setting's alone) which builds
the Goliath pose model of the 0.3B config (``--arch`` swaps the backbone: ``sapiens_tiny`` for a
quick check), the config's optimizer wrapper (AdamW with layer-wise lr decay, gradient
clipping) and one batch of batch size 1 at ``--size`` (H W) with random 308-keypoint target
heatmaps, then runs ``--steps`` training steps (``model.train_step``: forward, loss, backward,
optimizer step). The levers:

* ``cp``: activation checkpointing of every ViT layer (``SapiensViT(with_cp=True)``);
* ``bf16``: ``AutocastOptimWrapper`` (bf16 autocast, what ``tools/train.py --amp`` selects
  without a GPU); the weights, gradients and AdamW state stay fp32.

The parent reads the child's peak RSS from ``os.wait4`` (``ru_maxrss``) and prints a table with
the step time (the last step; the first also allocates the optimizer state) and the memory a
lever saves against fp32. Timings depend on the machine's load: the load average is printed.
Figures are printed, never asserted.
"""
import argparse
import json
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POSE_CONFIG = os.path.join(REPO,
                           'configs/sapiens_pose/goliath/sapiens_0.3b-210e_goliath-1024x768.py')
RESULT = 'RESULT '
ARCH_WIDTH = {'sapiens_tiny': 128, 'sapiens_0.3b': 1024, 'sapiens_0.6b': 1280,
              'sapiens_1b': 1536, 'sapiens_2b': 1920}
ARCH_LAYERS = {'sapiens_tiny': 4, 'sapiens_0.3b': 24, 'sapiens_0.6b': 32, 'sapiens_1b': 40,
               'sapiens_2b': 48}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--arch', default='sapiens_0.3b', choices=sorted(ARCH_WIDTH))
    parser.add_argument('--size', type=int, nargs=2, default=(1024, 768), metavar=('H', 'W'))
    parser.add_argument('--steps', type=int, default=2)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--settings', nargs='+', default=['fp32', 'fp32+cp', 'bf16', 'bf16+cp'],
                        choices=['fp32', 'fp32+cp', 'bf16', 'bf16+cp'])
    parser.add_argument('--out', help='also write the results to this JSON file')
    parser.add_argument('--child', help=argparse.SUPPRESS)  # one setting, in the child process
    return parser.parse_args(argv)


def run_child(args) -> None:
    """Build model + optimizer, run the steps, print one JSON line with the step times."""
    import torch
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import MODELS, init_default_scope
    from mmengine.structures import InstanceData, PixelData
    from mmpose.structures import PoseDataSample

    import sapiens_mm  # noqa: F401

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    precision, _, cp = args.child.partition('+')
    h, w = args.size
    cfg = Config.fromfile(POSE_CONFIG)
    init_default_scope('mmpose')
    cfg.model.backbone.update(arch=args.arch, img_size=(h, w), with_cp=bool(cp),
                              init_cfg=None)
    cfg.model.head.in_channels = ARCH_WIDTH[args.arch]
    cfg.model.test_cfg = dict(flip_test=False)
    model = MODELS.build(cfg.model).train()
    optim_cfg = cfg.optim_wrapper.copy()
    optim_cfg.paramwise_cfg.num_layers = ARCH_LAYERS[args.arch]
    if precision == 'bf16':
        optim_cfg.update(type='AutocastOptimWrapper', dtype='bfloat16')
    optim_wrapper = build_optim_wrapper(model, optim_cfg)

    k, hh, hw = 308, h // 4, w // 4
    sample = PoseDataSample(metainfo=dict(img_shape=(h, w), input_size=(w, h)))
    sample.gt_fields = PixelData(heatmaps=torch.rand(k, hh, hw))
    sample.gt_instance_labels = InstanceData(keypoint_weights=torch.ones(1, k))
    data = dict(inputs=[torch.randint(0, 256, (3, h, w), dtype=torch.uint8)],
                data_samples=[sample])
    times = []
    for _ in range(args.steps):
        t = time.perf_counter()
        log_vars = model.train_step(data, optim_wrapper)
        times.append(time.perf_counter() - t)
    params = sum(p.numel() for p in model.parameters())
    print(RESULT + json.dumps(dict(step_s=times, loss=float(log_vars['loss']), params=params)))


def run_setting(args, setting):
    """Run one setting in a fresh process; its results plus the peak RSS from wait4."""
    cmd = [sys.executable, os.path.abspath(__file__), '--child', setting, '--arch', args.arch,
           '--size', *map(str, args.size), '--steps', str(args.steps), '--threads',
           str(args.threads)]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    # One pipe for both streams (read to the end, then reaped by wait4 for its rusage).
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    lines = [line for line in out.splitlines() if line.startswith(RESULT)]
    if code != 0 or not lines:
        raise RuntimeError(f'setting {setting} failed (exit {code}):\n{out[-3000:]}')
    result = json.loads(lines[-1][len(RESULT):])
    result.update(setting=setting, peak_rss_gib=usage.ru_maxrss / 2**20)  # KiB on Linux
    return result


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        return run_child(args)
    load_before = open('/proc/loadavg').read().split()[:3]
    print(f'{args.arch} pose fine-tuning step, batch 1, {args.size[0]}x{args.size[1]}, '
          f'{args.threads} threads; load average before: {" ".join(load_before)}', flush=True)
    results = []
    for setting in args.settings:
        results.append(run_setting(args, setting))
        r = results[-1]
        print(f'  {setting:8s} peak RSS {r["peak_rss_gib"]:6.2f} GiB  last step '
              f'{r["step_s"][-1]:7.2f} s  (steps: {", ".join(f"{s:.2f}" for s in r["step_s"])}'
              f'; loss {r["loss"]:.5f})', flush=True)
    load_after = open('/proc/loadavg').read().split()[:3]
    base = next((r for r in results if r['setting'] == 'fp32'), None)
    print(f'\n| setting | peak RSS (GiB) | saved vs fp32 | step time (s) |\n|---|---|---|---|')
    for r in results:
        saved = (f'{base["peak_rss_gib"] - r["peak_rss_gib"]:+.2f} GiB'.replace('+', '')
                 if base else 'n/a')
        print(f'| {r["setting"]} | {r["peak_rss_gib"]:.2f} | {saved} | {r["step_s"][-1]:.2f} |')
    print(f'\nparameters: {results[0]["params"] / 1e6:.1f} M; load average after: '
          f'{" ".join(load_after)}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(arch=args.arch, size=args.size, threads=args.threads,
                           load_before=load_before, load_after=load_after, results=results),
                      f, indent=1)


if __name__ == '__main__':
    main()

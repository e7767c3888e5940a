"""Training step time and peak memory of the tiny configs (and, with --large, the 0.3B pose),
per memory lever.

    python tools/benchmark/benchmark_train_step.py [--settings pose_tiny,seg_tiny,...] \
        [--large] [--levers fp32 fp32+cp bf16 bf16+cp] [--arch A] [--iters 5] [--warmup 2] \
        [--threads 2] [--json docs/benchmarks_train_step.json] [--markdown docs/benchmarks.md]
    # memory per lever of one 0.3B pose fine-tuning step at 1024x768, batch 1
    python tools/benchmark/benchmark_train_step.py --settings pose_0.3b \
        --levers fp32 fp32+cp bf16 bf16+cp --iters 1 --warmup 0

Each setting (config x batch size x lever) runs in a fresh Python process, so that its
peak resident memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) is its own. The process
builds the config's model, train dataloader and optimizer wrapper through mmengine's
``Runner`` (the optimizer, layer decay and data preprocessor of the config), pre-fetches the
batches from a small synthetic split written by the built-in generator, and times
``model.train_step(batch, optim_wrapper)`` (data preprocessing, forward, loss, backward,
optimizer step). Step time is the median over ``--iters`` steps after ``--warmup`` steps.
Reported memory: RSS peak before the first step (model, optimizer, data) and the peak over the
run; their difference is what training adds (activations, gradients, optimizer states).

Settings: ``pose_tiny`` (128x96, batch 16), ``seg_tiny`` / ``depth_tiny`` / ``normal_tiny``
(256x192, batch 2) at their config batch sizes; ``--large`` adds ``pose_0.3b`` (1024x768,
batch 1; minutes per step on 2 cores and ~10 GB). ``--arch`` swaps every setting's backbone
size (a name of ``SAPIENS_ARCHS``; the head's input width follows). The levers (``--levers``,
default ``fp32``):

* ``cp``: activation checkpointing of every ViT layer (``SapiensViT(with_cp=True)``);
* ``bf16``: ``AutocastOptimWrapper`` (bf16 autocast, what ``tools/train.py --amp`` selects
  without a GPU); the weights, gradients and AdamW state stay fp32.

Asserts nothing.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from markdown_section import load_average, publish
from task_configs import config_path

#: name -> (config, kind of data root, batch size or None for the config's)
SETTINGS = {
    'pose_tiny': (config_path('pose'), 'pose', None),
    'seg_tiny': (config_path('seg'), 'dense', None),
    'depth_tiny': (config_path('depth'), 'dense', None),
    'normal_tiny': (config_path('normal'), 'dense', None),
    'pose_0.3b': (config_path('pose', 'sapiens_0.3b'), 'pose', 1),
}
TINY = ['pose_tiny', 'seg_tiny', 'depth_tiny', 'normal_tiny']


def peak_rss_mib() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --------------------------------------------------------------------- worker (one setting)
def run_worker(spec: dict) -> dict:
    import torch
    from mmengine.config import Config
    from mmengine.runner import Runner

    import sapiens_mm  # noqa: F401  (registers the classes)
    from sapiens_mm.analysis.complexity import count_parameters

    from sapiens_mm.models.backbones import SAPIENS_ARCHS

    if spec['threads']:
        torch.set_num_threads(spec['threads'])
    torch.manual_seed(0)
    config, kind, batch = SETTINGS[spec['setting']]
    cfg = Config.fromfile(os.path.join(ROOT, config))
    precision, _, cp = spec['lever'].partition('+')
    if cp:
        cfg.model.backbone.with_cp = True
    if spec['arch']:
        cfg.model.backbone.update(arch=spec['arch'], init_cfg=None)
        head = cfg.model.get('head') or cfg.model.decode_head
        head.in_channels = SAPIENS_ARCHS[spec['arch']]['embed_dims']
    if precision == 'bf16':
        cfg.optim_wrapper.update(type='AutocastOptimWrapper', dtype='bfloat16')
    loader_cfg = cfg.train_dataloader
    if kind == 'pose':
        loader_cfg.dataset.data_root = spec['data_root'] + '/'
        loader_cfg.dataset.ann_file = 'annotations/goliath_308.json'
    else:
        loader_cfg.dataset.data_root = spec['data_root']
    loader_cfg.batch_size = batch or loader_cfg.batch_size
    loader_cfg.num_workers = 0
    loader_cfg.persistent_workers = False
    cfg.work_dir = spec['work_dir']
    for split in ('val', 'test'):
        cfg[f'{split}_dataloader'] = cfg[f'{split}_cfg'] = cfg[f'{split}_evaluator'] = None
    cfg.default_hooks.pop('visualization', None)
    cfg.default_hooks.pop('checkpoint', None)
    cfg.custom_hooks = []
    cfg.log_level = 'WARNING'

    runner = Runner.from_cfg(cfg)
    model = runner.model
    loader = runner.build_dataloader(cfg.train_dataloader)
    optim_wrapper = runner.build_optim_wrapper(cfg.optim_wrapper)
    steps = spec['warmup'] + spec['iters']
    batches, it = [], iter(loader)
    while len(batches) < min(steps, spec['distinct_batches']):
        try:
            batches.append(next(it))
        except StopIteration:
            it = iter(loader)
    model.train()
    rss_before = peak_rss_mib()
    times = []
    for i in range(steps):
        data = batches[i % len(batches)]
        start = time.perf_counter()
        losses = model.train_step(data, optim_wrapper)
        times.append(time.perf_counter() - start)
        loss = sum(float(torch.as_tensor(v).detach()) for k, v in losses.items() if 'loss' in k)
        print(f'[{spec["setting"]}] step {i + 1}/{steps}: {times[-1]:.3f} s, loss {loss:.4g}',
              flush=True)
    return dict(setting=spec['setting'], config=config, batch_size=loader_cfg.batch_size,
                precision=spec['lever'], arch=spec['arch'] or cfg.model.backbone.arch,
                params=count_parameters(model), step_times=times[spec['warmup']:],
                step_s=statistics.median(times[spec['warmup']:]),
                rss_before_steps_mib=rss_before, peak_rss_mib=peak_rss_mib())


# --------------------------------------------------------------------- parent
def markdown(report: dict) -> str:
    lines = ['## Training step (forward + backward + optimizer)', '',
             f'Machine: {report["machine"]}, {report["threads"]} threads; load average '
             f'{report["load_before"]} before, {report["load_after"]} after. Median of '
             f'{report["iters"]} steps after {report["warmup"]} warm-up steps; one fresh '
             'process per row (peak RSS = `ru_maxrss`).', '',
             f'Command: `{report["command"]}`', '',
             '| setting | config | batch | lever | params (M) | s/step | samples/s | '
             'RSS before steps (MiB) | peak RSS (MiB) | added by training (MiB) |',
             '|---|---|---|---|---|---|---|---|---|---|']
    for r in report['results']:
        if 'error' in r:
            lines.append(f'| {r["setting"]} | | | {r["precision"]} | | failed: '
                         f'{r["error"]} | | | | |')
            continue
        lines.append(
            f'| {r["setting"]} | `{os.path.basename(r["config"])}` | {r["batch_size"]} | '
            f'{r["precision"]} | {r["params"] / 1e6:.1f} | {r["step_s"]:.3f} | '
            f'{r["batch_size"] / r["step_s"]:.2f} | {r["rss_before_steps_mib"]:.0f} | '
            f'{r["peak_rss_mib"]:.0f} | '
            f'{r["peak_rss_mib"] - r["rss_before_steps_mib"]:.0f} |')
    return '\n'.join(lines) + '\n'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--settings', default=','.join(TINY),
                        help=f'comma-separated, from {list(SETTINGS)}')
    parser.add_argument('--large', action='store_true', help='add pose_0.3b (slow, ~10 GB)')
    parser.add_argument('--levers', nargs='+', default=['fp32'],
                        choices=['fp32', 'fp32+cp', 'bf16', 'bf16+cp'],
                        help='one run per setting and lever (cp: activation checkpointing; '
                        'bf16: AutocastOptimWrapper)')
    parser.add_argument('--arch', default=None,
                        help='backbone size for every setting (default: the config\'s)')
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--data-dir', default=None,
                        help='reuse/write the synthetic split here (default: a temp dir)')
    parser.add_argument('--json', default=None)
    parser.add_argument('--markdown', default=None)
    parser.add_argument('--worker', default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        spec = json.loads(args.worker)
        result = run_worker(spec)
        with open(spec['result'], 'w') as f:
            json.dump(result, f)
        return result

    settings = [s.strip() for s in args.settings.split(',') if s.strip()]
    if args.large and 'pose_0.3b' not in settings:
        settings.append('pose_0.3b')
    unknown = [s for s in settings if s not in SETTINGS]
    if unknown:
        parser.error(f'unknown settings {unknown}; choose from {list(SETTINGS)}')

    import torch
    from benchmark_backbone import machine
    from mmengine.logging import MMLogger
    logger = MMLogger.get_instance('benchmark_train_step', log_level='INFO')
    threads = args.threads or torch.get_num_threads()
    load_before = load_average()
    logger.info(f'{machine()}; {threads} threads; load {load_before}')
    with tempfile.TemporaryDirectory() as tmp:
        data_root = args.data_dir or os.path.join(tmp, 'train')
        if not os.path.exists(os.path.join(data_root, 'annotations', 'goliath_308.json')):
            from sapiens_mm.synthetic import generate_split
            logger.info(f'writing a synthetic split to {data_root}')
            generate_split(data_root, 24, seed=0, size=(256, 192), previews=0)
        results = []
        for setting in settings:
            for lever in args.levers:
                spec = dict(setting=setting, lever=lever, arch=args.arch, iters=args.iters,
                            warmup=args.warmup, threads=threads, data_root=data_root,
                            work_dir=os.path.join(tmp, 'work'),
                            distinct_batches=4,
                            result=os.path.join(tmp, f'{setting}_{lever}.json'))
                logger.info(f'{setting} ({lever}): fresh process (load {load_average()})')
                proc = subprocess.run([sys.executable, os.path.abspath(__file__), '--worker',
                                       json.dumps(spec)], cwd=ROOT)
                if proc.returncode != 0 or not os.path.exists(spec['result']):
                    results.append(dict(setting=setting, precision=lever,
                                        error=f'exit code {proc.returncode}'))
                    continue
                with open(spec['result']) as f:
                    results.append(json.load(f))
    report = dict(machine=machine(), threads=threads, iters=args.iters, warmup=args.warmup,
                  load_before=load_before, load_after=load_average(), results=results,
                  command='python ' + ' '.join(
                      [os.path.relpath(os.path.abspath(__file__))]
                      + (sys.argv[1:] if argv is None else list(argv))))
    table = markdown(report)
    publish(report, table, 'benchmark_train_step', args.markdown, args.json, logger)
    return report


if __name__ == '__main__':
    main()

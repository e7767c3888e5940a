"""Single-task vs jointly fine-tuned vs distilled multi-task tiny Sapiens on the synthetic humans.

    python tools/benchmark/benchmark_multitask.py --out outputs/multitask_bench \
        [--train 256] [--val 48] [--mae-epochs 4] [--epochs 6] [--threads 1] [--force]

Steps (each a stock tool in a subprocess, skipped when its output exists, so a stopped run
continues; ``--force`` redoes everything):

1. synthetic humans (the demo's distribution: one person, front views) ``--train`` /
   ``--val`` images at 256x192 (``tools/make_synthetic_humans.py``);
2. tiny MAE pretraining on the training images and its clean backbone checkpoint;
3. (a) the four tiny single-task configs (``configs/sapiens_*/synthetic``) fine-tuned from
   that backbone for ``--epochs`` epochs each;
4. (b) the tiny multi-task config (``configs/sapiens_multitask/synthetic``) jointly
   fine-tuned from the same backbone for ``--epochs`` epochs;
5. (c) the multi-task student distilled from the four single-task models of (a) on the
   training images without their labels (``tools/distill_multitask.py``), ``--epochs``;
6. every model evaluated on the validation split with ``tools/test.py`` (the configs' metrics;
   for pose also PCK@0.2 of the dumped predictions, see :func:`pose_pck`), and the single-task
   pose model once more on the whole image as its person box (:func:`whole_image_boxes`), the
   framing the multi-task model has, and a single-task normal model trained at the
   multi-task model's 128x96 input (the normal config runs at 256x192);
7. backbone MACs per image and measured seconds per image (``SapiensInferencer``, fp32,
   batch 1, ``--threads`` threads, best of 3 passes over the validation images) of the four
   single-task models vs the multi-task model.

Prints the tables (markdown) and writes them to OUT/summary.md; the machine (CPU model and
flags, load average) is printed with them. Every number comes from this run.
"""
import argparse
import glob
import json
import os
import os.path as osp
import platform
import subprocess
import sys
import time

ROOT = osp.abspath(osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))
SINGLE = dict(
    pose='configs/sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py',
    seg='configs/sapiens_seg/synthetic/sapiens_tiny_seg_synthetic-128x96.py',
    depth='configs/sapiens_depth/synthetic/sapiens_tiny_depth_synthetic-128x96.py',
    normal='configs/sapiens_normal/synthetic/sapiens_tiny_normal_synthetic-256x192.py')
MULTI = 'configs/sapiens_multitask/synthetic/sapiens_tiny_multitask_synthetic-128x96.py'
MAE = 'configs/sapiens_mae/mae_sapiens_tiny-p16_1xb16-8e_demo-128.py'
#: task -> (single-task metric key, multi-task metric key, higher is better)
METRICS = dict(pose=('goliath/AP', 'pose/goliath/AP', True),
               pose_pck=('pose/PCK@0.2', 'pose/PCK@0.2', True),
               seg=('mIoU', 'seg/mIoU', True),
               depth=('depth/aligned_abs_rel', 'depth/aligned_abs_rel', False),
               normal=('normal/mean', 'normal/mean', False))


def sh(args, log, env):
    """Run a tool; its output goes to ``log``; a failure stops the benchmark."""
    t = time.perf_counter()
    with open(log, 'w') as f:
        rc = subprocess.call([sys.executable] + args, cwd=ROOT, stdout=f,
                             stderr=subprocess.STDOUT, env=env)
    if rc:
        sys.exit(f'failed ({rc}): {" ".join(args)}; see {log}')
    dt = time.perf_counter() - t
    print(f'  {dt:7.1f} s  {" ".join(args[:2])} -> {log}', flush=True)
    return dt


def latest_metrics(work_dir: str) -> dict:
    """The newest metrics record tools/test.py wrote under ``work_dir``."""
    files = sorted(glob.glob(osp.join(work_dir, '*', '*.json')), key=osp.getmtime)
    for path in reversed(files):
        with open(path) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        for record in reversed(lines):
            if not any(k in record for k in ('lr', 'loss')):
                return record
    return {}


def schedule_options(cfg_path: str, epochs: int) -> list:
    """--cfg-options that set a config's schedule to ``epochs``, shorter or longer: every
    epoch-based scheduler that ran to the config's last epoch (or past ``epochs``) now ends at
    ``epochs`` (``T_max`` too), so no model trains its last epochs at a zero or frozen rate."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, cfg_path))
    last = cfg.train_cfg.max_epochs
    opts = [f'train_cfg.max_epochs={epochs}', f'train_cfg.val_interval={epochs + 1}',
            f'default_hooks.checkpoint.interval={epochs}', 'train_dataloader.num_workers=0']
    for i, s in enumerate(cfg.param_scheduler):
        end = s.get('end', 0)
        if s.get('by_epoch', True) and (end > epochs or end >= last):
            opts.append(f'param_scheduler.{i}.end={epochs}')
            if 'T_max' in s:
                opts.append(f'param_scheduler.{i}.T_max={epochs}')
    return opts


def pose_pck(preds_file: str, ann_file: str, multitask: bool, thr: float = 0.2) -> float:
    """PCK@thr of the dumped pose predictions (``tools/test.py --out``): the share of the
    labelled ground-truth keypoints (v > 0) predicted within ``thr * max(box w, box h)`` px;
    the one annotated person per image. More sensitive than OKS AP for weak models."""
    import pickle
    import numpy as np
    with open(ann_file) as f:
        coco = json.load(f)
    gt = {}
    for ann in coco['annotations']:
        gt.setdefault(ann['image_id'], []).append(ann)
    with open(preds_file, 'rb') as f:
        samples = pickle.load(f)
    hits = total = 0
    for s in samples:
        sub = s.get('pose') if multitask else s
        if not sub or 'img_id' not in sub or len(gt.get(sub['img_id'], [])) != 1:
            continue
        ann = gt[sub['img_id']][0]
        ref = np.asarray(ann['keypoints'], np.float64).reshape(-1, 3)
        pred = np.asarray(sub['pred_instances']['keypoints'], np.float64).reshape(-1, 2)
        vis = ref[:, 2] > 0
        dist = np.linalg.norm(pred[vis] - ref[vis, :2], axis=1) / max(ann['bbox'][2:])
        hits += int((dist < thr).sum())
        total += int(vis.sum())
    return hits / total if total else float('nan')


def resized_config(cfg_path: str, hw: tuple, out_file: str, batch_size: int) -> str:
    """``cfg_path`` with network input (H, W) = ``hw`` and ``batch_size``, written to
    ``out_file``: the values of ``img_size``, ``size``, ``crop_size`` (H, W) and ``scale``
    (W, H) equal to the config's input size are replaced wherever they occur (model, data
    preprocessor, pipelines)."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, cfg_path))
    old = tuple(cfg.model.backbone.img_size)
    keys = dict(img_size=(old, tuple(hw)), size=(old, tuple(hw)),
                crop_size=(old, tuple(hw)), scale=(old[::-1], tuple(hw)[::-1]))

    def fix(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in keys and isinstance(value, (list, tuple)) \
                        and tuple(value) == keys[key][0]:
                    node[key] = keys[key][1]
                else:
                    fix(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                fix(value)

    fix(cfg._cfg_dict)
    cfg.train_dataloader.batch_size = batch_size
    cfg.dump(out_file)
    check = Config.fromfile(out_file)
    assert tuple(check.model.backbone.img_size) == tuple(hw), f'{out_file}: not resized'
    return out_file


def whole_image_boxes(ann_file: str, out_file: str, padding: float = 1.25) -> str:
    """A COCO detection-results file with one box per image whose ``padding``-times enlarged
    crop (the pose configs' ``GetBBoxCenterScale``) is the whole image: the single-task pose
    model then sees what the multi-task model sees (the image resized to 128x96, the aspect of
    both), so its metric separates the framing (crop vs whole image) from the sharing."""
    with open(ann_file) as f:
        images = json.load(f)['images']
    dets = [dict(image_id=im['id'], category_id=1, score=1.0,
                 bbox=[im['width'] * (1 - 1 / padding) / 2, im['height'] * (1 - 1 / padding) / 2,
                       im['width'] / padding, im['height'] / padding]) for im in images]
    with open(out_file, 'w') as f:
        json.dump(dets, f)
    with open(out_file) as f:
        assert len(json.load(f)) == len(images), f'{out_file} was not written completely'
    return out_file


def machine() -> str:
    model, flags = platform.processor() or '?', []
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name') and model in ('?', '', 'x86_64'):
                    model = line.split(':', 1)[1].strip()
                if line.startswith('flags'):
                    have = set(line.split(':', 1)[1].split())
                    flags = [x for x in ('avx2', 'avx512f', 'avx512_bf16', 'amx_bf16')
                             if x in have]
                    break
    except OSError:
        pass
    load = ' '.join(f'{v:.2f}' for v in os.getloadavg())
    return f'{model}, {os.cpu_count()} logical CPUs, flags {"/".join(flags) or "-"}, ' \
           f'load average {load}'


def timing(single_ckpts: dict, multi_cfg: str, multi_ckpt: str, images: list,
           threads: int) -> dict:
    """Backbone MACs per image and seconds per image: four single models vs one multi-task."""
    import cv2
    import torch
    import sapiens_mm  # noqa: F401
    from sapiens_mm.analysis.complexity import vit_macs_formula
    from sapiens_mm.apis import SapiensInferencer
    torch.set_num_threads(threads)
    imgs = [cv2.imread(p) for p in images]

    def per_image(inf, **kw):
        inf(imgs[:1], **kw)  # warm-up
        best = float('inf')
        for _ in range(3):
            t = time.perf_counter()
            for img in imgs:
                inf([img], batch_size=1, **kw)
            best = min(best, time.perf_counter() - t)
        return best / len(imgs)

    def macs(hw):
        return vit_macs_formula('sapiens_tiny', (hw[0] // 16) * (hw[1] // 16))['total']

    out = dict(single={}, multi=None)
    for task, ckpt in single_ckpts.items():
        inf = SapiensInferencer([(osp.join(ROOT, SINGLE[task]), ckpt)], device='cpu',
                                precision='fp32', flip_test=False, num_workers=0,
                                engine='torch')
        hw = inf.models[task].input_size
        out['single'][task] = dict(hw=hw, macs=macs(hw), s=per_image(inf))
    inf = SapiensInferencer([(multi_cfg, multi_ckpt)], device='cpu', precision='fp32',
                            num_workers=0, engine='torch')
    hw = inf.models['seg'].input_size
    out['multi'] = dict(hw=hw, macs=macs(hw), s=per_image(inf))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', default='outputs/multitask_bench')
    p.add_argument('--train', type=int, default=256, help='training images')
    p.add_argument('--val', type=int, default=48, help='validation images')
    p.add_argument('--mae-epochs', type=int, default=4)
    p.add_argument('--epochs', type=int, default=6, help='fine-tuning epochs of every model')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--kpt-thr', type=float, default=0.2,
                   help='pose teacher score from which a keypoint is a distillation label')
    p.add_argument('--force', action='store_true', help='redo the steps already done')
    args = p.parse_args()
    out = osp.abspath(args.out)
    os.makedirs(osp.join(out, 'logs'), exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    env['PYTHONPATH'] = ROOT + os.pathsep + env.get('PYTHONPATH', '')
    data = osp.join(out, 'data')
    logs = osp.join(out, 'logs')
    t0 = time.perf_counter()
    steps = {}

    def done(path):
        return osp.exists(path) and not args.force

    print(f'== multi-task benchmark -> {out} ({args.train} train / {args.val} val images, '
          f'MAE {args.mae_epochs} epochs, fine-tuning {args.epochs} epochs, '
          f'{args.threads} thread(s))', flush=True)
    for split, num, seed in (('train', args.train, 1), ('val', args.val, 2)):
        if not done(osp.join(data, split, 'annotations', 'goliath_308.json')):
            steps[f'data {split}'] = sh(
                ['tools/make_synthetic_humans.py', '--out', osp.join(data, split), '--num',
                 str(num), '--seed', str(seed), '--size', '256', '192', '--previews', '0',
                 '--max-people', '1', '--max-view-yaw', '45', '--close-up-prob', '0.1',
                 '--pitch-range', '10', '25'], osp.join(logs, f'data_{split}.log'), env)
    backbone = osp.join(out, 'mae_backbone.pth')
    if not done(backbone):
        work = osp.join(out, 'mae')
        steps['mae'] = sh(['tools/train.py', MAE, '--work-dir', work, '--cfg-options',
                           f'train_dataloader.dataset.data_root={data}/train/images',
                           'train_dataloader.num_workers=0',
                           *schedule_options(MAE, args.mae_epochs)[:1],
                           f'default_hooks.checkpoint.interval={args.mae_epochs}',
                           f'param_scheduler.1.T_max={max(1, args.mae_epochs - 2)}',
                           f'param_scheduler.1.end={args.mae_epochs}'],
                          osp.join(logs, 'mae.log'), env)
        with open(osp.join(work, 'last_checkpoint')) as f:
            last = f.read().strip()
        sh(['tools/misc/clean_pretrain_checkpoint.py', last, backbone],
           osp.join(logs, 'mae_clean.log'), env)

    data_opts = {}
    for task in SINGLE:
        data_opts[task] = [f'{k}_dataloader.dataset.data_root={data}/{s}' for k, s in
                           (('train', 'train'), ('val', 'val'), ('test', 'val'))]
    pose_ann = [f'{e}_evaluator.ann_file={data}/val/annotations/goliath_308.json'
                for e in ('val', 'test')]
    data_opts['pose'] = [f'train_dataloader.dataset.data_root={data}/train/',
                         f'val_dataloader.dataset.data_root={data}/val/',
                         f'test_dataloader.dataset.data_root={data}/val/', *pose_ann]
    multi_opts = data_opts['seg'] + [
        f'{e}_evaluator.metrics.pose.ann_file={data}/val/annotations/goliath_308.json'
        for e in ('val', 'test')]

    def test_model(name, cfg, ckpt, opts):
        """tools/test.py of ``ckpt`` (unless done) and its metrics, PCK@0.2 for pose."""
        test = osp.join(out, name + '_test')
        preds = osp.join(test, 'predictions.pkl')
        if not latest_metrics(test) or not osp.isfile(preds) or args.force:
            steps[f'test {name}'] = sh(['tools/test.py', cfg, ckpt, '--work-dir', test,
                                        '--out', preds, '--cfg-options', *opts],
                                       osp.join(logs, f'test_{name}.log'), env)
        metrics = latest_metrics(test)
        if name.startswith('single_pose') or name in ('joint', 'distilled'):
            metrics['pose/PCK@0.2'] = pose_pck(preds, f'{data}/val/annotations/goliath_308.json',
                                               multitask=not name.startswith('single_pose'))
        return metrics

    def train_and_test(name, cfg, opts, train_args=None):
        work = osp.join(out, name)
        if not done(osp.join(work, 'last_checkpoint')):
            steps[f'train {name}'] = sh(
                train_args or ['tools/train.py', cfg, '--work-dir', work, '--cfg-options',
                               *opts, f'model.backbone.init_cfg.checkpoint={backbone}',
                               *schedule_options(cfg, args.epochs)],
                osp.join(logs, f'train_{name}.log'), env)
        with open(osp.join(work, 'last_checkpoint')) as f:
            ckpt = f.read().strip()
        return ckpt, test_model(name, cfg, ckpt, opts)

    single_ckpts, results = {}, dict(single={}, joint={}, distilled={})
    for task, cfg in SINGLE.items():
        single_ckpts[task], results['single'][task] = train_and_test(
            f'single_{task}', cfg, data_opts[task])
    # (a) normals at the multi-task model's input size (their config runs at 256x192)
    small = resized_config(SINGLE['normal'], (128, 96), osp.join(out, 'normal_128x96.py'), 16)
    _, results['single']['normal_128x96'] = train_and_test('single_normal_128x96', small,
                                                           data_opts['normal'])
    # (a) pose on the same framing as the multi-task model: the whole image as the person box
    boxes = whole_image_boxes(f'{data}/val/annotations/goliath_308.json',
                              osp.join(out, 'whole_image_boxes.json'))
    results['single']['pose_whole'] = test_model(
        'single_pose_whole_image', SINGLE['pose'], single_ckpts['pose'],
        data_opts['pose'] + [f'test_dataloader.dataset.bbox_file={boxes}'])
    _, results['joint'] = train_and_test('joint', MULTI, multi_opts)
    teachers = [a for task in SINGLE for a in ('--teacher', task, SINGLE[task],
                                               single_ckpts[task])]
    distill_work = osp.join(out, 'distilled')
    distill_args = ['tools/distill_multitask.py', MULTI, '--images', f'{data}/train/images',
                    *teachers, '--pretrained', backbone, '--work-dir', distill_work,
                    '--labels-dir', osp.join(out, 'teacher_labels'), '--no-val',
                    '--kpt-thr', str(args.kpt_thr),
                    '--cfg-options', *[o for o in schedule_options(MULTI, args.epochs)
                                       if 'val_interval' not in o]]
    distilled_ckpt, results['distilled'] = train_and_test('distilled', MULTI, multi_opts,
                                                          distill_args)
    with open(osp.join(out, 'joint', 'last_checkpoint')) as f:
        joint_ckpt = f.read().strip()
    val_images = sorted(glob.glob(osp.join(data, 'val', 'images', '*.png')))[:16]
    times = timing(single_ckpts, osp.join(ROOT, MULTI), joint_ckpt, val_images, args.threads)
    total = time.perf_counter() - t0

    lines = ['| task | metric | (a) single-task | (b) joint multi-task | (c) distilled '
             'multi-task | (b) vs (a) | (c) vs (a) |', '|---|---|---|---|---|---|---|']
    #: labels of the reference rows of (a) on the multi-task model's input
    extra = dict(pose_whole='pose, (a) on the whole image',
                 normal_128x96='normal, (a) at 128 x 96')
    rows = list(METRICS.items())
    rows.insert(2, ('pose_whole', METRICS['pose_pck']))
    rows.append(('normal_128x96', METRICS['normal']))
    for task, (skey, mkey, higher) in rows:
        a = results['single'][task if task in extra else task.split('_')[0]].get(skey)
        b, c = results['joint'].get(mkey), results['distilled'].get(mkey)

        def rel(v):
            if a is None or v is None or a == 0:
                return '-'
            return f'{100 * (v - a) / abs(a):+.1f} %'
        fmt = lambda v: '-' if v is None else f'{v:.4g}'  # noqa: E731
        arrow = 'higher better' if higher else 'lower better'
        name = extra.get(task, task.split('_')[0])
        lines.append(f'| {name} | {skey.split("/")[-1]} ({arrow}) | {fmt(a)} | {fmt(b)} | '
                     f'{fmt(c)} | {rel(b)} | {rel(c)} |')
    lines += ['', '| model | input (H x W) | backbone MMACs / image | s / image (measured) |',
              '|---|---|---|---|']
    macs_sum = s_sum = 0.0
    for task, t in times['single'].items():
        lines.append(f'| single {task} | {t["hw"][0]} x {t["hw"][1]} | {t["macs"] / 1e6:.1f} '
                     f'| {t["s"]:.4f} |')
        macs_sum += t['macs']
        s_sum += t['s']
    lines.append(f'| four single models | | {macs_sum / 1e6:.1f} | {s_sum:.4f} |')
    m = times['multi']
    lines.append(f'| multi-task (one backbone, four heads) | {m["hw"][0]} x {m["hw"][1]} | '
                 f'{m["macs"] / 1e6:.1f} ({100 * m["macs"] / macs_sum:.0f} %) | '
                 f'{m["s"]:.4f} ({100 * m["s"] / s_sum:.0f} %) |')
    cmd = 'python tools/benchmark/benchmark_multitask.py ' + ' '.join(sys.argv[1:])
    head = [f'command: `{cmd}`', f'machine: {machine()}',
            f'scale: {args.train} training / {args.val} validation images (256x192), MAE '
            f'{args.mae_epochs} epochs, every fine-tuning {args.epochs} epochs, '
            f'{args.threads} thread(s); this run took {total / 60:.1f} min of which the '
            f'steps: ' + ', '.join(f'{k} {v:.0f} s' for k, v in steps.items()), '']
    text = '\n'.join(head + lines) + '\n'
    print(text)
    with open(osp.join(out, 'summary.md'), 'w') as f:
        f.write(text)
    with open(osp.join(out, 'summary.md')) as f:
        assert f.read() == text, 'summary.md was not written completely'
    with open(osp.join(out, 'results.json'), 'w') as f:
        json.dump(dict(results=results, times=times, steps=steps), f, indent=1, default=str)


if __name__ == '__main__':
    main()

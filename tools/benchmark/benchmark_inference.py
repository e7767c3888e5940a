"""End-to-end inference speed per image, Sapiens and Sapiens2: our inferencer vs the lite demo.

This project's inferencer (torch and OpenVINO engines) against the v1 release's lite demo
pipeline (Sapiens v1 only).

    python tools/benchmark/benchmark_inference.py [--arch sapiens_0.3b] [--layers 0] \
        [--images docs/images/random_background.jpg] [--num-images 2] [--repeats 2] \
        [--tasks pose,seg,depth,normal] [--pictures off,on] [--markdown docs/benchmarks.md]
    # Sapiens2 0.4B: no lite variant; pose, seg, normal, pointmap (no depth model)
    python tools/benchmark/benchmark_inference.py --arch sapiens2_0.4b --layers 0 \
        --variants 'ours fp32,ours auto,openvino fp32,openvino auto' [--tasks ...]

The family follows from ``--arch`` (:mod:`task_configs`): ``sapiens_*`` is Sapiens (v1; tasks
pose, seg, depth, normal; ``sapiens_tiny`` the tiny synthetic configs), ``sapiens2_*`` is
Sapiens2 (tasks pose, seg, normal, pointmap; ``sapiens2_tiny`` its tiny synthetic configs);
``--tasks`` defaults to the family's four, and a task the family has no model of is an error.

Seconds per image from the file on disk to the raw results written (read, preprocess, model,
post-process to the original size, ``_seg.png`` / ``.npy`` / ``.ply`` / JSON; with pictures on
also the pictures), for each task and for all four at once, with random weights shared by every
variant (release-layout checkpoints written once: v1 ``{task}.pth``, Sapiens2 flat
``{task}.safetensors`` with the release's keys, ``decode_head.*`` and pose's ``conv_pose``;
the four models get one common backbone, v1 all with patch padding 2, so that the dense ones
can share a pass), same images, variants timed round-robin in one run (median over
``--repeats`` rounds):

* ``lite fp32`` (Sapiens v1 only): :mod:`lite_pipeline` - the v1 release's
  ``lite/demo/vis_*.py`` pre- and post-processing around the eager fp32 model (one model, one
  image at a time). The lite demos have no Sapiens2 models: for a ``sapiens2_*`` arch the
  default variants leave it out with a printed note, and naming it in ``--variants`` is an
  error;
* ``ours fp32``: :class:`~sapiens_mm.apis.SapiensInferencer` with ``precision='fp32'``
  (fused fp32 backbone, resize once);
* ``ours auto``: ``precision='auto'`` (bf16 where the device has native bf16, see
  :func:`~sapiens_mm.apis.inferencers.choose_precision`);
* ``ours auto noflip`` (pose only, with ``--variants``): without the config's flip test, as
  the lite demo runs;
* ``ours auto compile`` (with ``--variants``): heads through ``torch.compile``; compilation
  and the first image are timed apart and reported under the table.
* ``openvino fp32`` / ``openvino auto`` (with ``--variants``): the same inferencer with
  ``engine='openvino'`` (the graphs converted to OpenVINO and compiled for the CPU; see
  :mod:`sapiens_mm.apis.inferencers.engines`). Conversion is timed apart; the model cache is a
  temporary folder, so the first conversion is measured. With an OpenVINO variant the report
  also gives the engine's forward against a bare ``compile_model`` of the same IR
  (``--overhead-repeats`` calls each, round-robin) and the start of a second process with the
  cached model against the first conversion.

``all4`` runs the four models on each image in one inferencer (shared dense pass where the
inputs agree; pose top-down); ``lite`` has no such mode, its all4 figure is the sum of its four
runs. Sapiens2's dense inputs differ by task in the release (seg stretches the image to the
input, normals and pointmaps fit it inside and centre-pad): the normal model gets the
pointmap's letterbox step (the same pixels as its ``FitAndCentrePad``), so normals and
pointmaps share one pass and seg has its own; the table's ``groups`` line says which. Printed
and written: the machine (CPU flags AVX-512 / AVX-512-BF16 / AMX, threads), the load average
before and after, the table, the ratios to ``lite fp32`` and, for ``all4``, to the sum of the
separate runs; and the agreement of the outputs on the first image: (v1) ours fp32 against the
lite post-processing of the same head output (must agree: seg labels, depth / normal relative
error, keypoints px) and against the full lite pipeline (different crop, normalisation
constants, flip test); (both) ours bf16 against ours fp32 and each OpenVINO variant against
ours fp32 (torch); pointmaps as the largest difference of the metric XYZ map (metres) relative
to its largest ``|xyz|``. With random weights the pose heatmaps are nearly flat and their
keypoints (UDP + DARK) can land far outside the image, so pose agreement is only meaningful
where the two computations are the same (OpenVINO fp32 vs torch fp32).

``--layers L`` keeps L of the backbone's layers (heads stay full size), to fit a loaded
machine; the table says so (Sapiens2: L < 17 leaves no GQA block). ``--input-size H W`` sizes
every config (:func:`task_configs.sized_config`); the Sapiens2 pointmap head is built for it
(its scale branch flattens the feature map, so the size is fixed per model: fine for random
weights, not for a released file) and a size its stride-2 scale convolutions cannot take (a
1x1 map, e.g. 64x48 for 0.4B) is refused naming the size. Asserts nothing.

Memory: each variant holds its own models (one backbone module per inferencer), and each
OpenVINO variant also the compiled graphs of the all4 groups and of the single-task rows, each
graph with its own backbone. Peak RSS measured for Sapiens2 0.4B with 1 and 3 layers (256x192
input, one process): all4 with ``ours fp32,ours auto`` 4.2 / 5.1 GB, with
``ours fp32,openvino fp32`` 9.0 / 11.1 GB, with the four variants 12.3 GB (1 layer); pointmap
alone with the four variants 6.2 / 7.4 GB, 10.0 GB at 1024x768 (1 layer). Extrapolated to all
24 layers at 1024x768, all4 with an OpenVINO variant (about 28-33 GB) does not fit a 24 GiB
machine, nor does pointmap with the four variants (about 23 GB): run those per task and per
precision pair (``ours fp32,openvino fp32`` / ``ours auto,openvino auto``).
"""
import argparse
import gc
import os
import os.path as osp
import shutil
import statistics
import sys
import tempfile
import time

import cv2
import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from lite_pipeline import (lite_dense, lite_pose_crop, lite_pose_decode,  # noqa: E402
                           lite_preprocess)
from markdown_section import load_average, publish  # noqa: E402
from task_configs import TASKS as FAMILY_TASKS  # noqa: E402
from task_configs import family, sized_config  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def cpu_flags() -> str:
    flags = set()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('flags'):
                    flags = set(line.split(':', 1)[1].split())
                    break
    except OSError:
        pass
    from sapiens_mm.apis.inferencers import cpu_has_native_bf16
    have = [f for f in ('avx512f', 'avx512_bf16', 'amx_bf16', 'amx_tile') if f in flags]
    return (f'{os.cpu_count()} CPUs, torch {torch.__version__}, {torch.get_num_threads()} '
            f'threads, flags: {", ".join(have) or "no AVX-512"}; native bf16: '
            f'{cpu_has_native_bf16()}')


def letterbox_step(h: int, w: int) -> dict:
    """The Sapiens2 pointmap inference's input step at (H, W) = (h, w): fit inside keeping the
    aspect (floor sizes, bilinear), centre-pad with 0."""
    return dict(type='PointmapResize', height=h, width=w, rounding='floor')


def make_configs(arch: str, layers: int, hw=None, tasks=None):
    """Each task's config for ``arch`` (at input ``hw`` = (H, W), None: the configs' own),
    random weights, one backbone config for all tasks: Sapiens (v1) with patch padding 2
    everywhere (the release's seg/depth use 0), Sapiens2's are equal already. ``layers`` > 0
    keeps that many backbone blocks (Sapiens2: fewer than 17 leave no GQA block, the release
    has MHSA in the first and last 8). Sapiens2 normals get the pointmap's letterbox step
    (``PointmapResize`` with floor rounding: the same pixels as the normal config's
    ``FitAndCentrePad``, checked in the tests) so that the normal and pointmap models share a
    backbone pass; segmentation keeps its stretch (``AreaOrCubicResize``), a pass of its
    own."""
    from sapiens_mm.models.backbones import SAPIENS_ARCHS, SAPIENS2_ARCHS
    v2 = family(arch) == 'v2'
    cfgs = {}
    for t in tasks or FAMILY_TASKS[family(arch)]:
        cfg = sized_config(t, arch, hw)
        if not v2:
            cfg.model.backbone.patch_cfg = dict(padding=2)  # one backbone config for all four
        if layers:
            zoo = SAPIENS2_ARCHS if v2 else SAPIENS_ARCHS
            a = dict(zoo[cfg.model.backbone.arch] if isinstance(
                cfg.model.backbone.arch, str) else cfg.model.backbone.arch)
            a['num_layers'] = layers
            cfg.model.backbone.arch = a
            cfg.model.backbone.out_indices = -1
        if v2 and t == 'normal':
            h, w = cfg.model.data_preprocessor.size
            cfg.test_dataloader.dataset.pipeline = [
                letterbox_step(h, w) if s['type'] == 'FitAndCentrePad' else s
                for s in cfg.test_dataloader.dataset.pipeline]
        cfgs[t] = cfg
    return cfgs


def release_keys(task: str, sd: dict) -> dict:
    """A Sapiens2 task model's state dict with the release's task-file key names: the head
    under ``decode_head.`` and pose's ``final_layer`` as ``conv_pose``
    (:func:`sapiens_mm.checkpoint.release_keys.to_release_keys`; the dense heads already
    have the release's names)."""
    from sapiens_mm.checkpoint.release_keys import to_release_keys
    return to_release_keys(sd) if task == 'pose' else sd


def write_checkpoints(cfgs, folder):
    """Random weights (std 0.02), one backbone for all, as release-layout task files: Sapiens
    ``{task}.pth`` (``state_dict`` + ``meta``), Sapiens2 flat ``{task}.safetensors`` with the
    release's keys (:func:`release_keys`)."""
    from sapiens_mm.apis.inferencers import build_task_model
    torch.manual_seed(0)
    paths, backbone = {}, None
    for t, cfg in cfgs.items():
        model = build_task_model(cfg, None, 'cpu').model
        for p in model.parameters():
            p.data.normal_(0, 0.02)
        sd = model.state_dict()
        if backbone is None:
            backbone = {k: v for k, v in sd.items() if k.startswith('backbone.')}
        sd.update({k: v for k, v in backbone.items() if sd[k].shape == v.shape})
        if cfg.model.backbone.type == 'Sapiens2ViT':
            from safetensors.torch import save_file
            paths[t] = osp.join(folder, f'{t}.safetensors')
            save_file({k: v.contiguous() for k, v in release_keys(t, sd).items()}, paths[t])
        else:
            paths[t] = osp.join(folder, f'{t}.pth')
            torch.save({'state_dict': sd, 'meta': {}}, paths[t])
        del model, sd
    return paths


class Lite:
    """The lite demo's pipeline around one eager fp32 model."""

    def __init__(self, tm):
        self.tm, self.task = tm, tm.task

    @torch.no_grad()
    def head_output(self, x):
        m = self.tm.model
        feats = m.extract_feat(x)
        return (m.head if self.task == 'pose' else m.decode_head).forward(feats)[0]

    def draw_pose(self, img, kpts, scores):
        """BGR skeleton picture of one person, with the visualizer the inferencer uses."""
        from mmengine.structures import InstanceData
        from mmpose.structures import PoseDataSample
        from sapiens_mm.visualization import SapiensPoseVisualizer
        if getattr(self, '_pose_vis', None) is None:
            self._pose_vis = SapiensPoseVisualizer(name=f'lite_pose_{id(self)}')
            self._pose_vis.set_dataset_meta(self.tm.model.dataset_meta)
        sample = PoseDataSample(pred_instances=InstanceData(
            keypoints=np.asarray(kpts)[None], keypoint_scores=np.asarray(scores)[None]))
        return self._pose_vis.add_datasample('lite', np.ascontiguousarray(img[..., ::-1]),
                                             sample, draw_gt=False)[..., ::-1]

    def __call__(self, path, out_dir, pictures):
        from sapiens_mm.apis.inferencers.writing import write_image, write_json, write_npy
        from sapiens_mm.datasets.body_part_classes import BODY_PART_PALETTE
        from sapiens_mm.visualization import (colorize_depth, colorize_normals, colorize_parts)
        img = cv2.imread(path)
        stem = osp.join(out_dir, osp.splitext(osp.basename(path))[0])
        hw = self.tm.input_size
        if self.task == 'pose':
            x, c, s = lite_pose_crop(img, hw)
            kpts, scores = lite_pose_decode(self.head_output(x).numpy(), c, s, hw[::-1])
            write_json(stem + '.json', dict(keypoints=kpts.tolist(), scores=scores.tolist()))
            if pictures:
                write_image(stem + '_pose.jpg', self.draw_pose(img, kpts, scores))
            return kpts
        res = lite_dense(self.task, self.head_output(lite_preprocess(img, hw)), img.shape[:2])
        if self.task == 'seg':
            write_image(stem + '_seg.png', res)
            pic = colorize_parts(res, BODY_PART_PALETTE, img[..., ::-1])[..., ::-1] \
                if pictures else None
        else:
            write_npy(f'{stem}_{self.task}.npy', res.astype(np.float32))
            pic = (colorize_depth(res) if self.task == 'depth' else colorize_normals(res)) \
                [..., ::-1] if pictures else None
        if pic is not None:
            write_image(f'{stem}_{self.task}.jpg', pic)
        return res


def agreement(task, a, b) -> str:
    """How close result ``b`` is to ``a`` (same task): seg labels equal; depth and pointmap
    (metric XYZ) max abs difference relative to the largest ``|a|``; normals mean angle;
    pose mean keypoint distance (px)."""
    if task == 'seg':
        return f'{100 * (a == b).mean():.2f} % labels equal'
    if task in ('depth', 'pointmap'):  # pointmap: the metric XYZ map (H, W, 3), metres
        return f'rel {np.abs(a - b).max() / max(np.abs(a).max(), 1e-12):.1e}'
    if task == 'normal':  # directions (the lite demo's vectors are slightly shorter than 1)
        a = a / np.maximum(np.linalg.norm(a, axis=-1, keepdims=True), 1e-12)
        b = b / np.maximum(np.linalg.norm(b, axis=-1, keepdims=True), 1e-12)
        cos = (a * b).sum(-1).clip(-1, 1)
        return f'mean {np.degrees(np.arccos(cos)).mean():.2f} deg'
    return f'mean {np.linalg.norm(a - b, axis=-1).mean():.2f} px'


def pose_kpts(pred):
    return np.asarray(pred['pose'][0]['keypoints'], np.float32)


def check_tasks_and_variants(parser, args):
    """The tasks (in the family's order) and variants of ``args``, or an argparse error naming
    the argument: an unknown arch family, a task the family has no model of, ``lite fp32``
    named for a Sapiens2 arch (dropped with a note when it is only the default), a pointmap
    input size the head cannot take."""
    try:
        fam = family(args.arch)
    except ValueError as e:
        parser.error(f'--arch: {e}')
    known = FAMILY_TASKS[fam]
    asked = args.tasks.split(',') if args.tasks else list(known)
    wrong = [t for t in asked if t not in known]
    if wrong:
        parser.error(f'--tasks: {", ".join(wrong)} not among the {args.arch} tasks '
                     f'({", ".join(known)})')
    tasks = [t for t in known if t in asked]
    if args.variants:
        variants = args.variants.split(',')
        if fam == 'v2' and 'lite fp32' in variants:
            parser.error(f"--variants: 'lite fp32' is the Sapiens (v1) release's lite demo "
                         f'pipeline, which has no Sapiens2 models; not for --arch {args.arch}')
    else:
        variants = ['lite fp32', 'ours fp32', 'ours auto']
        if fam == 'v2':
            variants.remove('lite fp32')
            print(f"note: no 'lite fp32' variant for {args.arch} (the lite demo pipeline is "
                  "the Sapiens (v1) release's): ours and OpenVINO only", flush=True)
    if 'pointmap' in tasks and args.input_size:
        try:
            sized_config('pointmap', args.arch, args.input_size)
        except ValueError as e:
            parser.error(f'--input-size: {e}')
    return tasks, variants


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--arch', default='sapiens_0.3b')
    p.add_argument('--layers', type=int, default=0, help='backbone layers kept (0: all)')
    p.add_argument('--input-size', type=int, nargs=2, metavar=('H', 'W'),
                   help="model input (default: the configs', 1024 768)")
    p.add_argument('--images', default=osp.join(ROOT, 'docs', 'images', 'random_background.jpg'))
    p.add_argument('--num-images', type=int, default=2)
    p.add_argument('--repeats', type=int, default=2)
    p.add_argument('--tasks', help='comma-separated; default: all four of the family '
                   '(Sapiens: pose,seg,depth,normal; Sapiens2: pose,seg,normal,pointmap)')
    p.add_argument('--pictures', default='off,on')
    p.add_argument('--variants', help="comma-separated; default 'lite fp32,ours fp32,ours "
                   "auto' (Sapiens2: 'ours fp32,ours auto', with a printed note: 'lite fp32' "
                   "is the Sapiens (v1) release's lite demo pipeline, which has no Sapiens2 "
                   "models; named for a sapiens2_* arch it is an error)")
    p.add_argument('--threads', type=int, default=0)
    p.add_argument('--no-agreement', action='store_true',
                   help='skip the output agreement notes (they build the models again)')
    p.add_argument('--pose-on-dense', action='store_true',
                   help='all4: pose decoded from the shared dense pass (no crop, no flip)')
    p.add_argument('--overhead-repeats', type=int, default=3,
                   help='OpenVINO variants: forwards of engine vs bare compile_model (0: skip)')
    p.add_argument('--no-second-process', action='store_true',
                   help='OpenVINO variants: skip timing a second process on the cached model')
    p.add_argument('--all4-only', action='store_true',
                   help='the inferencer variants run only all4 (their single-task rows are '
                   'left out and their graphs never built: what fits 24 GiB at full size with '
                   'an OpenVINO variant); lite still runs its four, its all4 being their sum')
    p.add_argument('--markdown')
    p.add_argument('--json')
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    import sapiens_mm  # noqa: F401
    from sapiens_mm.apis import SapiensInferencer
    from sapiens_mm.apis.inferencers import build_task_model
    tasks, variants = check_tasks_and_variants(p, args)
    args.tasks, args.variants = ','.join(tasks), ','.join(variants)  # as run, for the report
    pictures = [v == 'on' for v in args.pictures.split(',')]
    tmp = tempfile.mkdtemp(prefix='bench_infer_')
    os.environ['SAPIENS_MM_CACHE'] = osp.join(tmp, 'model_cache')  # first conversions timed
    load_before = load_average()
    engine_notes = []
    try:
        src = osp.join(tmp, 'images')
        os.makedirs(src)
        base = cv2.imread(args.images)
        if base is None:
            raise SystemExit(f'{args.images}: unreadable image')
        images = []
        for i in range(args.num_images):  # different pixels, same size
            images.append(osp.join(src, f'img{i}.jpg'))
            cv2.imwrite(images[-1], np.roll(base, 37 * i, axis=1))
        cfgs = make_configs(args.arch, args.layers, args.input_size, tasks)
        ckpts = write_checkpoints({t: cfgs[t] for t in tasks}, tmp)
        runners = {}  # (variant, task or 'all4') -> callable(out_dir, pictures)
        warmups = {}  # compiled variants: seconds of compilation + first image
        outs = {}
        for v in variants:
            if v == 'lite fp32':
                shared = None  # the lite models run one at a time: one backbone module
                for t in tasks:
                    tm = build_task_model(cfgs[t], ckpts[t], 'cpu')
                    if shared is None:
                        shared = tm.model.backbone
                    else:
                        tm.model.backbone = shared
                    lite = Lite(tm)
                    runners[(v, t)] = (lambda lite: lambda o, pic: [
                        lite(pth, o, pic) for pth in images])(lite)
                continue
            prec = v.split()[1]
            engine = 'openvino' if v.startswith('openvino') else 'torch'
            if v.endswith('noflip'):  # pose without flip test, as the lite demo
                if 'pose' in tasks:
                    inf = SapiensInferencer([(cfgs['pose'], ckpts['pose'])], device='cpu',
                                            precision=prec, batch_size=1, flip_test=False,
                                            engine=engine)
                    runners[(v, 'pose')] = (lambda inf: lambda o, pic: inf.run(
                        images, o, pictures=pic))(inf)
                continue
            # one inferencer over the tasks; the single-task runs are subsets of it (the
            # same modules, one backbone copy: the four would not fit in 24 GB otherwise)
            compiled = 'compile' in v.split()
            both = SapiensInferencer([(cfgs[t], ckpts[t]) for t in tasks], device='cpu',
                                     precision=prec, batch_size=1,
                                     pose_on_dense=args.pose_on_dense, compile_heads=compiled,
                                     engine=engine)
            if compiled:  # compilation on the first call, timed apart from the rounds
                t0 = time.perf_counter()
                both.run(images[:1], osp.join(tmp, 'warmup'), pictures=False)
                if len(tasks) > 1 and 'pose' in tasks and not args.pose_on_dense:
                    both.subset(['pose']).run(images[:1], osp.join(tmp, 'warmup'),
                                              pictures=False)
                warmups[v] = time.perf_counter() - t0
                print(f'{v}: compilation and first image {warmups[v]:.1f} s', flush=True)
            for t in ([] if args.all4_only and len(tasks) > 1 else tasks):
                runners[(v, t)] = (lambda inf: lambda o, pic: inf.run(
                    images, o, pictures=pic))(both.subset([t]))
            if len(tasks) > 1:
                runners[(v, 'all4')] = (lambda inf: lambda o, pic: inf.run(
                    images, o, pictures=pic))(both)
                outs[v] = both
            if engine == 'openvino':  # conversions (all4 and the subsets), overhead, restart
                engine_notes += openvino_notes(v, both, tasks, cfgs, ckpts, tmp, args)
        times = {(k, pic): [] for k in runners for pic in pictures}
        # the variants of one task and picture setting run back to back, so that load
        # changes during a round hit them alike
        order = [(k, pic) for pic in pictures for t in tasks + ['all4']
                 for k in runners if k[1] == t]
        for r in range(args.repeats):
            for k, pic in order:
                o = osp.join(tmp, 'out', f'{k[0]}_{k[1]}_{pic}'.replace(' ', '_'))
                shutil.rmtree(o, ignore_errors=True)
                t0 = time.perf_counter()
                runners[k](o, pic)
                times[(k, pic)].append((time.perf_counter() - t0) / len(images))
                print(f'{k[0]} {k[1]} pictures {"on" if pic else "off"}: '
                      f'{times[(k, pic)][-1]:.2f} s/img (load {load_average()})', flush=True)
            print(f'round {r + 1}/{args.repeats} done, load {load_average()}', flush=True)
        load_after = load_average()
        groups = {v: (inf.groups, inf.pose_group is not None) for v, inf in outs.items()}
        has = {k: True for k in runners}
        del runners, outs  # the timed models leave memory before the agreement models come
        gc.collect()
        # agreement on the first image (models built one task at a time)
        notes = [] if args.no_agreement else agreement_notes(
            tasks, cfgs, ckpts, images[0], variants, with_lite=family(args.arch) == 'v1')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    runners = has
    med = {k: statistics.median(v) for k, v in times.items()}
    layers = f'{args.layers} of its layers' if args.layers else 'all layers'
    h, w = cfgs[tasks[0]].model.data_preprocessor.size if tasks[0] != 'pose' else \
        cfgs['pose'].model.head.decoder.input_size[::-1]
    size = f'{h}x{w}' + ('' if args.input_size else " (the configs')")
    # ratios to the lite pipeline only when it ran (its column is the first)
    compared = [v for v in variants if v != 'lite fp32'] if variants[0] == 'lite fp32' else []
    lines = [f'{args.arch} ({layers}), model input {size}, {args.num_images} images of '
             f'{base.shape[1]}x{base.shape[0]}, {args.repeats} round-robin rounds, random '
             f'weights. Machine: {cpu_flags()}. Load average before {load_before}, after '
             f'{load_after}.' + (' all4: pose decoded from the shared dense pass.'
                                 if args.pose_on_dense else ''), '',
             '| task | pictures | ' + ' | '.join(f'{v} s/img' for v in variants)
             + ''.join(f' | {v} x lite' for v in compared) + ' |',
             '|---|---|' + '---|' * (len(variants) + len(compared))]
    for t in tasks + (['all4'] if len(tasks) > 1 else []):
        for pic in pictures:
            row = []
            for v in variants:
                if (v, t) in runners:
                    row.append(med[((v, t), pic)])
                elif t == 'all4' and all((v, s) in runners for s in tasks):  # the sum
                    row.append(sum(med[((v, s), pic)] for s in tasks))
                else:
                    row.append(float('nan'))
            ratios = [row[0] / x for v, x in zip(variants, row) if v in compared]
            lines.append(f'| {t} | {"on" if pic else "off"} | '
                         + ' | '.join(f'{x:.2f}' for x in row)
                         + ''.join(f' | {x:.2f}' for x in ratios) + ' |')
    if len(tasks) > 1:
        against_sum = [
            f'{v}: {med[((v, "all4"), pic)] / sum(med[((v, s), pic)] for s in tasks):.2f}'
            f' (pictures {"on" if pic else "off"})'
            for v in variants if (v, 'all4') in runners
            and all((v, s) in runners for s in tasks) for pic in pictures]
        if against_sum:  # not with --all4-only
            lines += ['', 'all4 against the sum of the four separate runs of the same variant '
                      '(target <= 0.6 with a shared backbone): ' + ', '.join(against_sum)]
        for v, (dense, on_dense) in groups.items():
            lines.append(f'{v} all4 groups: dense {dense}, pose '
                         + ('on dense' if on_dense else 'top-down'))
    for v, sec in warmups.items():
        lines.append(f'{v}: compilation and the first image took {sec:.1f} s before the '
                     'timed rounds (not in the table)')
    if engine_notes:
        lines += ['', 'OpenVINO engine set-up (first conversion into an empty model cache), '
                  'forward overhead and second-process start:', ''] + \
            [f'* {n}' for n in engine_notes]
    lines += ['', 'Agreement on the first image:', ''] + [f'* {n}' for n in notes]
    table = '\n'.join(lines)
    report = dict(args=vars(args), times={f'{k[0]}|{k[1]}|{pic}': v
                                          for (k, pic), v in times.items()},
                  notes=notes, engine_notes=engine_notes, machine=cpu_flags(),
                  load=[load_before, load_after])
    publish(report, table, 'benchmark_inference', args.markdown, args.json)
    return report


def openvino_notes(variant, inf, tasks, cfgs, ckpts, tmp, args) -> list:
    """The OpenVINO engine's set-up and overhead: each graph's conversion + compilation time
    (first conversion: the model cache starts empty), its forward against a bare
    ``compile_model`` of the same IR, and a second process's engine start on the cached
    model."""
    import json
    import subprocess
    engine = inf.engine
    notes = [f'{variant}: ' + ', '.join(
        f'{"+".join(e["tasks"])} graph {e["how"]} in {e["seconds"]:.1f} s (conversion '
        f'{e["convert_s"]:.1f} s, compilation {e["compile_s"]:.1f} s)' for e in engine.events) + f' (engine: {engine.describe()})']
    first = engine.events[0]
    if args.overhead_repeats and first['entry']:
        import openvino as ov
        key = tuple(first['tasks'])
        hw = inf.models[key[0]].input_size
        x = torch.randn(1, 3, *hw)
        from sapiens_mm.utils.signal_stack import keep_signal_stack
        with keep_signal_stack():  # as the engine does (OpenVINO's dangling sigaltstack)
            bare = ov.Core().compile_model(
                osp.join(first['entry'], 'model.xml'), 'CPU',
                {'INFERENCE_PRECISION_HINT': engine.precision(),
                 'INFERENCE_NUM_THREADS': str(engine.threads)})
        ours_t, bare_t = [], []
        engine.features(key, None, x), bare({0: x.numpy()})  # first calls apart
        for _ in range(args.overhead_repeats):  # round-robin
            t0 = time.perf_counter()
            engine.features(key, None, x)
            ours_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            bare({0: x.numpy()})
            bare_t.append(time.perf_counter() - t0)
        o, b = statistics.median(ours_t), statistics.median(bare_t)
        notes.append(f'{variant}: {"+".join(key)} forward (batch 1) through the engine '
                     f'{o:.3f} s vs a bare compile_model of the same IR {b:.3f} s '
                     f'(median of {args.overhead_repeats}, same threads): engine / bare '
                     f'{o / b:.3f}')
        del bare
    if not args.no_second_process and first['entry']:
        folder = osp.join(tmp, 'second_process')
        os.makedirs(folder, exist_ok=True)
        specs = []
        for t in tasks:
            path = osp.join(folder, f'{t}.py')
            cfgs[t].dump(path)
            specs.append((path, ckpts[t]))
        code = (
            'import json, sys, time\n'
            't0 = time.perf_counter()\n'
            'import torch; torch.set_num_threads(int(sys.argv[3]))\n'
            'import sapiens_mm\n'
            'from mmengine.config import Config\n'
            'from sapiens_mm.apis import SapiensInferencer\n'
            'specs = [(Config.fromfile(c), k) for c, k in json.loads(sys.argv[1])]\n'
            't1 = time.perf_counter()\n'
            'inf = SapiensInferencer(specs, device="cpu", precision=sys.argv[2], batch_size=1,'
            ' pose_on_dense=sys.argv[4] == "1", engine="openvino")\n'
            'print(json.dumps(dict(imports=t1 - t0, constructor=time.perf_counter() - t1,'
            ' events=[dict(tasks=e["tasks"], how=e["how"], seconds=e["seconds"],'
            ' compile_s=e["compile_s"], hash_s=e.get("hash_s", 0))'
            ' for e in inf.engine.events])))\n')
        res = subprocess.run([sys.executable, '-c', code, json.dumps(specs),
                              variant.split()[1], str(torch.get_num_threads()),
                              '1' if args.pose_on_dense else '0'],
                             capture_output=True, text=True, env=dict(os.environ))
        if res.returncode:
            notes.append(f'{variant}: second process failed: {res.stderr[-500:]}')
        else:
            r = json.loads(res.stdout.strip().splitlines()[-1])
            conv = sum(e['seconds'] for e in engine.events[:len(r['events'])])
            start = sum(e['seconds'] for e in r['events'])
            notes.append(
                f'{variant}: second process, model cache filled: engine ready in {start:.2f} s '
                f'({", ".join(e["how"] for e in r["events"])}; weights hash '
                f'{sum(e["hash_s"] for e in r["events"]):.2f} s, compilation from the blob cache '
                f'{sum(e["compile_s"] for e in r["events"]):.2f} s) vs {conv:.1f} s for the first '
                f'conversion ({100 * start / conv:.1f} %); its whole constructor '
                f'{r["constructor"]:.1f} s (model building and checkpoint loading included), '
                f'imports {r["imports"]:.1f} s')
    for n in notes:
        print(n, flush=True)
    return notes


@torch.no_grad()
def agreement_notes(tasks, cfgs, ckpts, path, variants, with_lite=True):
    """Ours fp32 vs the lite post-processing of the same head output and vs the whole lite
    pipeline (``with_lite``: Sapiens v1 only, the lite demo has no Sapiens2 models); ours bf16
    vs ours fp32; each OpenVINO variant vs ours fp32 (torch)."""
    from sapiens_mm.apis import SapiensInferencer
    img = cv2.imread(path)
    notes = []
    for t in tasks:
        spec = [(cfgs[t], ckpts[t])]
        f32 = SapiensInferencer(spec, device='cpu', precision='fp32', flip_test=False,
                                engine='torch')
        ours = f32(path)['predictions'][0]
        other = pose_kpts(ours) if t == 'pose' else ours[t]
        if with_lite:
            notes += lite_notes(t, f32.models[t], cfgs[t], ckpts[t], path, img, ours)
        if any(v.startswith('ours auto') for v in variants):
            b = SapiensInferencer(spec, device='cpu', precision='auto', flip_test=False,
                                  engine='torch')
            if b.dtype != torch.float32:
                res = b(path)['predictions'][0]
                notes.append(f'{t}, ours bf16 vs ours fp32: '
                             f'{agreement(t, other, pose_kpts(res) if t == "pose" else res[t])}')
            else:
                notes.append(f'{t}, ours auto is fp32 on this CPU (no native bf16): no bf16 '
                             'agreement')
            del b
        for v in variants:  # the OpenVINO engine (its models are in the model cache by now)
            if v.startswith('openvino') and not v.endswith('noflip'):
                o = SapiensInferencer(spec, device='cpu', precision=v.split()[1],
                                      flip_test=False, engine='openvino')
                res = o(path)['predictions'][0]
                notes.append(f'{t}, {v} ({o.engine.precision()}) vs ours fp32: '
                             f'{agreement(t, other, pose_kpts(res) if t == "pose" else res[t])}')
                del o
        if notes:
            print(notes[-1], flush=True)
        del f32
        gc.collect()  # one task's models at a time
    return notes


def lite_notes(t, tm, cfg, ckpt, path, img, ours) -> list:
    """Sapiens v1: ours fp32 (``ours``, no flip) against the lite post-processing of the same
    head output, mmseg's predict (resized twice) against ours (resized once), and ours against
    the whole lite pipeline."""
    from mmengine.dataset import pseudo_collate
    from sapiens_mm.apis.inferencers import build_task_model
    notes = []
    plain = Lite(build_task_model(cfg, ckpt, 'cpu'))
    full_lite = plain(path, tempfile.mkdtemp(), False)
    if t == 'pose':
        crop = tm.pipeline(dict(img=img, bbox=np.array([[0, 0, img.shape[1], img.shape[0]]],
                                                      np.float32),
                                bbox_score=np.ones(1, np.float32), **tm.model.dataset_meta))
        data = tm.model.data_preprocessor(pseudo_collate([crop]), False)
        hm = tm.model.head.forward(tm.model.extract_feat(data['inputs']))[0].numpy()
        c = crop['data_samples'].metainfo['input_center']
        s = crop['data_samples'].metainfo['input_scale']
        ref, _ = lite_pose_decode(hm, c, s, tm.input_size[::-1])
        notes.append(f'pose, ours fp32 (no flip) vs lite decode (UDP+DARK k=11) of the '
                     f'same heatmaps: {agreement(t, ref, pose_kpts(ours))}')
        other = pose_kpts(ours)
    else:
        sample = tm.pipeline(dict(img=img))
        data = tm.model.data_preprocessor(pseudo_collate([sample]), False)
        out = tm.model.decode_head.forward(tm.model.extract_feat(data['inputs']))[0]
        ref = lite_dense(t, out, img.shape[:2])
        notes.append(f'{t}, ours fp32 vs lite post-processing of the same head output: '
                     f'{agreement(t, ref, ours[t])}')
        pred = tm.model.predict(data['inputs'], data['data_samples'])[0]  # mmseg's path
        twice = {'seg': lambda p: p.pred_sem_seg.data[0].to(torch.uint8).numpy(),
                 'depth': lambda p: p.pred_depth_map.data[0].float().numpy(),
                 'normal': lambda p: p.pred_normal_map.data.float().permute(
                     1, 2, 0).numpy()}[t](pred)
        notes.append(f'{t}, mmseg predict (resized twice: input size, then image) vs '
                     f'resized once: {agreement(t, ours[t], twice)}')
        other = ours[t]
    notes.append(f'{t}, ours fp32 vs the whole lite pipeline (rounded mean/std'
                 + (', image-aspect crop' if t == 'pose' else '') + f'): '
                 f'{agreement(t, full_lite, other)}')
    del plain
    return notes


if __name__ == '__main__':
    main()

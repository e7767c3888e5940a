"""One check of every CUDA path of sapiens_mm, within about 8 minutes on one H100.

    python tools/gpu/check.py [--out DIR] [--families v1,v2] [--tasks pose,seg,...] [--parts ...]
        [--budget 480] [--iters 6] [--batch 1] [--device cuda|cpu] [--tiny] [--fail ROW:PART]

Rows (``--families``, default both): **v1**, the released 1024x768 configs of Sapiens-0.3B for
pose, seg, depth and normal (``configs/sapiens_{pose,seg,depth,normal}/...sapiens_0.3b...``,
rows ``pose`` ...); **v2**, those of Sapiens2-0.4B for pose, 29-class seg, normal and pointmap
(``configs/sapiens2_{pose,seg,normal,pointmap}/...sapiens2_0.4b...``, rows ``sapiens2_pose``
...). Random weights (no checkpoint travels). Each row runs these parts, each time-boxed and
each recorded on its own (a failing part is written with its error and the check goes on):

* ``train_cp`` / ``train``: ``--iters`` training steps (``model.train_step``: preprocessing,
  forward, loss, backward, AdamW with the config's layer decay) in bf16 autocast
  (sapiens_mm's ``AutocastOptimWrapper``, what ``--amp`` selects without loss scaling) with and
  without activation checkpointing of every ViT layer (``with_cp=True`` of ``SapiensViT`` /
  ``Sapiens2ViT``; the pointmap config's fp32 training is run in bf16 too), on one
  fixed batch of ``--batch`` images at 1024x768 from the config's own train pipeline over
  synthetic humans (:func:`sapiens_mm.synthetic.generate_split`; ``RandomBackground`` dropped,
  no background set travels). Recorded: every step's loss, whether all are finite and the last
  is below the first, peak GPU memory (``torch.cuda.max_memory_allocated``), images/s (median
  step after the first);
* ``eval``: mmengine's ``Runner.test()`` with the config's test pipeline and metric on
  ``--eval-images`` synthetic images (untrained model: the figures only show the path runs);
* ``infer``: :class:`~sapiens_mm.apis.SapiensInferencer` in bf16 on 1024x768 images, images/s
  at batch 1 and 8 (file reading excluded: arrays in, predictions out, at the original size);
  the prediction must hold the row's task (``outputs`` in the report: its keys and shapes);
* ``fsdp``: the same training steps through mmengine's ``FlexibleRunner`` with the strategy
  block of the ``*_fsdp.py`` configs (``configs/_base_/strategies/fsdp_bf16_vit.py``: FULL_SHARD
  per ViT layer, bf16 mixed precision, activation checkpointing), world size 1 in this process
  (NCCL on CUDA, gloo on the CPU);
* ``infer_compile``: ``infer`` with the heads through ``torch.compile``
  (``SapiensInferencer(compile_heads=True)``); the first call (compilation) is timed apart.

Order: every row's ``train_cp``, ``train``, ``eval``, ``infer`` (v1 rows, then v2), then
``fsdp``, then ``infer_compile`` (both task by task across the families: pose, sapiens2_pose,
seg ...); a part starts only with time left in ``--budget`` seconds, and none runs past its own
time box (``--part-seconds``). While everything runs, every call into mmcv's compiled
ops (``mmcv._ext``) is recorded (``mmcv_ext_calls`` in the report): the bundle's mmcv has CPU
ops only (tools/gpu/build_bundle.sh), which is enough only while this stays empty.

Writes ``gpu_report.json`` and ``gpu_report.md`` (a Markdown table) into ``--out`` (default
``$OUT``, else ``outputs/gpu_check``). ``--device cpu --tiny`` is the dry run of the test suite
(tests/test_tools/test_gpu_check.py): the same configs with the ``sapiens_tiny`` /
``sapiens2_tiny`` backbone and slim heads at 64x48, fewer steps, no ``infer_compile``. Reports,
asserts nothing; the exit code is 0 unless the arguments are wrong.

Time on the GPU (estimate, unmeasured): the arithmetic is small. One forward at 1024x768 is
8.6 T MACs for the four v1 models together and 10.4 T for the four Sapiens2 ones (1.21x;
``tools/analysis/get_flops.py``: pose 1.62 / 1.93, seg 2.36 / 1.79, depth 2.25, normal
2.36 / 2.51, pointmap 4.17 T MACs), and a row runs about 150 forward-equivalents (train 3x and
train_cp / fsdp 4x a forward per step, eval, 41 images per inference part): about 6 s of v1 and
8 s of v2 compute at 400 bf16 TFLOP/s. The time goes to building the 0.3-0.5B models on the
host (about 4 builds per row), the first CUDA / NCCL calls and torch.compile (about 30-60 s per
row, two input shapes). Expected: about 35 s (v1) / 40 s (v2) per row for the parts before
``infer_compile``, so both families' other parts take about 5.5 minutes of the 8 and
``infer_compile`` runs for the first 2-4 rows in the time left; ``--families v2`` or ``--parts
infer_compile`` in a second window complete it.
"""
import argparse
import contextlib
import copy
import gc
import json
import math
import os
import os.path as osp
import platform
import signal
import socket
import statistics
import sys
import tempfile
import time
import traceback

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: v1 tasks (Sapiens, ``SapiensViT``)
TASKS = ('pose', 'seg', 'depth', 'normal')
#: Sapiens2 tasks (``Sapiens2ViT``): no depth model was released for Sapiens2, pointmaps instead
V2_TASKS = ('pose', 'seg', 'normal', 'pointmap')
ALL_TASKS = ('pose', 'seg', 'depth', 'normal', 'pointmap')
FAMILIES = ('v1', 'v2')
#: every part, in the order they run (each over all tasks before the next part group)
PARTS = ('train_cp', 'train', 'eval', 'infer', 'fsdp', 'infer_compile')
#: parts run per task first, then fsdp, then infer_compile (slowest last)
PART_GROUPS = (('train_cp', 'train', 'eval', 'infer'), ('fsdp',), ('infer_compile',))
#: released v1 configs, {a} = arch
V1_CONFIGS = dict(pose='configs/sapiens_pose/goliath/{a}-210e_goliath-1024x768.py',
                  seg='configs/sapiens_seg/goliath/{a}_goliath-1024x768.py',
                  depth='configs/sapiens_depth/humans/{a}_humans-1024x768.py',
                  normal='configs/sapiens_normal/humans/{a}_humans-1024x768.py')
#: Sapiens2 configs (the release's sizes and schedules), {a} = Sapiens2 arch; rows
#: ``sapiens2_<task>``
SAPIENS2_CONFIGS = dict(
    pose='configs/sapiens2_pose/goliath/{a}_pose_goliath-1024x768.py',
    seg='configs/sapiens2_seg/humans/{a}_seg_humans-1024x768.py',
    normal='configs/sapiens2_normal/humans/{a}_normal_humans-1024x768.py',
    pointmap='configs/sapiens2_pointmap/humans/{a}_pointmap_humans-1024x768.py')
FSDP_STRATEGY = 'configs/_base_/strategies/fsdp_bf16_vit.py'
#: default time box (s) of each part on the GPU
PART_SECONDS = dict(train_cp=45, train=45, eval=30, infer=45, fsdp=60, infer_compile=75)
TINY_HW = (64, 48)
#: width of the tiny backbones (``sapiens_tiny``, ``sapiens2_tiny``)
TINY_DIMS = dict(SapiensViT=128, Sapiens2ViT=64)


class PartTimeout(Exception):
    """A part ran past its time box."""


@contextlib.contextmanager
def time_box(seconds: float):
    """Raise :class:`PartTimeout` in the main thread after ``seconds`` (SIGALRM)."""
    def _raise(signum, frame):
        raise PartTimeout(f'over its time box of {seconds:.0f} s')
    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.01))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ----------------------------------------------------------------------------- mmcv op trace
class MmcvExtTrace:
    """Record every call into ``mmcv._ext`` (mmcv's compiled ops, CPU and CUDA kernels alike):
    each callable attribute of the extension module is replaced by a counting wrapper. mmcv's
    ops look their kernels up on that module at call time (``ext_module.nms(...)``), so every
    call passes here. ``calls``: name -> number of calls; ``devices``: name -> devices seen."""

    def __init__(self):
        self.calls, self.devices, self._saved = {}, {}, {}

    def __enter__(self):
        try:
            import mmcv._ext as ext
        except ImportError as e:
            raise RuntimeError(f'mmcv has no compiled ops (mmcv._ext): {e}') from e
        self._ext = ext
        for name in dir(ext):
            fn = getattr(ext, name)
            if name.startswith('_') or not callable(fn):
                continue
            self._saved[name] = fn
            setattr(ext, name, self._wrap(name, fn))
        return self

    def _wrap(self, name, fn):
        def traced(*args, **kwargs):
            self.calls[name] = self.calls.get(name, 0) + 1
            devs = self.devices.setdefault(name, set())
            for a in list(args) + list(kwargs.values()):
                if hasattr(a, 'device'):
                    devs.add(str(a.device))
            return fn(*args, **kwargs)
        return traced

    def __exit__(self, *exc):
        for name, fn in self._saved.items():
            setattr(self._ext, name, fn)
        return False

    def summary(self) -> dict:
        return {k: dict(calls=v, devices=sorted(self.devices.get(k, ())))
                for k, v in sorted(self.calls.items())}


@contextlib.contextmanager
def unformatted_config_text():
    """Config text without yapf formatting while the check runs: every mmengine runner renders
    its config three times (the log, the visualizer, the dump in its work dir), and yapf spends
    about 1.5 s of CPU on each of the 0.3B configs (a third of the CPU dry run's time, and
    host time between GPU parts). The text stays valid Python, only not re-indented."""
    import mmengine.config.config as config_module
    formatter = config_module.FormatCode
    config_module.FormatCode = lambda text, **kwargs: (text, False)
    try:
        yield
    finally:
        config_module.FormatCode = formatter


# ----------------------------------------------------------------------------- configs
def set_input_size(cfg, task: str, hw) -> None:
    """Make every pipeline, the preprocessor, the backbone, (pose) the codec and (pointmap) the
    head's scale branch of ``cfg`` work at input (H, W) = ``hw``, in place."""
    h, w = hw
    cfg.model.backbone.img_size = (h, w)
    if task == 'pose':
        codec = dict(cfg.model.head.decoder, input_size=(w, h), heatmap_size=(w // 4, h // 4))
        cfg.model.head.decoder = codec
    else:
        cfg.model.data_preprocessor.size = (h, w)
    if 'input_size' in (cfg.model.get('decode_head') or {}):  # Sapiens2PointmapHead
        cfg.model.decode_head.input_size = (h, w)
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if not loader:
            continue
        steps = []
        for t in loader.dataset.pipeline:
            t = dict(t)
            kind = t['type']
            if kind in ('TopdownAffine', 'ReleaseInterpolationTopdownAffine'):
                t['input_size'] = (w, h)
            elif kind == 'GenerateTarget':
                t['encoder'] = dict(t['encoder'], input_size=(w, h),
                                    heatmap_size=(w // 4, h // 4))
            elif kind in ('Resize', 'RandomResize', 'AreaOrCubicResize'):
                t['scale'] = (w, h)
            elif kind in ('RandomCrop', 'ForegroundRandomCrop'):
                t['crop_size'] = (h, w)
            elif kind == 'FitAndCentrePad':
                t['size'] = (h, w)
            elif kind == 'PointmapResize':
                t.update(height=h, width=w)
            steps.append(t)
        loader.dataset.pipeline = steps


def shrink_to_tiny(cfg, task: str) -> None:
    """The tiny backbone of the family (``sapiens_tiny``: 128 wide, 4 layers; ``sapiens2_tiny``:
    64 wide, 18 layers, the release's GQA schedule) and slim heads (32 channels; the pointmap
    head's scale branch one stride-2 convolution, 4x3 -> 2x2 features at 64x48), in place."""
    kind = cfg.model.backbone.type
    if kind not in TINY_DIMS:
        raise ValueError(f'--tiny: no tiny arch for backbone {kind!r}')
    cfg.model.backbone.arch = 'sapiens_tiny' if kind == 'SapiensViT' else 'sapiens2_tiny'
    head = cfg.model.get('head') or cfg.model.decode_head
    head.in_channels = TINY_DIMS[kind]
    if task == 'pose':
        head.deconv_out_channels = (32, 32)
        head.conv_out_channels = tuple(32 for _ in head.get('conv_out_channels', (32, 32)))
        return
    if kind == 'SapiensViT' or 'channels' in head:
        head.channels = 32
    for key in ('deconv_out_channels', 'conv_out_channels', 'upsample_channels'):
        if key in head:  # same number of layers (kernel sizes are per layer), 32 wide
            head[key] = tuple(32 for _ in head[key])
    if 'scale_conv_out_channels' in head:
        head.scale_conv_out_channels = (32, )
        head.scale_mlp_channels = (32, )


def task_config(task: str, config: str, data: dict, tiny: bool, work_dir: str, tag: str):
    """The task's released config, random weights, pointed at the synthetic split ``data``
    (``train`` / ``val`` folders), loaders in the main process, no checkpoints or pictures.
    Sapiens2 segmentation reads the generator's 28 v1 classes mapped to its 29
    (``label_space='goliath28'``, no Eyeglass labels); pointmaps read the generator's images
    folder (``images/``, the release's layout names it ``rgb/``)."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, config))
    cfg.model.backbone.init_cfg = None
    if tiny:
        shrink_to_tiny(cfg, task)
        set_input_size(cfg, task, TINY_HW)
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        root = data['train' if split == 'train' else 'val']
        ds = loader.dataset
        ds.pipeline = [t for t in ds.pipeline if t['type'] != 'RandomBackground']
        if task == 'pose':
            ds.data_root = root + '/'
            ds.ann_file = 'annotations/goliath_308.json'
        else:
            ds.data_root = root
        if 'label_space' in ds:
            ds.label_space = 'goliath28'
        if task == 'pointmap':
            ds.data_prefix = dict(img_path='images')
        loader.num_workers = 0
        loader.persistent_workers = False
    if task == 'pose':
        for split in ('val', 'test'):
            cfg[f'{split}_evaluator'].ann_file = osp.join(data['val'], 'annotations',
                                                           'goliath_308.json')
    cfg.work_dir = osp.join(work_dir, tag)
    cfg.experiment_name = tag
    for key in ('visualization', 'checkpoint', 'badcase'):
        cfg.default_hooks.pop(key, None)
    cfg.custom_hooks = []
    cfg.log_level = 'WARNING'
    cfg.load_from = None
    cfg.resume = False
    cfg.randomness = dict(seed=0)  # same weights and batch in every part (pose has no seed)
    return cfg


def for_training(cfg, batch: int, iters: int):
    """bf16 autocast, constant lr (no warm-up: the loss must move in a few steps), no
    validation."""
    cfg.optim_wrapper.type = 'AutocastOptimWrapper'
    cfg.optim_wrapper.dtype = 'bfloat16'
    cfg.param_scheduler = None
    cfg.train_dataloader.batch_size = batch
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=10 ** 9)
    for key in ('val_dataloader', 'val_cfg', 'val_evaluator', 'test_dataloader', 'test_cfg',
                'test_evaluator'):
        cfg[key] = None
    return cfg


# ----------------------------------------------------------------------------- measuring
def sync(device: str) -> None:
    if device.startswith('cuda'):
        import torch
        torch.cuda.synchronize()


def free_memory(device: str) -> None:
    """Collect the last part's objects (runners and models hold reference cycles) and return
    the cached GPU memory, so that the next part starts from an empty device."""
    import torch
    gc.collect()
    if device.startswith('cuda'):
        torch.cuda.empty_cache()


def reset_peak(device: str) -> None:
    """Start a new peak-memory measurement (:func:`peak_mib`)."""
    import torch
    if device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()


def peak_mib(device: str):
    """Peak GPU memory allocated since :func:`reset_peak` (MiB); None on the CPU."""
    if device.startswith('cuda'):
        import torch
        return round(torch.cuda.max_memory_allocated() / 2 ** 20, 1)
    return None


def total_loss(log_vars) -> float:
    """The optimised loss of mmengine's ``train_step`` output (``loss``, else the sum of the
    ``loss*`` entries)."""
    if 'loss' in log_vars:
        return float(log_vars['loss'])
    return float(sum(float(v) for k, v in log_vars.items() if k.startswith('loss')))


def loss_summary(losses, step_times, batch: int) -> dict:
    timed = step_times[1:] or step_times
    step = statistics.median(timed) if timed else float('nan')
    return dict(losses=[round(x, 6) for x in losses],
                finite=bool(losses) and all(math.isfinite(x) for x in losses),
                falling=len(losses) > 1 and losses[-1] < losses[0],
                step_s=round(step, 4), images_per_s=round(batch / step, 3) if step else None)


class FixedBatches:
    """A torch ``DataLoader`` giving the same collated batch ``n`` times (for runners)."""

    @staticmethod
    def loader(batch, n: int):
        from torch.utils.data import DataLoader, Dataset

        class _Same(Dataset):
            def __len__(self):
                return n

            def __getitem__(self, i):
                return batch
        # batch_size=1 with a collate that unwraps: mmengine reads ``batch_sampler.batch_size``
        return DataLoader(_Same(), batch_size=1, collate_fn=lambda xs: xs[0], num_workers=0)


# ----------------------------------------------------------------------------- parts
class Check:
    """State shared by the parts: device, data, options."""

    def __init__(self, args, data: dict, work_dir: str):
        self.args, self.data, self.work_dir = args, data, work_dir
        self.device = args.device
        self.batch = args.batch
        self.iters = args.iters
        self._n = 0
        self._batches = {}

    def config(self, task: str, config: str, part: str):
        self._n += 1
        return task_config(task, config, self.data, self.args.tiny, self.work_dir,
                           f'{task}_{part}_{self._n}')

    def fixed_batch(self, task: str, config: str):
        """One collated batch from the config's train pipeline (built once per task, so every
        training part sees the same images and targets)."""
        if config not in self._batches:
            from mmengine.registry import init_default_scope
            from mmengine.runner import Runner
            cfg = for_training(self.config(task, config, 'data'), self.batch, self.iters)
            init_default_scope(cfg.get('default_scope', 'mmengine'))
            seed_everything()
            loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
            self._batches[config] = next(iter(loader))
        return self._batches[config]

    # -- train / train_cp
    def train(self, task: str, config: str, with_cp: bool) -> dict:
        from mmengine.runner import Runner
        cfg = for_training(self.config(task, config, 'train'), self.batch, self.iters)
        cfg.model.backbone.with_cp = with_cp
        batch = self.fixed_batch(task, config)
        seed_everything()
        runner = Runner.from_cfg(cfg)
        model = runner.model
        # what Runner.train() does first: the config's init_cfg (trunc-normal ViT, the heads'
        # own init); without it the layers keep torch's default init
        seed_everything()
        model.init_weights()
        optim_wrapper = runner.build_optim_wrapper(cfg.optim_wrapper)
        model.train()
        reset_peak(self.device)
        losses, times = [], []
        for _ in range(self.iters):
            sync(self.device)
            start = time.perf_counter()
            log_vars = model.train_step(batch, optim_wrapper)
            loss = total_loss(log_vars)  # a host copy: waits for the step
            sync(self.device)
            times.append(time.perf_counter() - start)
            losses.append(loss)
        out = dict(loss_summary(losses, times, self.batch), peak_mem_mib=peak_mib(self.device),
                   batch=self.batch, optim_wrapper='AutocastOptimWrapper(bfloat16)',
                   with_cp=with_cp)
        del runner, model, optim_wrapper
        return out

    # -- fsdp
    def fsdp(self, task: str, config: str) -> dict:
        import torch.distributed as dist
        from mmengine.config import Config
        from mmengine.hooks import Hook

        from sapiens_mm.engine.runner import build_runner
        cfg = for_training(self.config(task, config, 'fsdp'), self.batch, self.iters)
        strategy_cfg = Config.fromfile(osp.join(ROOT, FSDP_STRATEGY))
        cfg.runner_type = strategy_cfg.runner_type
        cfg.strategy = copy.deepcopy(strategy_cfg.strategy)
        cfg.launcher = 'pytorch'
        for key, value in dict(RANK='0', LOCAL_RANK='0', WORLD_SIZE='1',
                               MASTER_ADDR='127.0.0.1').items():
            os.environ.setdefault(key, value)
        os.environ.setdefault('MASTER_PORT', str(free_port()))
        batch = self.fixed_batch(task, config)
        seed_everything()
        runner = build_runner(cfg)  # gloo group + CPU wrapper without CUDA; NCCL in strategy
        losses, times, device = [], [], self.device

        class Record(Hook):
            priority = 'VERY_LOW'

            def before_train_iter(self, runner, batch_idx, data_batch=None):
                sync(device)
                self._start = time.perf_counter()

            def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
                losses.append(total_loss(outputs))
                sync(device)
                times.append(time.perf_counter() - self._start)

        runner.register_hook(Record())
        runner._train_dataloader = FixedBatches.loader(batch, self.iters)
        reset_peak(self.device)
        runner.train()
        wrapped = type(runner.model).__name__
        out = dict(loss_summary(losses, times, self.batch), peak_mem_mib=peak_mib(self.device),
                   batch=self.batch, world_size=dist.get_world_size(),
                   backend=dist.get_backend(), model_wrapper=wrapped,
                   strategy=cfg.strategy['type'])
        del runner
        return out

    # -- eval
    def eval(self, task: str, config: str) -> dict:
        from mmengine.runner import Runner
        cfg = self.config(task, config, 'eval')
        cfg.train_dataloader = cfg.train_cfg = cfg.optim_wrapper = cfg.param_scheduler = None
        cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
        runner = Runner.from_cfg(cfg)
        sync(self.device)
        start = time.perf_counter()
        metrics = runner.test()
        sync(self.device)
        seconds = time.perf_counter() - start
        n = self.args.eval_images
        metrics = {k: float(v) for k, v in metrics.items()
                   if isinstance(v, (int, float)) or getattr(v, 'ndim', 1) == 0}
        del runner
        return dict(images=n, seconds=round(seconds, 3), images_per_s=round(n / seconds, 3),
                    metrics=metrics,
                    metrics_finite=all(math.isfinite(v) for v in metrics.values()))

    # -- infer / infer_compile
    def infer(self, task: str, config: str, compile_heads: bool) -> dict:
        from sapiens_mm.apis import SapiensInferencer
        cfg = self.config(task, config, 'infer_compile' if compile_heads else 'infer')
        images = self.infer_images()
        result = dict(precision='bf16', compile_heads=compile_heads)
        inferencer = SapiensInferencer([(cfg, None)], device=self.device, precision='bf16',
                                       num_workers=0, compile_heads=compile_heads,
                                       engine='torch')
        for bs in self.args.infer_batches:
            n = max(bs, self.args.infer_images)
            imgs = [images[i % len(images)] for i in range(n)]
            sync(self.device)
            start = time.perf_counter()
            inferencer(imgs[:bs], batch_size=bs)  # warm-up (and compilation for this shape)
            sync(self.device)
            result[f'first_call_s_batch{bs}'] = round(time.perf_counter() - start, 3)
            reset_peak(self.device)
            start = time.perf_counter()
            out = inferencer(imgs, batch_size=bs)
            sync(self.device)
            seconds = time.perf_counter() - start
            if len(out['predictions']) != n:
                raise RuntimeError(f'{len(out["predictions"])} predictions for {n} images')
            result[f'images_per_s_batch{bs}'] = round(n / seconds, 3)
            result['outputs'] = prediction_summary(out['predictions'][0])
            result[f'peak_mem_mib_batch{bs}'] = peak_mib(self.device)
        result['images_per_s'] = result.get(f'images_per_s_batch{self.args.infer_batches[-1]}')
        del inferencer
        if task not in result['outputs']:
            raise RuntimeError(f'SapiensInferencer decoded this {task} model as '
                               f'{result["outputs"]}: no {task!r} output (images/s '
                               f'{result["images_per_s"]} of that path)')
        return result

    def infer_images(self):
        """The validation images as BGR arrays at the model input size (1024x768 on the GPU)."""
        import cv2
        folder = osp.join(self.data['val'], 'images')
        h, w = TINY_HW if self.args.tiny else (1024, 768)
        return [cv2.resize(cv2.imread(osp.join(folder, f)), (w, h))
                for f in sorted(os.listdir(folder)) if f.endswith(('.png', '.jpg'))]

    def run_part(self, name: str, task: str, config: str, part: str) -> dict:
        """Run ``part`` of row ``name`` (``seg``, ``sapiens2_seg`` ...) of ``task``."""
        if self.args.fail and (name, part) in self.args.fail:
            raise RuntimeError(f'injected failure (--fail {name}:{part})')
        if part in ('train', 'train_cp'):
            return self.train(task, config, with_cp=part == 'train_cp')
        if part == 'fsdp':
            return self.fsdp(task, config)
        if part == 'eval':
            return self.eval(task, config)
        return self.infer(task, config, compile_heads=part == 'infer_compile')


def prediction_summary(pred) -> dict:
    """What one image's prediction holds: key -> shape of an array, length of a list (pose
    instances), else the type's name; shows in the report what the inferencer decoded."""
    if not isinstance(pred, dict):
        return {'': type(pred).__name__}
    out = {}
    for key, value in pred.items():
        if hasattr(value, 'shape'):
            out[key] = list(value.shape)
        elif isinstance(value, (list, tuple)):
            out[key] = f'{len(value)} items'
        else:
            out[key] = type(value).__name__
    return out


def seed_everything(seed: int = 0) -> None:
    """Python, numpy and torch generators (the pipelines draw from numpy's global one)."""
    from mmengine.runner import set_random_seed
    set_random_seed(seed)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


# ----------------------------------------------------------------------------- report
def environment(device: str) -> dict:
    import torch
    env = dict(python=platform.python_version(), torch=torch.__version__,
               cuda=torch.version.cuda, host=platform.node(), device=device)
    if device.startswith('cuda') and torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        env.update(gpu=props.name, gpu_memory_mib=round(props.total_memory / 2 ** 20),
                   bf16_supported=torch.cuda.is_bf16_supported())
    else:
        env.update(gpu=None, cpu_count=os.cpu_count())
    for mod in ('mmcv', 'mmengine', 'mmpretrain', 'mmpose', 'mmseg', 'mmdet'):
        try:
            env[mod] = __import__(mod).__version__
        except Exception as e:  # noqa: BLE001  (reported, not fatal)
            env[mod] = f'not importable: {e}'
    return env


def markdown(report: dict) -> str:
    env = report['environment']
    dev = env.get('gpu') or f'CPU ({env.get("cpu_count")} cores)'
    lines = [f'# sapiens_mm GPU check ({report["scale"]})', '',
             f'Device: {dev}; torch {env["torch"]} (CUDA {env["cuda"]}), Python {env["python"]}, '
             f'mmcv {env["mmcv"]}, mmengine {env["mmengine"]}. Total {report["total_s"]:.0f} s '
             f'of a {report["budget_s"]:.0f} s budget. Input {report["input_hw"][0]}x'
             f'{report["input_hw"][1]}, training batch {report["batch"]}, {report["iters"]} '
             'steps on one fixed batch, bf16 autocast; random weights.', '',
             f'Command: `{report["command"]}`', '',
             '| task | part | status | s | loss first → last | finite / falling | '
             'peak GPU MiB | images/s | notes |',
             '|---|---|---|---|---|---|---|---|---|']
    for r in report['parts']:
        res = r.get('result') or {}
        loss = (f'{res["losses"][0]:.4g} → {res["losses"][-1]:.4g}'
                if res.get('losses') else '')
        ff = (f'{"yes" if res.get("finite") else "NO"} / {"yes" if res.get("falling") else "no"}'
              if 'finite' in res else '')
        if 'metrics' in res:
            ff = 'metrics ' + ('finite' if res.get('metrics_finite') else 'NOT finite')
        peak = res.get('peak_mem_mib')
        if peak is None:
            peaks = [res[k] for k in res if k.startswith('peak_mem_mib_batch') and res[k]]
            peak = max(peaks) if peaks else None
        ips = res.get('images_per_s')
        if r['part'].startswith('infer'):
            ips = ' / '.join(f'{res.get(f"images_per_s_batch{b}")} (b{b})'
                             for b in report['infer_batches'])
        notes = r.get('error', '')
        if r['part'] == 'infer' and res.get('outputs'):
            notes = 'outputs ' + ', '.join(f'{k} {v}' for k, v in res['outputs'].items())
        if r['part'] == 'infer_compile' and res:
            notes = ', '.join(f'first call b{b} {res.get(f"first_call_s_batch{b}")} s'
                              for b in report['infer_batches'])
        if r['part'] == 'fsdp' and res:
            notes = f'{res.get("model_wrapper")}, {res.get("backend")}, world {res.get("world_size")}'
        notes = notes.replace('|', '/').replace('\n', ' ')[:160]
        lines.append(f'| {r["task"]} | {r["part"]} | {r["status"]} | {r["seconds"]:.1f} | '
                     f'{loss} | {ff} | {peak if peak is not None else ""} | '
                     f'{ips if ips is not None else ""} | {notes} |')
    calls = report['mmcv_ext_calls']
    lines += ['', 'Calls into mmcv\'s compiled ops (`mmcv._ext`) during the check: '
              + (', '.join(f'{k} x{v["calls"]} on {v["devices"]}' for k, v in calls.items())
                 if calls else 'none (the CPU-ops mmcv of the bundle suffices).')]
    if report.get('notes'):
        lines += [''] + [f'- {n}' for n in report['notes']]
    return '\n'.join(lines) + '\n'


def write_report(report: dict, out: str) -> None:
    os.makedirs(out, exist_ok=True)
    with open(osp.join(out, 'gpu_report.json'), 'w') as f:
        json.dump(report, f, indent=1)
    with open(osp.join(out, 'gpu_report.md'), 'w') as f:
        f.write(markdown(report))


# ----------------------------------------------------------------------------- main
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', default=os.environ.get('OUT') or osp.join('outputs', 'gpu_check'),
                   help='folder of gpu_report.json / .md (default: $OUT, else outputs/gpu_check)')
    p.add_argument('--device', default='cuda', choices=['cuda', 'cpu'])
    p.add_argument('--tiny', action='store_true',
                   help='sapiens_tiny / sapiens2_tiny backbone, slim heads, 64x48 input (the '
                   'CPU dry run)')
    p.add_argument('--families', default=','.join(FAMILIES),
                   help='model families to check: v1 (Sapiens), v2 (Sapiens2) or both '
                   '(default v1,v2)')
    p.add_argument('--arch', default='sapiens_0.3b', help='v1 arch of the released configs')
    p.add_argument('--arch2', default='sapiens2_0.4b',
                   help='Sapiens2 arch of the released configs (default sapiens2_0.4b)')
    p.add_argument('--tasks', default=','.join(ALL_TASKS),
                   help=f'comma-separated subset of {",".join(ALL_TASKS)} (v1: '
                   f'{",".join(TASKS)}; Sapiens2: {",".join(V2_TASKS)})')
    p.add_argument('--parts', default=None,
                   help=f'comma-separated subset of {",".join(PARTS)} (default: all; with '
                   '--tiny all but infer_compile)')
    p.add_argument('--budget', type=float, default=None,
                   help='seconds for the whole check (default 480, --tiny 240)')
    p.add_argument('--part-seconds', type=float, default=None,
                   help='time box of every part (default: per part, see PART_SECONDS)')
    p.add_argument('--iters', type=int, default=None, help='training steps (default 6, --tiny 4)')
    p.add_argument('--batch', type=int, default=1, help='training batch size')
    p.add_argument('--eval-images', type=int, default=None, help='default 4, --tiny 2')
    p.add_argument('--infer-images', type=int, default=None,
                   help='images per timed inference call (default 16, --tiny 4)')
    p.add_argument('--infer-batches', default=None,
                   help='inference batch sizes (default 1,8; --tiny 1,4)')
    p.add_argument('--train-images', type=int, default=8, help='synthetic training images')
    p.add_argument('--data-dir', default=None,
                   help='reuse/write the synthetic split here (default: a temporary folder)')
    p.add_argument('--fail', action='append', default=[], metavar='ROW:PART',
                   help='make this part fail (tests that the check goes on)')
    args = p.parse_args(argv)
    args.tasks = [t.strip() for t in args.tasks.split(',') if t.strip()]
    bad = [t for t in args.tasks if t not in ALL_TASKS]
    if bad:
        p.error(f'--tasks: unknown {bad}; choose from {ALL_TASKS}')
    args.families = [f.strip() for f in args.families.split(',') if f.strip()]
    bad = [f for f in args.families if f not in FAMILIES]
    if bad or not args.families:
        p.error(f'--families: unknown {bad or "(none given)"}; choose from {FAMILIES}')
    if not model_rows(args):
        p.error(f'--tasks {",".join(args.tasks)} with --families {",".join(args.families)}: no '
                f'model to check (v1 has {",".join(TASKS)}, v2 {",".join(V2_TASKS)})')
    missing = [c for _, _, c in model_rows(args) if not osp.isfile(osp.join(ROOT, c))]
    if missing:
        p.error(f'--arch {args.arch} / --arch2 {args.arch2}: no config {missing[0]}')
    if args.parts is None:
        args.parts = [x for x in PARTS if not (args.tiny and x == 'infer_compile')]
    else:
        args.parts = [x.strip() for x in args.parts.split(',') if x.strip()]
    bad = [x for x in args.parts if x not in PARTS]
    if bad:
        p.error(f'--parts: unknown {bad}; choose from {PARTS}')
    fails = []
    for f in args.fail:
        task, _, part = f.partition(':')
        if part not in PARTS:
            p.error(f'--fail {f!r}: expected ROW:PART (a row: pose, sapiens2_pose ...) with PART '
                    f'one of {PARTS}')
        fails.append((task, part))
    args.fail = fails
    args.budget = args.budget or (240.0 if args.tiny else 480.0)
    args.iters = args.iters or (4 if args.tiny else 6)
    args.eval_images = args.eval_images or (2 if args.tiny else 4)
    args.infer_images = args.infer_images or (4 if args.tiny else 16)
    args.infer_batches = [int(b) for b in (args.infer_batches
                                           or ('1,4' if args.tiny else '1,8')).split(',')]
    if args.device == 'cuda':
        import torch
        if not torch.cuda.is_available():
            p.error('--device cuda: no GPU visible (use --device cpu --tiny for the dry run)')
    else:
        os.environ.setdefault('CUDA_VISIBLE_DEVICES', '')
    return args


def make_data(args, tmp: str) -> dict:
    from sapiens_mm.synthetic import generate_split
    root = args.data_dir or osp.join(tmp, 'synthetic')
    data = dict(train=osp.join(root, 'train'), val=osp.join(root, 'val'))
    size = (96, 72) if args.tiny else (256, 192)
    workers = 1 if args.tiny else min(8, os.cpu_count() or 1)
    for split, n, seed in (('train', args.train_images, 0), ('val', args.eval_images, 1)):
        if not osp.exists(osp.join(data[split], 'annotations', 'goliath_308.json')):
            generate_split(data[split], n, seed=seed, size=size, max_people=1, previews=0,
                           workers=workers, progress=False, max_view_yaw=45)
    return data


def model_rows(args):
    """(row name, task, config path) of the models checked: the v1 tasks at ``--arch`` (rows
    ``pose`` ...), then the Sapiens2 ones at ``--arch2`` (rows ``sapiens2_pose`` ...), of
    ``--tasks`` and ``--families``."""
    rows = []
    if 'v1' in args.families:
        rows += [(t, t, V1_CONFIGS[t].format(a=args.arch)) for t in args.tasks
                 if t in V1_CONFIGS]
    if 'v2' in args.families:
        rows += [(f'sapiens2_{t}', t, SAPIENS2_CONFIGS[t].format(a=args.arch2))
                 for t in args.tasks if t in SAPIENS2_CONFIGS]
    return rows


def main(argv=None) -> dict:
    args = parse_args(argv)
    t0 = time.perf_counter()
    import torch

    import sapiens_mm  # noqa: F401  (registers the classes)
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    device = 'cuda' if args.device == 'cuda' else 'cpu'
    notes = []
    if 'fsdp' in args.parts:
        notes.append('FSDP at world size 1: torch runs the FULL_SHARD strategy as NO_SHARD, so '
                     'the wrapping, bf16 mixed precision and checkpointing run, the sharding '
                     'collectives do not (they need 2 or more GPUs).')
    scale = ' + '.join(a for f, a in (('v1', args.arch), ('v2', args.arch2))
                       if f in args.families)
    report = dict(scale='tiny dry run' if args.tiny else scale, families=args.families,
                  command='python tools/gpu/check.py ' + ' '.join(
                      sys.argv[1:] if argv is None else list(argv)),
                  environment=None, budget_s=args.budget, iters=args.iters,
                  batch=args.batch, input_hw=list(TINY_HW if args.tiny else (1024, 768)),
                  infer_batches=args.infer_batches, parts=[], notes=notes,
                  mmcv_ext_calls={})
    with tempfile.TemporaryDirectory() as tmp, MmcvExtTrace() as trace, \
            unformatted_config_text():
        start = time.perf_counter()
        data = make_data(args, tmp)
        report['data_s'] = round(time.perf_counter() - start, 2)
        # the imported modules' objects out of the collector's way: a full collection after
        # every part then costs milliseconds instead of ~0.7 s
        gc.collect()
        gc.freeze()
        # after the data: its worker processes fork before CUDA is initialised
        report['environment'] = environment(device)
        check = Check(args, data, osp.join(tmp, 'work'))
        rows = model_rows(args)
        for group in PART_GROUPS:
            # the first group family by family; the later ones (fsdp, infer_compile: the first
            # to meet the end of --budget) task by task across the families, so that a cut
            # budget leaves both families some of each
            order = rows if group == PART_GROUPS[0] else sorted(
                rows, key=lambda row: ALL_TASKS.index(row[1]))
            for name, task, config in order:
                for part in group:
                    if part not in args.parts:
                        continue
                    entry = dict(task=name, part=part, config=config)
                    left = args.budget - (time.perf_counter() - t0)
                    box = min(args.part_seconds or PART_SECONDS[part] * (1 if not args.tiny else 2),
                              left - 2)
                    start, cpu_start = time.perf_counter(), time.process_time()
                    if box < 3:
                        entry.update(status='skipped', error='no time left in --budget')
                    else:
                        try:
                            with time_box(box):
                                entry['result'] = check.run_part(name, task, config, part)
                            entry['status'] = 'ok'
                        except PartTimeout as e:
                            entry.update(status='timeout', error=str(e))
                        except Exception as e:  # noqa: BLE001  (recorded, the check goes on)
                            entry.update(status='error', error=f'{type(e).__name__}: {e}',
                                         traceback=traceback.format_exc(limit=8))
                        finally:
                            free_memory(device)
                    entry['seconds'] = round(time.perf_counter() - start, 2)
                    entry['cpu_s'] = round(time.process_time() - cpu_start, 2)
                    print(f'[gpu_check] {name} {part}: {entry["status"]} in '
                          f'{entry["seconds"]:.1f} s {entry.get("error", "")}', flush=True)
                    report['parts'].append(entry)
                    report['total_s'] = round(time.perf_counter() - t0, 2)
                    report['mmcv_ext_calls'] = trace.summary()
                    write_report(report, args.out)  # after every part: a kill keeps the rest
        import torch.distributed as dist
        if dist.is_initialized():
            dist.destroy_process_group()
    report['total_s'] = round(time.perf_counter() - t0, 2)
    report['mmcv_ext_calls'] = trace.summary()
    write_report(report, args.out)
    print(markdown(report))
    return report


if __name__ == '__main__':
    main()

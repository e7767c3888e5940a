"""The config file of each task, for the benchmark scripts in this folder.

The family follows from the arch name (:func:`family`): ``sapiens_*`` is Sapiens (v1: pose,
seg, depth, normal), ``sapiens2_*`` is Sapiens2 (v2: pose, seg, normal, pointmap; no depth
model, and v1 has no pointmap one). ``config_path(task, arch)`` is the tiny synthetic config
for ``arch`` ``'sapiens_tiny'`` / ``'sapiens2_tiny'`` and the released 1024x768 config of that
size otherwise (``arch`` e.g. ``'sapiens_0.3b'``, ``'sapiens2_0.4b'``); paths are relative to
the repository root. ``sized_config(task, arch, hw)`` loads that config for another input
size, with random weights.
"""
import os.path as osp
from typing import Optional, Tuple

ROOT = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..')

#: task -> tiny config trained on the synthetic humans (CPU)
TINY = dict(pose='configs/sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py',
            seg='configs/sapiens_seg/synthetic/sapiens_tiny_seg_synthetic-128x96.py',
            depth='configs/sapiens_depth/synthetic/sapiens_tiny_depth_synthetic-128x96.py',
            normal='configs/sapiens_normal/synthetic/sapiens_tiny_normal_synthetic-256x192.py')
#: task -> released config, ``{a}`` = arch name
REAL = dict(pose='configs/sapiens_pose/goliath/{a}-210e_goliath-1024x768.py',
            seg='configs/sapiens_seg/goliath/{a}_goliath-1024x768.py',
            depth='configs/sapiens_depth/humans/{a}_humans-1024x768.py',
            normal='configs/sapiens_normal/humans/{a}_humans-1024x768.py')
#: Sapiens2: task -> tiny config (``sapiens2_tiny``)
TINY2 = dict(
    pose='configs/sapiens2_pose/synthetic/sapiens2_tiny_pose_synthetic-128x96.py',
    seg='configs/sapiens2_seg/synthetic/sapiens2_tiny_seg_synthetic-128x96.py',
    normal='configs/sapiens2_normal/synthetic/sapiens2_tiny_normal_synthetic-128x96.py',
    pointmap='configs/sapiens2_pointmap/synthetic/sapiens2_tiny_pointmap_synthetic-128x96.py')
#: Sapiens2: task -> released config, ``{a}`` = arch name (``sapiens2_0.4b`` ...)
REAL2 = dict(pose='configs/sapiens2_pose/goliath/{a}_pose_goliath-1024x768.py',
             seg='configs/sapiens2_seg/humans/{a}_seg_humans-1024x768.py',
             normal='configs/sapiens2_normal/humans/{a}_normal_humans-1024x768.py',
             pointmap='configs/sapiens2_pointmap/humans/{a}_pointmap_humans-1024x768.py')
#: family -> (tiny configs, released configs)
_CONFIGS = dict(v1=(TINY, REAL), v2=(TINY2, REAL2))
#: family -> its tasks, in the inferencer's order (that of the tables above)
TASKS = {fam: tuple(tiny) for fam, (tiny, _) in _CONFIGS.items()}

#: test-pipeline steps that carry the model input size: type -> how to set (H, W)
_SIZED_STEPS = {
    'TopdownAffine': lambda t, h, w: t.update(input_size=(w, h)),
    'ReleaseInterpolationTopdownAffine': lambda t, h, w: t.update(input_size=(w, h)),
    'Resize': lambda t, h, w: t.update(scale=(w, h)),
    'AreaOrCubicResize': lambda t, h, w: t.update(scale=(w, h)),
    'FitAndCentrePad': lambda t, h, w: t.update(size=(h, w)),
    'PointmapResize': lambda t, h, w: t.update(height=h, width=w),
}
#: keys that mean a step has a size we do not know how to set
_SIZE_KEYS = ('input_size', 'scale', 'size', 'crop_size', 'height', 'width')


def family(arch: str) -> str:
    """``'v1'`` for ``sapiens_*`` archs, ``'v2'`` for ``sapiens2_*``; ValueError otherwise."""
    if arch.startswith('sapiens2_'):
        return 'v2'
    if arch.startswith('sapiens_'):
        return 'v1'
    raise ValueError(f'arch {arch!r}: expected sapiens_* (Sapiens) or sapiens2_* (Sapiens2), '
                     'e.g. sapiens_0.3b, sapiens_tiny, sapiens2_0.4b, sapiens2_tiny')


def config_path(task: str, arch: str = 'sapiens_tiny') -> str:
    """Repository-relative config path of ``task`` for ``arch``; ValueError for a task the
    family has no model of (v1 pointmap, v2 depth)."""
    fam = family(arch)
    if task not in TASKS[fam]:
        raise ValueError(f'task {task!r} has no {"Sapiens2" if fam == "v2" else "Sapiens"} '
                         f'config ({arch}: {", ".join(TASKS[fam])})')
    tiny, real = _CONFIGS[fam]
    return tiny[task] if arch in ('sapiens_tiny', 'sapiens2_tiny') else real[task].format(a=arch)


def resize_config(cfg, task: str, hw: Tuple[int, int]) -> None:
    """Set the model input of a task config to ``hw`` = (H, W) pixels, in place: backbone
    position grid (``img_size``), data preprocessor ``size`` (dense), the test pipeline's
    size-bearing steps (v1 ``Resize`` / ``TopdownAffine``; v2 ``AreaOrCubicResize``,
    ``FitAndCentrePad``, ``PointmapResize``, ``ReleaseInterpolationTopdownAffine``), the pose
    codec's input and heatmap (1/4) sizes, and the pointmap head's ``input_size`` (its scale
    branch flattens the feature map, so the head is built for the size; with random weights
    any size its layers allow works, see :func:`check_pointmap_size`). A test-pipeline step
    with a size key this function does not know is a ValueError naming it."""
    h, w = (int(v) for v in hw)
    cfg.model.backbone.img_size = (h, w)
    steps = [dict(t) for t in cfg.test_dataloader.dataset.pipeline]
    for t in steps:
        if t['type'] in _SIZED_STEPS:
            _SIZED_STEPS[t['type']](t, h, w)
        elif any(k in t for k in _SIZE_KEYS):
            raise ValueError(f'{cfg.filename}: test-pipeline step {t["type"]} has a size the '
                             'benchmark cannot set; add it to task_configs._SIZED_STEPS')
    cfg.test_dataloader.dataset.pipeline = steps
    if task == 'pose':
        cfg.model.head.decoder.input_size = (w, h)
        cfg.model.head.decoder.heatmap_size = (w // 4, h // 4)
    else:
        cfg.model.data_preprocessor.size = (h, w)
    if task == 'pointmap':
        cfg.model.decode_head.input_size = (h, w)
        check_pointmap_size(cfg)


def check_pointmap_size(cfg) -> None:
    """Build the pointmap head of ``cfg`` on the meta device (no memory, no time) so that an
    input size its scale branch cannot take (not a multiple of the patch size, or a feature
    map its stride-2 convolutions reduce to 1x1) is refused before any model is built: a
    ValueError naming the size and the head's reason."""
    import torch
    from mmseg.registry import MODELS

    import sapiens_mm  # noqa: F401  (registers the head)
    head = cfg.model.decode_head
    try:
        with torch.device('meta'):
            MODELS.build(dict(head))
    except ValueError as e:
        h, w = head.input_size
        raise ValueError(f'pointmap at input {h}x{w}: {e}') from None


def sized_config(task: str, arch: str, hw: Optional[Tuple[int, int]] = None):
    """The :class:`~mmengine.config.Config` of ``task`` for ``arch`` at input ``hw`` = (H, W)
    pixels (None: the config's own size), see :func:`resize_config`; no pretrained weights
    (``init_cfg=None``)."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, config_path(task, arch)))
    cfg.model.backbone.init_cfg = None
    if arch == 'sapiens2_tiny' and cfg.model.backbone.arch != arch:
        # the tiny pointmap config trains a 128-wide, 4-layer encoder for the demo; here every
        # task gets the same sapiens2_tiny encoder, so that the tasks can share it
        from sapiens_mm.models.backbones.sapiens2_vit import SAPIENS2_ARCHS
        cfg.model.backbone.arch = arch
        cfg.model.decode_head.in_channels = SAPIENS2_ARCHS[arch]['embed_dims']
    if hw:
        resize_config(cfg, task, hw)
    return cfg

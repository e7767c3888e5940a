"""Registration (sapiens_mm/registry.py): every sapiens_mm class is registered once, in the
mmengine root registry of its kind, and builds from each scope whose configs use it through that
scope's own registry (mmpretrain, mmpose, mmseg), which falls back to the root."""
import glob
import os
import subprocess
import sys
import textwrap

import mmengine.registry
import mmpose.registry
import mmpretrain.registry
import mmseg.registry
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope, init_default_scope

import sapiens_mm  # noqa: F401
from sapiens_mm import registry

SCOPE_REGISTRIES = {'mmengine': mmengine.registry, 'mmpretrain': mmpretrain.registry,
                    'mmpose': mmpose.registry, 'mmseg': mmseg.registry}
TINY = dict(type='SapiensViT', arch='sapiens_tiny', img_size=(32, 32))
SEG_HEAD = dict(in_channels=128, channels=16, deconv_out_channels=(16, ),
                deconv_kernel_sizes=(4, ), conv_out_channels=(16, ), conv_kernel_sizes=(1, ))


def _optim_wrapper_cfg():
    return dict(type='AutocastOptimWrapper',
                optimizer=torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=0.1))


#: (scope, registry, config) of each sapiens_mm class, in each scope its configs use it in
#: ('mmengine': configs without a scope and the engine-level registries).
USES = [
    *[(scope, 'MODELS', TINY) for scope in ('mmpretrain', 'mmpose', 'mmseg')],
    ('mmpretrain', 'MODELS', dict(type='SapiensMAEViT', arch='sapiens_tiny', img_size=32)),
    *[(scope, 'MODELS', dict(type='Sapiens2ViT', arch='sapiens2_tiny', img_size=(32, 32)))
      for scope in ('mmpretrain', 'mmpose', 'mmseg')],
    ('mmpose', 'MODELS', dict(type='SapiensHeatmapHead', in_channels=128, out_channels=17,
                              deconv_out_channels=(16, ), deconv_kernel_sizes=(4, ))),
    ('mmpose', 'MODELS', dict(type='BatchKeypointOHKMMSELoss', topk=8)),
    ('mmseg', 'MODELS', dict(type='SapiensSegHead', num_classes=28, **SEG_HEAD)),
    ('mmseg', 'MODELS', dict(type='SapiensDepthHead', **SEG_HEAD)),
    ('mmseg', 'MODELS', dict(type='SapiensNormalHead', **SEG_HEAD)),
    ('mmseg', 'MODELS', dict(type='NormalCosineLoss')),
    ('mmseg', 'MODELS', dict(type='NormalL1Loss')),
    ('mmseg', 'MODELS', dict(type='Sapiens2SegHead', in_channels=32,
                             deconv_out_channels=(8, 8, 8, 8), conv_out_channels=(8, 8),
                             channels=8)),
    ('mmseg', 'MODELS', dict(type='Sapiens2NormalHead', in_channels=32,
                             upsample_channels=(8, 8, 8, 8), conv_out_channels=(8, 8, 8))),
    ('mmseg', 'MODELS', dict(type='ForegroundDiceLoss')),
    ('mmseg', 'MODELS', dict(type='NormalGradientMSELoss')),
    ('mmseg', 'MODELS', dict(
        type='NormalEstimator', backbone=TINY,
        decode_head=dict(type='SapiensNormalHead', loss_decode=dict(type='NormalL1Loss'),
                         **SEG_HEAD))),
    ('mmpose', 'KEYPOINT_CODECS', dict(type='BatchUDPHeatmap', input_size=(32, 32),
                                       heatmap_size=(8, 8), sigma=2)),
    ('mmpose', 'DATASETS', dict(type='Goliath308Dataset', lazy_init=True)),
    ('mmpose', 'DATASETS', dict(type='CocoWholeBodyGoliathDataset', lazy_init=True)),
    ('mmseg', 'DATASETS', dict(type='BodyPartSegDataset', data_root='x', lazy_init=True)),
    ('mmseg', 'DATASETS', dict(type='HumanDepthDataset', data_root='x', lazy_init=True)),
    ('mmseg', 'DATASETS', dict(type='HumanNormalDataset', data_root='x', lazy_init=True,
                               normal_convention='opencv')),
    ('mmseg', 'DATASETS', dict(type='BodyPart29SegDataset', data_root='x', lazy_init=True)),
    ('mmseg', 'TRANSFORMS', dict(type='LoadBodyPartAnnotations')),
    ('mmseg', 'TRANSFORMS', dict(type='AreaOrCubicResize', scale=(32, 32))),
    ('mmseg', 'TRANSFORMS', dict(type='FitAndCentrePad', size=(32, 32))),
    ('mmpose', 'TRANSFORMS', dict(type='ReleaseInterpolationTopdownAffine', input_size=(32, 32))),
    ('mmseg', 'TRANSFORMS', dict(type='LoadHumanDepth')),
    ('mmseg', 'TRANSFORMS', dict(type='LoadHumanNormal')),
    ('mmseg', 'TRANSFORMS', dict(type='DenseRandomFlip', prob=0.5)),
    ('mmseg', 'TRANSFORMS', dict(type='DenseRandomRotate', prob=0.5, degree=30)),
    ('mmseg', 'TRANSFORMS', dict(type='ForegroundRandomCrop', crop_size=(32, 32))),
    ('mmseg', 'TRANSFORMS', dict(type='GenerateHumanDepthTarget')),
    ('mmseg', 'TRANSFORMS', dict(type='PackDenseInputs')),
    ('mmseg', 'TRANSFORMS', dict(type='RandomBackground', background_root='BACKGROUNDS')),
    ('mmpose', 'METRICS', dict(type='Goliath308Metric')),
    ('mmseg', 'METRICS', dict(type='HumanDepthMetric')),
    ('mmseg', 'METRICS', dict(type='SurfaceNormalMetric')),
    ('mmseg', 'HOOKS', dict(type='DenseVisualizationHook')),
    *[(scope, 'HOOKS', dict(type=name)) for scope in ('mmpretrain', 'mmpose', 'mmseg')
      for name in ('AtomicCheckpointHook', 'NonFiniteLossHook')],
    ('mmpose', 'VISUALIZERS', dict(type='SapiensPoseVisualizer', name='registry_test_pose')),
    ('mmseg', 'VISUALIZERS', dict(type='SapiensDenseVisualizer', name='registry_test_dense')),
    ('mmseg', 'VISUALIZERS', dict(type='SapiensMultiTaskVisualizer', name='registry_test_mt')),
    *[(scope, 'OPTIM_WRAPPER_CONSTRUCTORS', dict(
        type='SapiensLayerDecayOptimWrapperConstructor',
        optim_wrapper_cfg=dict(optimizer=dict(type='AdamW', lr=0.1))))
      for scope in ('mmpretrain', 'mmpose', 'mmseg')],
    *[(scope, 'OPTIM_WRAPPERS', 'AutocastOptimWrapper') for scope in ('mmpose', 'mmseg')],
    # no scope has a STRATEGIES of its own: FlexibleRunner builds from the root in any scope
    *[(scope, 'STRATEGIES', dict(type='SapiensFSDPStrategy')) for scope in ('mmpose', 'mmseg')],
    ('mmengine', 'FUNCTIONS', 'sapiens_vit_block_wrap_policy'),
    ('mmengine', 'FUNCTIONS', 'is_sapiens_vit_block'),
    # the multi-task config (default_scope='mmseg'); its heads and metrics build in their
    # task's scope (mmpose for pose), see _config_types
    ('mmseg', 'MODELS', dict(type='SapiensMultiTask', backbone=TINY, heads=dict(
        seg=dict(type='SapiensSegHead', num_classes=28, **SEG_HEAD)))),
    ('mmseg', 'DATASETS', dict(type='HumanMultiTaskDataset', data_root='x', lazy_init=True)),
    ('mmseg', 'TRANSFORMS', dict(type='LoadMultiTaskAnnotations')),
    ('mmseg', 'TRANSFORMS', dict(type='MultiTaskDepthTarget')),
    ('mmseg', 'TRANSFORMS', dict(type='PackMultiTaskInputs')),
    ('mmseg', 'EVALUATOR', dict(type='MultiTaskEvaluator',
                                metrics=dict(depth=dict(type='HumanDepthMetric')))),
    # Sapiens2 pointmaps (configs/sapiens2_pointmap, default_scope='mmseg')
    *[('mmseg', 'MODELS', dict(type=name)) for name in (
        'PointmapDepthNormalizedL1Loss', 'PointmapUpsampledL1Loss', 'PointmapDepthSiLogLoss',
        'PointmapIntrinsicsConsistencyLoss', 'PointmapCentredL1Loss', 'PointmapNormalLoss',
        'PointmapScaleL1Loss')],
    ('mmseg', 'MODELS', dict(type='Sapiens2PointmapHead', in_channels=128, input_size=(64, 64),
                             upsample_channels=(8, 8, 8, 8), conv_out_channels=(8, ),
                             conv_kernel_sizes=(3, ), scale_conv_out_channels=(8, ),
                             scale_mlp_channels=(8, ))),
    ('mmseg', 'MODELS', dict(
        type='PointmapEstimator', backbone=TINY,
        decode_head=dict(type='Sapiens2PointmapHead', in_channels=128, input_size=(32, 32),
                         upsample_channels=(8, 8, 8, 8), conv_out_channels=(8, ),
                         conv_kernel_sizes=(3, ), scale_conv_out_channels=(),
                         scale_mlp_channels=(8, )))),
    ('mmseg', 'DATASETS', dict(type='PointmapDataset', data_root='x', lazy_init=True)),
    ('mmseg', 'TRANSFORMS', dict(type='LoadPointmapAnnotations')),
    ('mmseg', 'TRANSFORMS', dict(type='PointmapRandomScale')),
    ('mmseg', 'TRANSFORMS', dict(type='PointmapRandomCropContinuous')),
    ('mmseg', 'TRANSFORMS', dict(type='PointmapRandomFlip')),
    ('mmseg', 'TRANSFORMS', dict(type='PointmapResize')),
    ('mmseg', 'TRANSFORMS', dict(type='GenerateCanonicalPointmap')),
    ('mmseg', 'TRANSFORMS', dict(type='PackPointmapInputs')),
    ('mmseg', 'METRICS', dict(type='PointmapMetric')),
    # Sapiens2 albedo (configs/sapiens2_albedo, default_scope='mmseg')
    *[('mmseg', 'MODELS', dict(type=name)) for name in (
        'AlbedoL1Loss', 'AlbedoGradientMSELoss', 'AlbedoChromaticityL1Loss')],
    ('mmseg', 'MODELS', dict(type='Sapiens2AlbedoHead', in_channels=16,
                             upsample_channels=(8, 8, 8, 8), conv_out_channels=(8, ),
                             conv_kernel_sizes=(3, ))),
    ('mmseg', 'METRICS', dict(type='AlbedoMetric')),
    ('mmseg', 'MODELS', dict(
        type='AlbedoEstimator', backbone=TINY,
        decode_head=dict(type='Sapiens2AlbedoHead', in_channels=128,
                         upsample_channels=(8, 8, 8, 8), conv_out_channels=(8, ),
                         conv_kernel_sizes=(3, )))),
    ('mmseg', 'DATASETS', dict(type='AlbedoDataset', data_root='x', lazy_init=True)),
    ('mmseg', 'TRANSFORMS', dict(type='LoadAlbedoAnnotations')),
    ('mmseg', 'TRANSFORMS', dict(type='PackAlbedoInputs')),
]


def _type(cfg) -> str:
    return cfg if isinstance(cfg, str) else cfg['type']


def sapiens_classes():
    """{(registry name, type name): object} of everything sapiens_mm registered."""
    found = {}
    for name in registry.__all__:
        for key, obj in getattr(registry, name).module_dict.items():
            if getattr(obj, '__module__', '').startswith('sapiens_mm.'):
                found[name, key] = obj
    return found


def test_uses_cover_every_class():
    assert {(reg, _type(cfg)) for _, reg, cfg in USES} == set(sapiens_classes())


@pytest.mark.parametrize('scope, reg, cfg', USES,
                         ids=[f'{s}-{_type(c)}' for s, _, c in USES])
def test_builds_from_the_scope_it_is_used_in(scope, reg, cfg, tmp_path):
    """What a config's ``type=...`` does: the scope's registry builds the sapiens_mm class."""
    scope_registry = getattr(SCOPE_REGISTRIES[scope], reg, None) or getattr(registry, reg)
    assert scope_registry.scope in (scope, 'mmengine')
    expected = sapiens_classes()[reg, _type(cfg)]
    with DefaultScope.overwrite_default_scope(scope):
        if isinstance(cfg, str):  # functions and wrappers are looked up (a wrapper needs an
            assert scope_registry.get(cfg) is expected  # optimizer instance; see below)
            if cfg == 'AutocastOptimWrapper':
                assert isinstance(scope_registry.build(_optim_wrapper_cfg()), expected)
            return
        if cfg['type'] == 'RandomBackground':
            import cv2
            import numpy as np
            (tmp_path / 'bg').mkdir()
            cv2.imwrite(str(tmp_path / 'bg' / 'a.png'), np.zeros((8, 8, 3), np.uint8))
            cfg = dict(cfg, background_root=str(tmp_path / 'bg'))
        if cfg['type'] == 'DenseVisualizationHook':  # draws with the current visualizer
            mmseg.registry.VISUALIZERS.build(dict(type='SapiensDenseVisualizer',
                                                  name='registry_test_hook'))
        built = scope_registry.build(cfg)
    assert type(built) is expected


def test_each_class_is_registered_once():
    """In the root registry only: no scope's registry holds a sapiens_mm class itself (the
    scope registries find it in their root parent), except the parentless codec registry."""
    for (reg, name), obj in sapiens_classes().items():
        holders = [m.__name__ for m in SCOPE_REGISTRIES.values()
                   if name in getattr(getattr(m, reg, None), 'module_dict', {})]
        assert holders == (['mmpose.registry'] if reg == 'KEYPOINT_CODECS' else
                           ['mmengine.registry']), (reg, name)


def _config_types(node, found, scope):
    """Add ``(scope, type)`` of every ``type=`` in ``node``; the heads of ``SapiensMultiTask``
    and the metrics of ``MultiTaskEvaluator`` are built in their task's scope."""
    from sapiens_mm.utils.multitask import TASK_SCOPES
    if isinstance(node, dict):
        if isinstance(node.get('type'), str):
            found.add((scope, node['type']))
        nested = {'SapiensMultiTask': 'heads', 'MultiTaskEvaluator': 'metrics'}.get(
            node.get('type'))
        for k, v in node.items():
            if k == nested and isinstance(v, dict):
                for task, sub in v.items():
                    _config_types(sub, found, TASK_SCOPES[task])
            else:
                _config_types(v, found, scope)
    elif isinstance(node, (list, tuple)):
        for v in node:
            _config_types(v, found, scope)
    return found


def test_uses_include_every_scope_the_configs_use(repo_root):
    """Each sapiens_mm type a shipped config names is in USES under the config's scope."""
    ours = {name for _, name in sapiens_classes()}
    used = set()
    for path in glob.glob(os.path.join(repo_root, 'configs', '**', '*.py'), recursive=True):
        if '_base_' in path.split(os.sep):
            continue
        cfg = Config.fromfile(path)
        scope = cfg.get('default_scope') or 'mmengine'
        used |= {(s, t) for s, t in _config_types(cfg._cfg_dict.to_dict(), set(), scope)
                 if t in ours}
    # codecs are built through mmpose's KEYPOINT_CODECS (no root parent) whatever the scope
    codecs = {name for reg, name in sapiens_classes() if reg == 'KEYPOINT_CODECS'}
    used = {(s, t) for s, t in used if t not in codecs}
    assert used and used <= {(s, _type(c)) for s, _, c in USES}


@pytest.mark.parametrize('scope', ['mmpretrain', 'mmpose', 'mmseg'])
def test_custom_imports_registers_in_a_fresh_interpreter(tmp_path, scope, repo_root):
    """A config with custom_imports is all a downstream user needs."""
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(textwrap.dedent(f"""
        default_scope = '{scope}'
        custom_imports = dict(imports=['sapiens_mm'], allow_failed_imports=False)
        backbone = dict(type='SapiensViT', arch='sapiens_tiny', img_size=(32, 32))
        """))
    code = textwrap.dedent(f"""
        import sys
        from mmengine.config import Config
        from mmengine.registry import init_default_scope
        from {scope}.registry import MODELS
        assert MODELS.get('SapiensViT') is None, 'registered too early'
        cfg = Config.fromfile(r'{cfg}')
        init_default_scope(cfg.default_scope)
        print(type(MODELS.build(cfg.backbone)).__name__)
        """)
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         cwd=repo_root, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith('SapiensViT')


def test_init_default_scope_does_not_change_the_lookup():
    """The same class object comes back whichever scope is the default."""
    objs = set()
    for scope in ('mmpretrain', 'mmpose', 'mmseg'):
        init_default_scope(scope)
        objs.add(getattr(SCOPE_REGISTRIES[scope], 'MODELS').get('SapiensViT'))
    assert len(objs) == 1 and None not in objs

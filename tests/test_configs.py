"""Every shipped config parses, inherits, and builds its model (real sizes on the meta device)."""
import glob
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS, init_default_scope

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = sorted(
    os.path.relpath(p, ROOT)
    for p in glob.glob(os.path.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p.split(os.sep))


def test_there_are_configs():
    assert any('sapiens_mae' in c for c in CONFIGS)


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds(path):
    cfg = Config.fromfile(os.path.join(ROOT, path))
    assert 'sapiens_mm' in cfg.custom_imports['imports']
    init_default_scope(cfg.default_scope)
    with torch.device('meta'):
        model = MODELS.build(cfg.model)
    optim_wrapper = cfg.get('optim_wrapper', {})
    if optim_wrapper.get('constructor') == 'SapiensLayerDecayOptimWrapperConstructor':
        # the layer count the lr decay runs over is the built backbone's
        constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
            type=optim_wrapper['constructor'], optim_wrapper_cfg=dict(optimizer=dict(
                type='SGD', lr=0.1)), paramwise_cfg=optim_wrapper.get('paramwise_cfg')))
        assert constructor._num_layers(model) == model.backbone.num_layers
    if cfg.model.type == 'MAE':
        assert model.neck.decoder_embed.in_features == model.backbone.embed_dims
        arch = os.path.basename(path).split('-')[0].replace('mae_', '')
        assert cfg.model.backbone.arch == arch


@pytest.mark.parametrize('path', [c for c in CONFIGS if os.sep + 'coco' in c])
def test_coco_metainfo_is_mmposes_own_file(path):
    """The COCO configs name mmpose's metainfo file itself (this repository has none)."""
    import mmpose
    cfg = Config.fromfile(os.path.join(ROOT, path))
    for split in ('train', 'val', 'test'):
        source = cfg[f'{split}_dataloader'].dataset.metainfo.from_file
        assert os.path.isfile(source), source
        assert source.startswith(os.path.dirname(mmpose.__file__))
        assert os.path.basename(source) == ('coco_wholebody.py' if 'wholebody' in path
                                            else 'coco.py')

"""Every shipped config parses, inherits, and builds its model (real sizes on the meta device)."""
import glob
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope

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
    if cfg.model.type == 'MAE':
        assert model.neck.decoder_embed.in_features == model.backbone.embed_dims
        arch = os.path.basename(path).split('-')[0].replace('mae_', '')
        assert cfg.model.backbone.arch == arch

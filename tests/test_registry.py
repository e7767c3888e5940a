import subprocess
import sys
import textwrap

import pytest
from mmengine.registry import init_default_scope

from sapiens_mm.models.backbones import SapiensViT
from sapiens_mm.registry import (MODEL_REGISTRIES, OPTIM_WRAPPER_CONSTRUCTOR_REGISTRIES,
                                 scopes_with)

TINY = dict(type='SapiensViT', arch='sapiens_tiny', img_size=(32, 32))


@pytest.mark.parametrize('registry', MODEL_REGISTRIES, ids=lambda r: r.scope)
def test_backbone_builds_from_every_scope(registry):
    init_default_scope(registry.scope)
    assert isinstance(registry.build(TINY), SapiensViT)


def test_every_model_class_is_in_every_scope():
    for name in ('SapiensViT', 'SapiensMAEViT'):
        assert scopes_with(name) == ['mmengine', 'mmpretrain', 'mmpose', 'mmseg']
    assert scopes_with('SapiensLayerDecayOptimWrapperConstructor',
                       OPTIM_WRAPPER_CONSTRUCTOR_REGISTRIES) == [
                           'mmengine', 'mmpretrain', 'mmpose', 'mmseg']


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
        assert 'SapiensViT' not in MODELS.module_dict, 'registered too early'
        cfg = Config.fromfile(r'{cfg}')
        init_default_scope(cfg.default_scope)
        print(type(MODELS.build(cfg.backbone)).__name__)
        """)
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         cwd=repo_root, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith('SapiensViT')

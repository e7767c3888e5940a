"""Packaged configs: one way to reach them (checkout and wheel), listing, ``sapiens_mm::`` bases."""
import os
import os.path as osp
import textwrap

import pytest
from mmengine.config import Config

import sapiens_mm
from sapiens_mm.utils.config_paths import (MIM_DIR, config_root, get_config_path, list_configs,
                                           model_index_path)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
POSE_1B = 'sapiens_pose/goliath/sapiens_1b-210e_goliath-1024x768.py'


def test_checkout_configs_are_the_repository_configs():
    # In the checkout .mim/configs is a link to ../../configs: the same files, not copies.
    assert osp.samefile(config_root(), osp.join(REPO, 'configs'))
    assert osp.samefile(model_index_path(), osp.join(REPO, 'model-index.yml'))
    assert osp.islink(osp.join(MIM_DIR, 'configs'))


def test_get_config_path_forms():
    path = get_config_path(POSE_1B)
    assert osp.isfile(path) and path.endswith(POSE_1B)
    assert sapiens_mm.get_config_path(f'configs/{POSE_1B}') == path
    assert get_config_path(f'sapiens_mm::{POSE_1B}') == path
    with pytest.raises(FileNotFoundError, match='sapiens_1b-210e_goliath-1024x768.py') as e:
        get_config_path('sapiens_pose/goliath/sapiens_1b-210e_goliat-1024x768.py')
    assert 'no such sapiens_mm config' in str(e.value)


def test_list_configs_patterns():
    everything = list_configs()
    on_disk = sorted(
        osp.relpath(osp.join(d, f), osp.join(REPO, 'configs')).replace(os.sep, '/')
        for d, _, fs in os.walk(osp.join(REPO, 'configs')) for f in fs
        if f.endswith('.py') and '_base_' not in d)
    assert everything == on_disk and len(everything) > 40
    seg = list_configs('sapiens_seg/*')
    assert seg and all(p.startswith('sapiens_seg/') for p in seg)
    assert list_configs('0.3b') == [p for p in everything if '0.3b' in p]
    assert '_base_/metainfo/goliath.py' in list_configs('_base_/*')
    assert list_configs('no-such-config') == []


def test_downstream_config_inherits_with_package_prefix(tmp_path):
    cfg_file = tmp_path / 'lab.py'
    cfg_file.write_text(textwrap.dedent(f"""
        _base_ = ['sapiens_mm::{POSE_1B}']
        train_dataloader = dict(batch_size=3)
        """))
    cfg = Config.fromfile(str(cfg_file))
    assert cfg.train_dataloader.batch_size == 3
    assert cfg.model.backbone.arch == 'sapiens_1b'
    assert cfg.default_scope == 'mmpose'
    # No `_scope_` is forced onto the base's dicts: they build in the base's own default_scope.
    assert '_scope_' not in cfg.model
    with pytest.raises(FileNotFoundError, match='no such sapiens_mm config'):
        bad = tmp_path / 'bad.py'
        bad.write_text("_base_ = ['sapiens_mm::sapiens_pose/nope.py']\n")
        Config.fromfile(str(bad))

"""--show-dir of tools/train.py and tools/test.py (sapiens_mm.engine.runner.runner_utils)."""
import os

import pytest

from sapiens_mm.engine.runner import load_test_config, load_train_config, parse_test_args, \
    parse_train_args

POSE = 'configs/sapiens_pose/goliath/sapiens_0.3b-210e_goliath-1024x768.py'
SEG = 'configs/sapiens_seg/synthetic/sapiens_tiny_seg_synthetic-128x96.py'
MAE = 'configs/sapiens_mae/mae_sapiens_tiny-p16_1xb16-8e_demo-128.py'


def config_for_testing(repo_root, config, *argv):
    return load_test_config(parse_test_args([os.path.join(repo_root, config), 'none', *argv]))


def config_for_training(repo_root, config, *argv):
    return load_train_config(parse_train_args([os.path.join(repo_root, config), *argv]))


def test_without_flag_the_hooks_keep_the_config(repo_root):
    assert config_for_testing(repo_root, POSE).default_hooks.visualization.enable is False
    hook = config_for_testing(repo_root, SEG).default_hooks.visualization
    assert hook.type == 'DenseVisualizationHook' and hook.get('out_dir') is None


def test_pose_hook_turned_on_with_an_absolute_out_dir(repo_root, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for load in (config_for_testing, config_for_training):
        cfg = load(repo_root, POSE, '--show-dir', 'pics')
        hook = cfg.default_hooks.visualization
        assert hook.enable is True and hook.out_dir == str(tmp_path / 'pics')
        assert cfg.visualizer.type == 'SapiensPoseVisualizer'


def test_dense_hook_draws_every_test_sample(repo_root, tmp_path):
    hook = config_for_testing(repo_root, SEG, '--show-dir', str(tmp_path),
                       '--cfg-options', 'default_hooks.visualization.draw=False',
                       'default_hooks.visualization.interval=9').default_hooks.visualization
    assert hook.draw is True and hook.out_dir == str(tmp_path)  # the flag wins
    assert hook.interval == 1 and hook.max_images is None
    cfg = config_for_training(repo_root, SEG, '--show-dir', str(tmp_path))
    hook = cfg.default_hooks.visualization
    assert hook.draw is True and hook.out_dir == str(tmp_path)
    assert hook.interval == 1 and hook.max_images == 4  # validation keeps the config's budget


def test_unknown_or_missing_hook_is_an_error(repo_root, tmp_path):
    with pytest.raises(ValueError, match="type 'VisualizationHook'"):
        config_for_training(repo_root, MAE, '--show-dir', str(tmp_path))
    plain = tmp_path / 'plain.py'
    plain.write_text('optim_wrapper = dict(optimizer=dict(type="SGD", lr=0.1))\n')
    with pytest.raises(ValueError, match='plain.py has no default_hooks.visualization'):
        load_train_config(parse_train_args([str(plain), '--show-dir', str(tmp_path)]))

"""tools/train.py / tools/test.py inputs: --cfg-options keys, strict test checkpoints, --resume."""
import pytest
import torch
from mmengine.config import Config

from sapiens_mm.engine.runner import (ConfigOptionError, check_cfg_options, load_test_config,
                             load_train_config, parse_test_args, parse_train_args)
from sapiens_mm.checkpoint import CheckpointError, check_model_checkpoint, load_model_weights
from tests.helpers.tiny_task_models import build, tiny_config
from tests.helpers.logs import log_records, messages

CONFIG = """
default_scope = 'mmengine'
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1),
                     logger=dict(type='LoggerHook', interval=5))
train_cfg = dict(by_epoch=True, max_epochs=2)
"""


@pytest.fixture
def config(tmp_path):
    path = tmp_path / 'cfg.py'
    path.write_text(CONFIG)
    return str(path)


def test_mistyped_top_level_key_lists_the_closest(config):
    args = parse_train_args([config, '--cfg-options', 'optim_wraper.optimizer.lr=0.5'])
    with pytest.raises(ConfigOptionError, match=r'cfg\.py: --cfg-options optim_wraper\.optimizer'
                                                r'\.lr: .*closest existing keys: optim_wrapper'):
        load_train_config(args)
    with pytest.raises(ConfigOptionError, match='cfg.py'):
        load_test_config(parse_test_args([config, 'none', '--cfg-options', 'trian_cfg.x=1']))


def test_runner_arguments_and_existing_keys_are_accepted(config):
    cfg = load_train_config(parse_train_args([
        config, '--cfg-options', 'optim_wrapper.optimizer.lr=0.5', 'randomness.seed=1',
        'default_hooks.checkpoint.max_keep_ckpts=2', 'default_hooks.checkpoint.save_optimizer=False',
        'default_hooks.logger.interval=1', 'load_from=x.pth']))
    assert cfg.optim_wrapper.optimizer.lr == 0.5 and cfg.randomness.seed == 1
    assert cfg.default_hooks.checkpoint.max_keep_ckpts == 2


def test_mistyped_hook_option_fails_before_training(config):
    cfg = Config.fromfile(config)
    with pytest.raises(ConfigOptionError, match=r"CheckpointHook takes no argument 'intervl'.*"
                                                'closest existing keys: interval'):
        check_cfg_options(cfg, {'default_hooks.checkpoint.intervl': 1}, config)
    with pytest.raises(ConfigOptionError, match="LoggerHook takes no argument 'intreval'"):
        check_cfg_options(cfg, {'default_hooks.logger.intreval': 1}, config)


@pytest.fixture(scope='module')
def task_ckpts(tmp_path_factory):
    from tests.helpers.tiny_task_models import write_task_checkpoints
    d = tmp_path_factory.mktemp('ck')
    cfgs = dict(seg=tiny_config('seg', (32, 32)), depth=tiny_config('depth', (32, 32)))
    paths = write_task_checkpoints(str(d), cfgs)
    return cfgs, paths, d


def test_strict_test_loading_refuses_what_mmengine_would_load(task_ckpts):
    cfgs, paths, d = task_ckpts
    seg = build(cfgs['seg'])
    load_model_weights(seg, paths['seg'], strict=True)  # the right checkpoint loads
    with pytest.raises(CheckpointError, match=r'depth\.pth: has no weights for .*another task'):
        load_model_weights(seg, paths['depth'], strict=True)
    empty = d / 'empty_dict.pth'
    torch.save({}, empty)
    with pytest.raises(CheckpointError, match=r'empty_dict\.pth: holds no tensors'):
        load_model_weights(seg, str(empty), strict=True)
    sd = torch.load(paths['seg'], weights_only=True)['state_dict']
    sd['decode_head.conv_seg.weight'] = torch.zeros(3, *sd['decode_head.conv_seg.weight'].shape[1:])
    other = d / 'other_classes.pth'
    torch.save({'state_dict': sd}, other)
    with pytest.raises(CheckpointError, match=r'other_classes\.pth: 1 shape mismatches.*'
                                              r'decode_head\.conv_seg\.weight'):
        load_model_weights(seg, str(other), strict=True)
    backbone_only = d / 'backbone_only.pth'
    torch.save({k[9:]: v for k, v in sd.items() if k.startswith('backbone.')}, backbone_only)
    with pytest.raises(CheckpointError, match=r'backbone_only\.pth: a backbone-only'):
        load_model_weights(seg, str(backbone_only), strict=True)
    partial = d / 'partial.pth'
    sd = torch.load(paths['seg'], weights_only=True)['state_dict']
    sd.pop('backbone.ln1.weight')
    torch.save({'state_dict': sd}, partial)
    with pytest.raises(CheckpointError, match=r'partial\.pth: has no weights for 1 tensors.*'
                                              r'backbone\.ln1\.weight'):
        load_model_weights(seg, str(partial), strict=True)


def test_resume_with_another_tasks_checkpoint_is_a_clear_error(task_ckpts):
    cfgs, paths, _ = task_ckpts
    with pytest.raises(CheckpointError, match=r'depth\.pth: has no weights'):
        check_model_checkpoint(build(cfgs['seg']), paths['depth'])


def test_resume_with_nothing_to_resume_says_so(config, tmp_path):
    with log_records() as records:
        load_train_config(parse_train_args([config, '--resume', '--work-dir',
                                            str(tmp_path / 'empty_work')]))
    assert f'nothing to resume in {tmp_path / "empty_work"}' in messages(records)


def test_build_runner_refuses_to_resume_another_tasks_checkpoint(task_ckpts, tmp_path):
    """tools/train.py --resume DEPTH.pth with a seg config: refused before training."""
    from sapiens_mm.engine.runner import build_runner
    cfgs, paths, _ = task_ckpts
    cfg = cfgs['seg'].copy()
    cfg.work_dir, cfg.resume, cfg.load_from = str(tmp_path / 'w'), True, paths['depth']
    with pytest.raises(CheckpointError, match=r'depth\.pth: has no weights for .* another task'):
        build_runner(cfg)

"""How tools/train.py sets up scale levers: CPU distributed wrappers, FlexibleRunner + FSDP
configs, bf16 autocast for ``--amp`` without CUDA.

Here the FSDP configs are checked as far as building mmengine's FlexibleRunner and the strategy,
and the wrap/checkpointing functions on the tiny backbone; FSDP training itself (2 CPU processes
over gloo) is tests/test_tools/test_dist_train_fsdp_cpu.py.
"""
import glob
import os
from pathlib import Path

import pytest
import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.registry import FUNCTIONS
from mmengine.runner import FlexibleRunner

from sapiens_mm.engine.runner import build_runner, load_train_config, parse_train_args
from sapiens_mm.engine.runner import is_flexible_runner_config, prepare_cpu_distributed
from sapiens_mm.engine import AutocastOptimWrapper
from sapiens_mm.engine.fsdp_policies import is_sapiens_vit_block, sapiens_vit_block_wrap_policy
from sapiens_mm.models.backbones.sapiens_vit import SapiensViT

REPO = Path(__file__).resolve().parents[3]
FSDP_CONFIGS = sorted(glob.glob(str(REPO / 'configs/**/*_fsdp.py'), recursive=True))
TINY_POSE = REPO / 'configs/sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py'
FSDP_BASE = REPO / 'configs/_base_/strategies/fsdp_bf16_vit.py'


def test_fsdp_config_per_task_and_large_size():
    names = {os.path.relpath(p, REPO / 'configs') for p in FSDP_CONFIGS}
    tasks = {'sapiens_pose/goliath', 'sapiens_seg/goliath', 'sapiens_depth/humans',
             'sapiens_normal/humans'}
    v2_tasks = {'sapiens2_pose/goliath', 'sapiens2_seg/humans', 'sapiens2_normal/humans',
                'sapiens2_pointmap/humans'}
    assert {(os.path.dirname(n), os.path.basename(n).split('_')[1].split('-')[0])
            for n in names} == ({(t, s) for t in tasks for s in ('1b', '2b')} |
                                {(t, s) for t in v2_tasks for s in ('1b', '5b')})


@pytest.mark.parametrize('path', FSDP_CONFIGS, ids=lambda p: os.path.basename(p))
def test_fsdp_config(path):
    cfg = Config.fromfile(path)
    plain = Config.fromfile(path.replace('_fsdp.py', '.py'))
    assert is_flexible_runner_config(cfg) and not is_flexible_runner_config(plain)
    assert cfg.model == plain.model  # same model, only the strategy differs
    size = os.path.basename(path).split('_')[1].split('-')[0]
    family = os.path.basename(path).split('_')[0]  # sapiens or sapiens2
    assert cfg.model.backbone.arch == f'{family}_{size}'
    assert cfg.strategy.type == 'SapiensFSDPStrategy'
    wrapper = cfg.strategy.model_wrapper
    assert FUNCTIONS.get(wrapper.auto_wrap_policy) is sapiens_vit_block_wrap_policy
    assert FUNCTIONS.get(cfg.strategy.activation_checkpointing.check_fn) is is_sapiens_vit_block
    if 'pointmap' in path:  # the release trains pointmaps in fp32, FSDP included
        assert wrapper.mixed_precision is None
        assert cfg.optim_wrapper.type == 'OptimWrapper' and 'dtype' not in cfg.optim_wrapper
    else:
        assert wrapper.mixed_precision.param_dtype == 'bfloat16'


def test_wrap_policy_and_check_fn_pick_the_vit_layers():
    model = torch.nn.Sequential(SapiensViT(arch='sapiens_tiny', img_size=(64, 48)))
    wrapped = [n for n, m in model.named_modules()
               if sapiens_vit_block_wrap_policy(m, recurse=False, nonwrapped_numel=0)]
    assert wrapped == [f'0.layers.{i}' for i in range(4)]
    assert [n for n, m in model.named_modules() if is_sapiens_vit_block(m)] == wrapped
    assert sapiens_vit_block_wrap_policy(model, recurse=True, nonwrapped_numel=0)


def test_strategy_config_builds_flexible_runner_with_fsdp(tmp_path):
    from sapiens_mm.engine import SapiensFSDPStrategy
    cfg_file = tmp_path / 'tiny_fsdp.py'
    cfg_file.write_text(f'_base_ = [{str(TINY_POSE)!r}, {str(FSDP_BASE)!r}]\n'
                        'val_dataloader = None\nval_cfg = None\nval_evaluator = None\n'
                        "default_hooks = dict(checkpoint=dict(save_best=None))\n")
    cfg = load_train_config(parse_train_args([str(cfg_file), '--work-dir', str(tmp_path)]))
    cfg.pop('runner_type')  # a strategy alone selects FlexibleRunner
    runner = build_runner(cfg)
    assert isinstance(runner, FlexibleRunner)
    assert isinstance(runner.strategy, SapiensFSDPStrategy)  # an mmengine FSDPStrategy
    assert runner.strategy.model_wrapper['auto_wrap_policy'] == 'sapiens_vit_block_wrap_policy'
    assert runner.strategy.activation_checkpointing == dict(check_fn='is_sapiens_vit_block')


@pytest.fixture
def gloo_world_of_one(tmp_path, monkeypatch):
    """RANK/WORLD_SIZE/MASTER_* as torchrun sets them for one process; group destroyed after."""
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    for key, value in dict(RANK='0', LOCAL_RANK='0', WORLD_SIZE='1', MASTER_ADDR='127.0.0.1',
                           MASTER_PORT=str(port)).items():
        monkeypatch.setenv(key, value)
    yield
    if torch_dist.is_initialized():
        torch_dist.destroy_process_group()


@pytest.mark.skipif(torch.cuda.is_available(), reason='the CPU path only runs without CUDA')
def test_prepare_cpu_distributed(gloo_world_of_one):
    cfg = Config(dict(launcher='pytorch', find_unused_parameters=True,
                      env_cfg=dict(dist_cfg=dict(backend='nccl', timeout=60))))
    prepare_cpu_distributed(cfg)
    assert torch_dist.is_initialized() and torch_dist.get_backend() == 'gloo'
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert cfg.model_wrapper_cfg == dict(type='MMDistributedDataParallel', device_ids=None,
                                         broadcast_buffers=False, find_unused_parameters=True)
    # FlexibleRunner configs: the strategy's wrapper, DDP when no strategy is named.
    fsdp = Config(dict(launcher='pytorch', strategy=dict(type='FSDPStrategy', model_wrapper=dict(
        type='MMFullyShardedDataParallel', use_orig_params=True))))
    prepare_cpu_distributed(fsdp)
    assert fsdp.strategy.model_wrapper == dict(type='MMFullyShardedDataParallel',
                                               use_orig_params=True, device_id='cpu')
    ours = Config(dict(launcher='pytorch', strategy=dict(type='SapiensFSDPStrategy')))
    prepare_cpu_distributed(ours)  # a registered FSDPStrategy subclass, no wrapper given
    assert ours.strategy.model_wrapper == dict(type='MMFullyShardedDataParallel',
                                               device_id='cpu')
    ddp = Config(dict(launcher='pytorch', runner_type='FlexibleRunner'))
    prepare_cpu_distributed(ddp)
    assert ddp.strategy == dict(type='DDPStrategy', model_wrapper=dict(
        type='MMDistributedDataParallel', broadcast_buffers=False, device_ids=None))
    with pytest.raises(ValueError, match="strategy 'ColossalAIStrategy' needs CUDA"):
        prepare_cpu_distributed(Config(dict(launcher='pytorch',
                                            strategy=dict(type='ColossalAIStrategy'))))
    with pytest.raises(ValueError, match='--launcher slurm needs CUDA'):
        prepare_cpu_distributed(Config(dict(launcher='slurm')))


def test_no_launcher_changes_nothing():
    cfg = Config(dict(launcher='none'))
    prepare_cpu_distributed(cfg)
    assert cfg.to_dict() == dict(launcher='none') and not torch_dist.is_initialized()


@pytest.mark.skipif(torch.cuda.is_available(), reason='with CUDA --amp keeps AmpOptimWrapper')
def test_amp_flag_selects_bf16_autocast_on_cpu():
    cfg = load_train_config(parse_train_args([str(TINY_POSE), '--amp']))
    assert cfg.optim_wrapper.type == 'AutocastOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'bfloat16'


def test_autocast_optim_wrapper_runs_forward_in_bf16_and_keeps_fp32_weights():
    model = torch.nn.Linear(8, 4)
    wrapper = AutocastOptimWrapper(optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                                   device_type='cpu')
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 8))
    assert out.dtype == torch.bfloat16
    before = model.weight.detach().clone()
    wrapper.update_params(out.float().square().mean())
    assert model.weight.dtype == torch.float32 and model.weight.grad is None
    assert not torch.equal(before, model.weight)
    with pytest.raises(ValueError, match='bfloat16 only'):
        AutocastOptimWrapper(dtype='float16', device_type='cpu',
                             optimizer=torch.optim.SGD(model.parameters(), lr=0.1))


def test_load_from_of_the_other_family_is_refused_before_training(tmp_path):
    """mmengine's ``load_from`` is not strict: a Sapiens (v1) checkpoint in a Sapiens2 model
    matched no backbone key and trained from random weights, exit 0. Another task of the same
    family stays allowed (transfer between heads)."""
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    from sapiens_mm.checkpoint import CheckpointError
    seg2 = REPO / 'configs/sapiens2_seg/synthetic/sapiens2_tiny_seg_synthetic-128x96.py'
    seg1 = REPO / 'configs/sapiens_seg/synthetic/sapiens_tiny_seg_synthetic-128x96.py'
    normal2 = REPO / 'configs/sapiens2_normal/synthetic/sapiens2_tiny_normal_synthetic-128x96.py'
    init_default_scope('mmseg')
    files = {}
    for name, cfg_path in (('v1_seg', seg1), ('v2_normal', normal2)):
        model = MODELS.build(Config.fromfile(str(cfg_path)).model)
        files[name] = tmp_path / f'{name}.pth'
        torch.save(dict(state_dict=model.state_dict()), files[name])
    backbone_only = tmp_path / 'v1_backbone.pth'
    torch.save({k[len('backbone.'):]: v for k, v in torch.load(files['v1_seg'])[
        'state_dict'].items() if k.startswith('backbone.')}, backbone_only)

    def runner_for(config, checkpoint):
        args = [str(config), '--work-dir', str(tmp_path / 'work'), '--cfg-options',
                f'load_from={checkpoint}', 'val_dataloader=None', 'val_cfg=None',
                'val_evaluator=None', 'default_hooks.checkpoint.save_best=None']
        return build_runner(load_train_config(parse_train_args(args)))

    for bad in (files['v1_seg'], backbone_only):
        with pytest.raises(CheckpointError, match=rf'{bad}: a Sapiens \(v1, 2024\) checkpoint'):
            runner_for(seg2, bad)
    runner = runner_for(seg2, files['v2_normal'])  # same family, another task: allowed
    assert runner._load_from == str(files['v2_normal'])

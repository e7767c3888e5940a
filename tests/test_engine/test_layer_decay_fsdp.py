"""Layer-wise lr decay on an FSDP-wrapped model: 2 CPU processes over gloo, the tiny pose model
wrapped as the ``*_fsdp.py`` configs wrap it (one unit per ViT layer, activation checkpointing,
``use_orig_params=True``). Its parameters are then 1-D views of each rank's flat shard (some of
them empty), yet the param groups, learning rates and weight decays must be those of the plain
model."""
import json
import os
import socket
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

TINY_POSE = str(Path(__file__).resolve().parents[2] /
                'configs/sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py')
PARAMWISE = dict(layer_decay_rate=0.8, custom_keys={'head': dict(lr_mult=5.0)})


def _groups(model):
    """``[(group_name, lr, weight_decay, sorted clean parameter names)]`` of the optimizer the
    constructor builds for ``model``."""
    from mmengine.optim import build_optim_wrapper
    from sapiens_mm.engine.optimizers.layer_decay_optim_wrapper_constructor import _clean_name
    wrapper = build_optim_wrapper(model, dict(
        optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.1),
        constructor='SapiensLayerDecayOptimWrapperConstructor', paramwise_cfg=PARAMWISE))
    return [(g['group_name'], g['lr'], g['weight_decay'],
             sorted(_clean_name(n) for n in g['param_names']))
            for g in wrapper.optimizer.param_groups]


def _worker(rank, port, out_dir, use_orig_params):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch.set_num_threads(1)
    torch.distributed.init_process_group('gloo', rank=rank, world_size=2)
    try:
        import sapiens_mm  # noqa: F401
        from mmengine.config import Config
        from mmpose.apis import init_model
        from mmengine.registry import MODEL_WRAPPERS
        from torch.distributed.algorithms._checkpoint.checkpoint_wrapper import \
            apply_activation_checkpointing
        from sapiens_mm.engine.fsdp_policies import is_sapiens_vit_block
        cfg = Config.fromfile(TINY_POSE)
        cfg.model.backbone.init_cfg = None
        torch.manual_seed(0)
        plain = init_model(cfg, None, device='cpu')
        expected = _groups(plain)
        model = MODEL_WRAPPERS.build(dict(
            type='MMFullyShardedDataParallel', module=init_model(cfg, None, device='cpu'),
            auto_wrap_policy='sapiens_vit_block_wrap_policy', device_id='cpu',
            use_orig_params=use_orig_params))
        apply_activation_checkpointing(model, check_fn=is_sapiens_vit_block)
        ndims = sorted({p.ndim for p in model.parameters()})
        try:
            result = dict(expected=expected, fsdp=_groups(model), ndims=ndims)
        except ValueError as e:
            result = dict(error=str(e))
        with open(os.path.join(out_dir, f'rank{rank}.json'), 'w') as f:
            json.dump(result, f)
    finally:
        torch.distributed.destroy_process_group()


def _run(tmp_path, use_orig_params):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    mp.spawn(_worker, args=(port, str(tmp_path), use_orig_params), nprocs=2)
    return [json.loads((tmp_path / f'rank{r}.json').read_text()) for r in (0, 1)]


def test_layer_decay_groups_under_fsdp_match_the_plain_model(tmp_path):
    for res in _run(tmp_path, use_orig_params=True):
        assert res['ndims'] == [1]  # FSDP flattened every parameter into its shard
        fsdp, expected = res['fsdp'], res['expected']
        assert [g[0] for g in fsdp] == [g[0] for g in expected]
        assert fsdp == expected  # same groups, parameters, lr and weight decay
        names = {g[0]: g for g in fsdp}
        # weights decay, norms/biases do not; deeper layers and the head learn faster
        assert names['layer_1_decay'][2] == 0.1 and names['layer_1_no_decay'][2] == 0.0
        assert 'backbone.layers.0.attn.qkv.weight' in names['layer_1_decay'][3]
        assert names['layer_0_no_decay'][1] < names['layer_4_decay'][1]
        assert names['layer_5_decay_head'][1] == pytest.approx(5e-3)


def test_layer_decay_under_fsdp_refuses_flat_parameters(tmp_path):
    for res in _run(tmp_path, use_orig_params=False):
        assert 'use_orig_params=True' in res['error']

"""A tiny Sapiens2 under FSDP on 2 CPU processes (gloo), wrapped as the ``*_fsdp.py`` configs
wrap a backbone: the wrap policy makes one FSDP unit per ``Sapiens2Block`` (encoder and 4K
tokenizer), activation checkpointing wraps the same blocks, layer-wise lr decay builds the
plain model's groups. Both ranks see the same batch, so FSDP training must reproduce plain
training; the full state dict it saves loads into the plain model (bf16 RoPE buffer kept) and
gives the trained model's outputs."""
import json
import os
import socket

import torch
import torch.multiprocessing as mp
import torch.nn as nn

PARAMWISE = dict(layer_decay_rate=0.8)


class Toy(nn.Module):
    def __init__(self):
        super().__init__()
        from sapiens_mm.models.backbones import Sapiens2ViT
        self.backbone = Sapiens2ViT(arch='sapiens2_tiny', img_size=(64, 64), use_tokenizer=True)
        self.backbone.init_weights()
        self.head = nn.Conv2d(64, 2, 1)

    def forward(self, x):
        return self.head(self.backbone(x)[0])


def _optim(model):
    from mmengine.optim import build_optim_wrapper
    return build_optim_wrapper(model, dict(
        # 1e-4: at 1e-3 the second AdamW step overshoots on this batch (0.666 -> 1.365)
        optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.1),
        constructor='SapiensLayerDecayOptimWrapperConstructor', paramwise_cfg=PARAMWISE))


def _train(model, steps, x, y):
    wrapper = _optim(model)
    losses = []
    for _ in range(steps):
        loss = (model(x) - y).square().mean()
        wrapper.update_params(loss)
        losses.append(loss.item())
    return wrapper, losses


def _worker(rank, port, out_dir):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch.set_num_threads(1)
    torch.distributed.init_process_group('gloo', rank=rank, world_size=2)
    try:
        import sapiens_mm  # noqa: F401
        from mmengine.registry import MODEL_WRAPPERS
        from torch.distributed.algorithms._checkpoint.checkpoint_wrapper import (
            CheckpointWrapper, apply_activation_checkpointing)
        from torch.distributed.fsdp import FullStateDictConfig, StateDictType
        from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

        from sapiens_mm.engine.fsdp_policies import is_sapiens_vit_block
        from sapiens_mm.engine.optimizers.layer_decay_optim_wrapper_constructor import \
            _clean_name
        g = torch.Generator().manual_seed(5)
        x, y = torch.randn(2, 3, 64, 64, generator=g), torch.randn(2, 2, 1, 1, generator=g)
        torch.manual_seed(0)
        plain = Toy().train()
        torch.manual_seed(0)
        model = MODEL_WRAPPERS.build(dict(
            type='MMFullyShardedDataParallel', module=Toy().train(),
            auto_wrap_policy='sapiens_vit_block_wrap_policy', device_id='cpu',
            use_orig_params=True))
        apply_activation_checkpointing(model, check_fn=is_sapiens_vit_block)
        units = sum(isinstance(m, FSDP) for m in model.modules())
        checkpointed = sum(isinstance(m, CheckpointWrapper) for m in model.modules())
        groups = [(g['group_name'], sorted(_clean_name(n) for n in g['param_names']))
                  for g in _optim(model).optimizer.param_groups]
        plain_groups = [(g['group_name'], sorted(g['param_names']))
                        for g in _optim(plain).optimizer.param_groups]
        _, fsdp_losses = _train(model, 2, x, y)
        _, plain_losses = _train(plain, 2, x, y)
        with FSDP.state_dict_type(model, StateDictType.FULL_STATE_DICT,
                                  FullStateDictConfig(offload_to_cpu=False, rank0_only=False)):
            full = {_clean_name(k): v.clone() for k, v in model.state_dict().items()}
        plain_sd = plain.state_dict()
        max_diff = max((full[k].float() - v.float()).abs().max().item()
                       for k, v in plain_sd.items())
        # the saved weights in a fresh plain model (Sapiens2ViT + head) give the trained
        # FSDP model's outputs
        reloaded = Toy()
        reloaded.load_state_dict(full)
        model.eval(), reloaded.eval()
        with torch.no_grad():
            reload_diff = (reloaded(x) - model(x)).abs().max().item()
        result = dict(units=units, checkpointed=checkpointed, groups=groups,
                      plain_groups=plain_groups, fsdp_losses=fsdp_losses,
                      plain_losses=plain_losses, max_diff=max_diff,
                      same_keys=sorted(full) == sorted(plain_sd),
                      periods_dtype=str(full['backbone.rope_embed.periods'].dtype),
                      reload_diff=reload_diff)
        with open(os.path.join(out_dir, f'rank{rank}.json'), 'w') as f:
            json.dump(result, f)
    finally:
        torch.distributed.destroy_process_group()


def test_sapiens2_under_fsdp_trains_as_the_plain_model_and_saves_full_weights(tmp_path):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    mp.spawn(_worker, args=(port, str(tmp_path)), nprocs=2)
    for r in (0, 1):
        res = json.loads((tmp_path / f'rank{r}.json').read_text())
        assert res['units'] == 18 + 2 + 1  # encoder blocks, tokenizer blocks, root
        assert res['checkpointed'] == 18 + 2
        assert dict(res['groups']) == dict(res['plain_groups'])
        assert res['fsdp_losses'][-1] < res['fsdp_losses'][0]
        for a, b in zip(res['fsdp_losses'], res['plain_losses']):
            assert abs(a - b) <= 1e-4 * max(1.0, abs(b)), (res['fsdp_losses'],
                                                           res['plain_losses'])
        assert res['same_keys'] and res['max_diff'] < 1e-4
        assert res['periods_dtype'] == 'torch.bfloat16'
        assert res['reload_diff'] < 1e-5

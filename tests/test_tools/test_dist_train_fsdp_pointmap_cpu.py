"""tools/dist_train.sh with the fp32 FSDP block of the pointmap ``*_fsdp.py`` configs
(``configs/_base_/strategies/fsdp_fp32_vit.py``: no mixed precision, as the release trains
pointmaps) on the tiny Sapiens2 pointmap config, 2 torchrun processes over gloo: one FSDP unit
per ``Sapiens2Block``, parameters kept in fp32 in compute, both ranks end with the same trained
weights, and rank 0 writes one full state dict equal to them (scale branch included)."""
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.helpers.pointmap_data import write_pointmap_humans
from tests.test_tools.test_dist_train_fsdp_cpu import dist_train, losses

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / 'configs/sapiens2_pointmap/synthetic/sapiens2_tiny_pointmap_synthetic-128x96.py'
FSDP_FP32 = REPO / 'configs/_base_/strategies/fsdp_fp32_vit.py'


@pytest.mark.skipif(torch.cuda.is_available(), reason='the CPU path only runs without CUDA')
def test_fsdp_fp32_pointmap_trains_and_saves_full_weights(tmp_path):
    import json
    data = tmp_path / 'data'
    write_pointmap_humans(str(data), 4, size=(128, 96), seed=0, image_dir='images')
    config = tmp_path / 'tiny_pointmap_fsdp.py'
    config.write_text(f"""
_base_ = [{str(TINY)!r}, {str(FSDP_FP32)!r}]
custom_imports = dict(imports=['sapiens_mm', 'param_dump_hook'], allow_failed_imports=False)
custom_hooks = [dict(type='ParamDumpHook'), dict(type='LossRecordHook')]
train_dataloader = dict(batch_size=1, num_workers=0, dataset=dict(
    data_root={str(data)!r}, pipeline={{{{_base_.val_pipeline}}}}))
val_dataloader = None
val_cfg = None
val_evaluator = None
param_scheduler = []
randomness = dict(seed=0)
train_cfg = dict(max_iters=3)
default_hooks = dict(checkpoint=dict(interval=3, save_best=None), logger=dict(interval=1),
                     visualization=dict(interval=1000))
""")
    work = tmp_path / 'work'
    dist_train(config, work, 'train_cfg.max_iters=3')
    for r in (0, 1):
        wrap = json.loads((work / f'wrap_rank{r}.json').read_text())
        assert wrap['wrapper'] == 'MMFullyShardedDataParallel'
        assert wrap['fsdp_units'] == 4 + 1 and wrap['checkpointed'] == 4  # the tiny config's
        assert wrap['param_dtype'] == 'None'  # no FSDP mixed precision: fp32 compute
        assert wrap['sharded'] is True
    per_rank = losses(work)
    assert all(sorted(rank) == [0, 1, 2] for rank in per_rank)
    assert all(np.isfinite(list(rank.values())).all() for rank in per_rank)

    before = torch.load(work / 'params_before_rank0.pt')
    after = [torch.load(work / f'params_after_rank{r}.pt') for r in (0, 1)]
    for name in after[0]:
        torch.testing.assert_close(after[0][name], after[1][name], rtol=0, atol=0, msg=name)
    assert not torch.equal(before['decode_head.conv_pointmap.weight'],
                           after[0]['decode_head.conv_pointmap.weight'])
    ckpt = Path((work / 'last_checkpoint').read_text().strip())
    sd = torch.load(ckpt, map_location='cpu', weights_only=True)['state_dict']
    scale_keys = [k for k in sd if k.startswith('decode_head.scale')]
    assert scale_keys, sorted(sd)[:20]
    for name, value in after[0].items():
        assert sd[name].dtype == torch.float32, name
        torch.testing.assert_close(sd[name], value, rtol=0, atol=0, msg=name)

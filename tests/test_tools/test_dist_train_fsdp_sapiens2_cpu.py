"""tools/dist_train.sh with FSDP on CPU for a tiny Sapiens2 segmentation model: the tiny seg
config with its backbone replaced by ``Sapiens2ViT('sapiens2_tiny')`` under the released
``*_fsdp.py`` strategy block (one FSDP unit per ``Sapiens2Block``, bf16 FSDP mixed precision,
activation checkpointing), 2 torchrun processes over gloo. It trains, saves a full state dict
(the bf16 RoPE buffer included, as bf16) and resumes to the same losses; as
test_dist_train_fsdp_cpu.py does for the v1 backbone."""
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.helpers.dense_data import write_dense_humans
from tests.test_tools.test_dist_train_fsdp_cpu import dist_train, losses, write_config

SAPIENS2_BACKBONE = """
model = dict(backbone=dict(_delete_=True, type='Sapiens2ViT', arch='sapiens2_tiny',
                           img_size=(128, 96)),
             decode_head=dict(in_channels=64))
"""


@pytest.mark.skipif(torch.cuda.is_available(), reason='the CPU path only runs without CUDA')
def test_fsdp_sapiens2_seg_trains_saves_and_resumes(tmp_path):
    import json
    data = tmp_path / 'data'
    write_dense_humans(str(data), 4, size=(128, 96), seed=0)
    config = write_config(tmp_path, 'seg')
    config.write_text(config.read_text() + SAPIENS2_BACKBONE)
    work = tmp_path / 'work'
    opts = [f'train_dataloader.dataset.data_root={data}', 'train_cfg.max_epochs=3']
    out = dist_train(config, work, *opts)
    assert 'Epoch(train) [3][2/2]' in out
    for r in (0, 1):
        wrap = json.loads((work / f'wrap_rank{r}.json').read_text())
        assert wrap['fsdp_units'] == 18 + 1 and wrap['checkpointed'] == 18
        assert wrap['param_dtype'] == 'torch.bfloat16'
    per_rank = losses(work)
    assert all(np.isfinite(list(rank.values())).all() for rank in per_rank)

    ckpt = Path((work / 'last_checkpoint').read_text().strip())
    sd = torch.load(ckpt, map_location='cpu', weights_only=True)['state_dict']
    assert sd['backbone.rope_embed.periods'].dtype == torch.bfloat16
    assert torch.equal(sd['backbone.rope_embed.periods'],
                       torch.tensor([1.0, 3.15625, 10.0, 31.625], dtype=torch.bfloat16))
    assert sd['backbone.blocks.8.attn.wk.weight'].shape == (32, 64)  # GQA block, 2 kv heads
    params_after = torch.load(work / 'params_after_rank0.pt')
    for name, value in params_after.items():
        torch.testing.assert_close(sd[name], value, rtol=0, atol=0, msg=name)

    # --resume from epoch 2: epoch 3 again with the same losses
    resumed = tmp_path / 'resumed'
    out = dist_train(config, resumed, *opts, resume=str(work / 'epoch_2.pth'))
    assert 'resumed epoch: 2, iter: 4' in out
    for full, again in zip(per_rank, losses(resumed)):
        assert sorted(again) == [4, 5]
        for i in again:
            assert again[i] == pytest.approx(full[i], rel=1e-5, abs=1e-7), i

"""Sapiens2 release files through the project's one loader; v1/v2 files refused by family."""
import os.path as osp

import pytest
import torch
import torch.nn as nn
from safetensors.torch import load_file, save_file

from sapiens_mm.checkpoint import CheckpointError, load_backbone_weights, load_model_weights
from sapiens_mm.checkpoint.families import checkpoint_family
from sapiens_mm.models.backbones import Sapiens2ViT, SapiensViT

GOLDEN = osp.join(osp.dirname(__file__), '..', 'data', 'sapiens2')
WEIGHTS = osp.join(GOLDEN, 'golden_tiny_weights.safetensors')
GOLDEN_ARCH = dict(embed_dims=16, num_layers=17, num_heads=2, feedforward_channels=32,
                   num_tokenizer_layers=1)


def _golden_backbone(**kwargs):
    return Sapiens2ViT(arch=GOLDEN_ARCH, patch_size=4, out_indices=[8, 16],
                       use_tokenizer=True, **kwargs).eval()


def test_release_pretrain_file_loads_by_its_own_names_through_init_cfg():
    m = _golden_backbone(init_cfg=dict(type='Pretrained', checkpoint=WEIGHTS))
    m.init_weights()
    sd = load_file(WEIGHTS)
    own = m.state_dict()
    assert set(own) == set(sd)
    for k, v in sd.items():
        assert own[k].dtype == v.dtype and torch.equal(own[k], v), k
    io = load_file(osp.join(GOLDEN, 'golden_tiny_io.safetensors'))
    with torch.no_grad():
        torch.testing.assert_close(m(io['input_b'])[1], io['featmap_b_16'], rtol=1e-5,
                                   atol=1e-5)


def test_release_task_file_loads_through_the_backbone_prefix(tmp_path):
    sd = load_file(WEIGHTS)
    task = {f'backbone.{k}': v for k, v in sd.items()}
    task['decode_head.conv_seg.weight'] = torch.zeros(29, 16, 1, 1)
    path = str(tmp_path / 'sapiens2_tiny_seg.safetensors')
    save_file(task, path)
    m = _golden_backbone()
    info = load_backbone_weights(m, path)
    assert info['missing'] == [] and len(info['loaded']) == len(sd)
    assert torch.equal(m.blocks[8].attn.wk.weight, sd['blocks.8.attn.wk.weight'])

    class Task(nn.Module):  # any model with a ``backbone`` (estimator, segmentor)
        def __init__(self):
            super().__init__()
            self.backbone = _golden_backbone()
            self.decode_head = nn.Module()
            self.decode_head.conv_seg = nn.Conv2d(16, 29, 1, bias=False)

    model = Task()
    load_model_weights(model, path, strict=True)
    assert torch.equal(model.backbone.rope_embed.periods, sd['rope_embed.periods'])


def _v1_file(tmp_path):
    v1 = SapiensViT(arch='sapiens_tiny', img_size=(64, 48))
    path = str(tmp_path / 'sapiens_tiny_clean.pth')
    torch.save(v1.state_dict(), path)
    return path


def test_v1_checkpoint_into_sapiens2_is_refused_with_its_family(tmp_path):
    path = _v1_file(tmp_path)
    m = Sapiens2ViT(arch='sapiens2_tiny', img_size=(64, 48))
    before = m.patch_embed.projection.weight.clone()
    with pytest.raises(CheckpointError, match=r'sapiens_tiny_clean\.pth: a Sapiens \(v1, '
                       r'2024\) checkpoint.*Sapiens2ViT loads Sapiens2.*SapiensViT'):
        load_backbone_weights(m, path)
    assert torch.equal(m.patch_embed.projection.weight, before)  # nothing half-loaded
    m2 = Sapiens2ViT(arch='sapiens2_tiny', init_cfg=dict(type='Pretrained', checkpoint=path))
    with pytest.raises(CheckpointError, match='Sapiens \\(v1'):
        m2.init_weights()


def test_sapiens2_checkpoint_into_v1_is_refused_with_its_family(tmp_path):
    m = SapiensViT(arch='sapiens_tiny', img_size=(64, 48))
    with pytest.raises(CheckpointError, match=r'a Sapiens2 \(2026\) checkpoint.*SapiensViT '
                       r'loads Sapiens \(v1, 2024\).*Sapiens2ViT'):
        load_backbone_weights(m, WEIGHTS)
    task = {f'backbone.{k}': v for k, v in load_file(WEIGHTS).items()}
    task['head.final_layer.weight'] = torch.zeros(308, 128, 1, 1)
    path = str(tmp_path / 'task.safetensors')
    save_file(task, path)

    class Pose(nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone = SapiensViT(arch='sapiens_tiny', img_size=(64, 48))
            self.head = nn.Module()
            self.head.final_layer = nn.Conv2d(128, 308, 1, bias=False)

    with pytest.raises(CheckpointError, match='Sapiens2 \\(2026\\) checkpoint'):
        load_model_weights(Pose(), path)


def test_checkpoint_family_by_keys():
    assert checkpoint_family(load_file(WEIGHTS)) == 'sapiens2'
    assert checkpoint_family(SapiensViT(arch='sapiens_tiny').state_dict()) == 'sapiens'
    assert checkpoint_family(['decode_head.conv_seg.weight']) is None
    assert checkpoint_family(['pos_embed', 'storage_tokens']) is None  # a mixture

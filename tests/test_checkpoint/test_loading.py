"""The released checkpoint layouts, made here from random weights, load into SapiensViT."""
import pytest
import torch
from mmengine.registry import MODELS
from safetensors.torch import save_file

from sapiens_mm.checkpoint import (CheckpointError, load_backbone_weights,
                                   save_backbone_checkpoint)
from sapiens_mm.models.backbones import SapiensMAEViT, SapiensViT

FINETUNE = dict(type='SapiensViT', arch='sapiens_tiny', img_size=(64, 48),
                patch_cfg=dict(padding=2))


@pytest.fixture(scope='module')
def layouts(tmp_path_factory):
    """One pretrained encoder written in every released layout."""
    d = tmp_path_factory.mktemp('ckpts')
    torch.manual_seed(0)
    enc = SapiensMAEViT(arch='sapiens_tiny', img_size=64)  # 4x4 grid + cls, like 64x64 + cls
    enc.init_weights()
    for p in enc.parameters():  # make every tensor distinctive
        p.data.add_(torch.randn_like(p) * 0.1)
    flat = {k: v.clone() for k, v in enc.state_dict().items()}
    neck = {'neck.mask_token': torch.randn(1, 1, 32), 'neck.decoder_pred.weight': torch.randn(8, 32)}
    raw = {'state_dict': {**{f'backbone.{k}': v for k, v in flat.items()}, **neck},
           'meta': {'epoch': 3, 'mmengine_version': '0.10.7'}}
    paths = dict(clean=d / 'sapiens_tiny_clean.pth', raw=d / 'sapiens_tiny_epoch_3.pth',
                 clean_st=d / 'sapiens_tiny_clean.safetensors',
                 raw_st=d / 'sapiens_tiny_raw.safetensors', task=d / 'pose_task.pth')
    torch.save(flat, paths['clean'])
    torch.save(raw, paths['raw'])
    save_file(flat, str(paths['clean_st']))
    save_file({k: v.contiguous() for k, v in raw['state_dict'].items()}, str(paths['raw_st']))
    # A task checkpoint: backbone already fine-tune shaped (pos_embed for 64x48, no cls).
    ft = MODELS.build(FINETUNE)
    load_backbone_weights(ft, str(paths['clean']))
    task = {f'backbone.{k}': v for k, v in ft.state_dict().items()}
    task['head.final_layer.weight'] = torch.randn(17, 768, 1, 1)
    torch.save({'state_dict': task, 'meta': {}}, paths['task'])
    return {k: str(v) for k, v in paths.items()}


def build_loaded(path, **extra):
    cfg = dict(FINETUNE, init_cfg=dict(type='Pretrained', checkpoint=path), **extra)
    m = MODELS.build(cfg)
    m.init_weights()
    return m.eval()


def test_all_layouts_give_identical_features(layouts):
    x = torch.randn(2, 3, 64, 48)
    feats = {name: build_loaded(p)(x)[0] for name, p in layouts.items()}
    ref = feats.pop('clean')
    for name, f in feats.items():
        assert torch.equal(f, ref), name
    random_init = MODELS.build(FINETUNE).eval()
    assert not torch.allclose(random_init(x)[0], ref)


def test_weights_are_the_checkpoint_weights(layouts):
    flat = torch.load(layouts['clean'], weights_only=True)
    m = build_loaded(layouts['raw'])
    assert torch.equal(m.layers[2].attn.qkv.weight, flat['layers.2.attn.qkv.weight'])
    assert torch.equal(m.ln1.bias, flat['ln1.bias'])
    assert m.pos_embed.shape == (1, 12, 128)  # cls dropped, 4x4 -> 4x3


def test_load_reports_unused_keys(layouts):
    m = MODELS.build(FINETUNE)
    info = load_backbone_weights(m, layouts['raw'])
    assert 'cls_token' in info['unexpected'] and info['missing'] == []
    assert len(info['loaded']) == len(m.state_dict())


def test_no_matching_key_is_an_error(tmp_path, layouts):
    flat = torch.load(layouts['clean'], weights_only=True)
    bad = tmp_path / 'wrong_prefix.pth'
    torch.save({f'encoder.{k}': v for k, v in flat.items()}, bad)
    with pytest.raises(CheckpointError, match=r'wrong_prefix\.pth: none of its'):
        build_loaded(str(bad))


def test_shape_mismatch_is_an_error(tmp_path):
    other = SapiensViT(arch=dict(embed_dims=64, num_layers=4, num_heads=4,
                                 feedforward_channels=256), img_size=(64, 48))
    path = tmp_path / 'other_size.pth'
    torch.save(other.state_dict(), path)
    with pytest.raises(CheckpointError,
                       match=r'other_size\.pth: \d+ shape mismatches.*layers\.0\.attn'):
        build_loaded(str(path))


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(CheckpointError, match='nowhere.pth: checkpoint file not found'):
        build_loaded(str(tmp_path / 'nowhere.pth'))
    corrupt = tmp_path / 'corrupt.pth'
    corrupt.write_bytes(b'not a checkpoint at all')
    with pytest.raises(CheckpointError, match='corrupt.pth: cannot be read'):
        build_loaded(str(corrupt))
    truncated = tmp_path / 'truncated.safetensors'
    truncated.write_bytes(b'\x10\x00\x00\x00\x00\x00\x00\x00{"a"')
    with pytest.raises(CheckpointError, match='truncated.safetensors: cannot be read'):
        build_loaded(str(truncated))


def test_explicit_prefix(tmp_path, layouts):
    with pytest.raises(CheckpointError, match="no key starts with prefix 'student.'"):
        load_backbone_weights(MODELS.build(FINETUNE), layouts['raw'], prefix='student')


def test_clean_tool_function_writes_the_flat_layout(tmp_path, layouts):
    for suffix in ('.pth', '.safetensors'):
        out = tmp_path / f'clean{suffix}'
        sd = save_backbone_checkpoint(layouts['raw'], str(out))
        assert not any(k.startswith(('backbone.', 'neck.')) for k in sd)
        assert 'layers.0.attn.qkv.weight' in sd and 'cls_token' in sd
        x = torch.randn(1, 3, 64, 48)
        assert torch.equal(build_loaded(str(out))(x)[0], build_loaded(layouts['clean'])(x)[0])


def test_pretrained_without_checkpoint_is_random_init():
    m = MODELS.build(dict(FINETUNE, init_cfg=dict(type='Pretrained', checkpoint=None)))
    m.init_weights()
    assert m.pos_embed.abs().sum() > 0  # trunc-normal init ran

import pytest
import torch.nn as nn
from mmengine.optim import build_optim_wrapper

from sapiens_mm.engine.optimizers import get_layer_id
from sapiens_mm.models.backbones import SapiensViT


class ToyEstimator(nn.Module):

    def __init__(self):
        super().__init__()
        self.backbone = SapiensViT(arch='sapiens_tiny', img_size=(32, 32))  # 4 layers
        self.head = nn.Conv2d(128, 3, 1)


def build(paramwise_cfg, lr=1.0, wd=0.1):
    model = ToyEstimator()
    wrapper = build_optim_wrapper(model, dict(
        optimizer=dict(type='AdamW', lr=lr, weight_decay=wd),
        constructor='SapiensLayerDecayOptimWrapperConstructor', paramwise_cfg=paramwise_cfg))
    groups = {}
    for g in wrapper.optimizer.param_groups:
        for name in g['param_names']:
            assert name not in groups, f'{name} in two groups'
            groups[name] = g
    return model, groups


def test_layer_ids():
    assert get_layer_id('backbone.pos_embed', 24) == 0
    assert get_layer_id('backbone.cls_token', 24) == 0
    assert get_layer_id('backbone.patch_embed.projection.weight', 24) == 0
    assert get_layer_id('backbone.layers.0.ln1.weight', 24) == 1
    assert get_layer_id('backbone.layers.23.ffn.layers.1.bias', 24) == 24
    assert get_layer_id('backbone.ln1.weight', 24) == 25
    assert get_layer_id('head.final_layer.weight', 24) == 25


def test_lr_scale_and_weight_decay_rules():
    model, groups = build(dict(layer_decay_rate=0.5))
    assert set(groups) == {n for n, p in model.named_parameters()}
    # lr = rate ** (L + 1 - layer_id) with L = 4
    assert groups['backbone.pos_embed']['lr'] == pytest.approx(0.5**5)
    assert groups['backbone.patch_embed.projection.weight']['lr'] == pytest.approx(0.5**5)
    assert groups['backbone.layers.0.attn.qkv.weight']['lr'] == pytest.approx(0.5**4)
    assert groups['backbone.layers.3.ffn.layers.1.weight']['lr'] == pytest.approx(0.5)
    assert groups['backbone.ln1.weight']['lr'] == pytest.approx(1.0)
    assert groups['head.weight']['lr'] == pytest.approx(1.0)
    # no decay: 1-D params, biases, pos_embed
    for name in ('backbone.pos_embed', 'backbone.layers.1.ln2.weight', 'head.bias',
                 'backbone.layers.2.attn.qkv.bias'):
        assert groups[name]['weight_decay'] == 0.0, name
    for name in ('backbone.layers.2.attn.qkv.weight', 'head.weight',
                 'backbone.patch_embed.projection.weight'):
        assert groups[name]['weight_decay'] == pytest.approx(0.1), name


def test_custom_keys_are_applied_on_top_of_the_layer_scale():
    _, groups = build(dict(layer_decay_rate=0.5, custom_keys={
        'head': dict(lr_mult=10.0), 'attn.qkv': dict(decay_mult=0.0)}))
    assert groups['head.weight']['lr'] == pytest.approx(10.0)
    assert groups['backbone.layers.0.attn.qkv.weight']['lr'] == pytest.approx(0.5**4)
    assert groups['backbone.layers.0.attn.qkv.weight']['weight_decay'] == 0.0
    assert groups['backbone.layers.0.attn.proj.weight']['weight_decay'] == pytest.approx(0.1)


def test_misspelled_options_are_errors():
    with pytest.raises(ValueError, match='decay_multi'):
        build(dict(layer_decay_rate=0.85, custom_keys={'bias': dict(decay_multi=0.0)}))
    with pytest.raises(ValueError, match='layer_decay'):
        build(dict(layer_decay=0.85))


def test_num_layers_comes_from_the_backbone_and_must_agree_with_it():
    # Stated and equal to the backbone's 4 layers: the same groups as when left out.
    _, given = build(dict(layer_decay_rate=0.5, num_layers=4))
    _, read = build(dict(layer_decay_rate=0.5))
    assert {n: g['lr'] for n, g in given.items()} == {n: g['lr'] for n, g in read.items()}
    # A count left over from another arch would give every layer the wrong lr: refused.
    with pytest.raises(ValueError, match=r'num_layers=24 disagrees with the backbone\'s 4'):
        build(dict(layer_decay_rate=0.5, num_layers=24))


def test_num_layers_is_needed_without_a_backbone_count():
    model = nn.Sequential(nn.Linear(2, 2))
    cfg = dict(optimizer=dict(type='AdamW', lr=1.0),
               constructor='SapiensLayerDecayOptimWrapperConstructor')
    with pytest.raises(ValueError, match='set paramwise_cfg.num_layers'):
        build_optim_wrapper(model, dict(cfg, paramwise_cfg=dict(layer_decay_rate=0.5)))
    wrapper = build_optim_wrapper(model, dict(cfg, paramwise_cfg=dict(layer_decay_rate=0.5,
                                                                      num_layers=3)))
    assert {g['lr'] for g in wrapper.optimizer.param_groups} == {1.0}  # no layer id: the head


def test_frozen_parameters_are_left_out():
    model = ToyEstimator()
    model.backbone.patch_embed.requires_grad_(False)
    wrapper = build_optim_wrapper(model, dict(
        optimizer=dict(type='AdamW', lr=1.0, weight_decay=0.1),
        constructor='SapiensLayerDecayOptimWrapperConstructor',
        paramwise_cfg=dict(layer_decay_rate=0.9)))
    names = {n for g in wrapper.optimizer.param_groups for n in g['param_names']}
    assert 'backbone.patch_embed.projection.weight' not in names
    assert 'backbone.layers.0.attn.qkv.weight' in names


class ToySapiens2Estimator(nn.Module):

    def __init__(self):
        super().__init__()
        from sapiens_mm.models.backbones import Sapiens2ViT
        self.backbone = Sapiens2ViT(arch='sapiens2_tiny', img_size=(64, 64),
                                    use_tokenizer=True)  # 18 blocks
        self.head = nn.Conv2d(64, 3, 1)


def test_sapiens2_layer_ids_and_groups_as_the_release():
    """The release's rule (sapiens/engine/runners/base_runner.py): id 0 for cls/storage tokens,
    patch embedding and the 4K tokenizer, i + 1 for blocks.{i}, L + 1 for the rest."""
    assert get_layer_id('backbone.storage_tokens', 24) == 0
    assert get_layer_id('backbone.tokenizer.blocks.1.attn.wq.weight', 24) == 0
    assert get_layer_id('backbone.tokenizer.local_pos_embed', 24) == 0
    assert get_layer_id('backbone.blocks.0.attn.gamma.weight', 24) == 1
    assert get_layer_id('backbone.blocks.23.ffn.w3.bias', 24) == 24
    model = ToySapiens2Estimator()
    wrapper = build_optim_wrapper(model, dict(
        optimizer=dict(type='AdamW', lr=1.0, weight_decay=0.1),
        constructor='SapiensLayerDecayOptimWrapperConstructor',
        paramwise_cfg=dict(layer_decay_rate=0.8)))
    groups = {n: g for g in wrapper.optimizer.param_groups for n in g['param_names']}
    assert set(groups) == {n for n, _ in model.named_parameters()}
    lr = {n: g['lr'] for n, g in groups.items()}
    L = 18
    for name in ('backbone.cls_token', 'backbone.storage_tokens',
                 'backbone.patch_embed.projection.weight', 'backbone.tokenizer.w_cls',
                 'backbone.tokenizer.blocks.0.ffn.w12.weight'):
        assert lr[name] == pytest.approx(0.8**(L + 1)), name
    assert lr['backbone.blocks.0.attn.wq.weight'] == pytest.approx(0.8**L)
    assert lr['backbone.blocks.9.attn.wk.weight'] == pytest.approx(0.8**(L - 9))
    assert lr['backbone.blocks.17.ffn.w3.weight'] == pytest.approx(0.8)
    assert lr['backbone.ln1.weight'] == lr['head.weight'] == pytest.approx(1.0)
    wd = {n: g['weight_decay'] for n, g in groups.items()}
    for name in ('backbone.blocks.3.attn.q_norm.weight', 'backbone.blocks.3.attn.gamma.weight',
                 'backbone.blocks.3.attn.wq.bias', 'backbone.tokenizer.local_pos_embed',
                 'backbone.ln1.weight'):
        assert wd[name] == 0.0, name
    for name in ('backbone.cls_token', 'backbone.storage_tokens',  # 3-D: decayed
                 'backbone.blocks.3.ffn.w12.weight', 'backbone.tokenizer.w_cls'):
        assert wd[name] == pytest.approx(0.1), name

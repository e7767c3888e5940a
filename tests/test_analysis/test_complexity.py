"""Parameter and MAC counts of the Sapiens backbones (Sapiens paper, Table 1).

Every full-size model is built on the ``meta`` device: shapes only, no weights allocated, so
the 2B model costs nothing. Only ``sapiens_tiny`` is ever run on the CPU.
"""
import importlib.util
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch
from torch.utils import flop_counter

from sapiens_mm.analysis import count_macs, count_parameters, vit_macs_formula
from sapiens_mm.models.backbones.sapiens_mae_vit import SapiensMAEViT
from sapiens_mm.models.backbones.sapiens_vit import SAPIENS_ARCHS, SapiensViT

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GET_FLOPS = osp.join(REPO_ROOT, 'tools', 'analysis', 'get_flops.py')

SIZES = ['sapiens_0.3b', 'sapiens_0.6b', 'sapiens_1b', 'sapiens_2b']
#: Fine-tuning backbone: 1024x768, no cls token -> (parameters, state-dict keys).
FINETUNE = dict(zip(SIZES, [(306_244_608, 293), (634_597_120, 389),
                            (1_139_163_648, 485), (2_131_943_040, 581)]))
#: Pretraining-shaped backbone: 1024x1024 with a cls token (4097 positions).
PRETRAIN = dict(zip(SIZES, [307_295_232, 635_910_400, 1_140_739_584, 2_133_912_960]))
#: Backbone MACs in T (1e12), 12*N*C^2 + 2*N^2*C per layer, rounded: (1024x768, 1024x1024).
MACS_T = dict(zip(SIZES, [(1.39, 2.06), (2.71, 3.96), (4.64, 6.71), (8.27, 11.80)]))


def meta_vit(arch, **kwargs):
    with torch.device('meta'):
        return SapiensViT(arch=arch, **kwargs)


@pytest.mark.parametrize('arch', SIZES)
def test_finetune_parameter_and_key_counts(arch):
    params, keys = FINETUNE[arch]
    model = meta_vit(arch)  # defaults: img_size=(1024, 768), with_cls_token=False
    assert all(p.is_meta for p in model.parameters())
    assert count_parameters(model) == params
    assert len(model.state_dict()) == keys
    # The short alias and patch padding (pose/normal configs) change nothing.
    alias = meta_vit(arch[len('sapiens_'):], patch_cfg=dict(padding=2))
    assert count_parameters(alias) == params


@pytest.mark.parametrize('arch', SIZES)
def test_pretrain_shaped_parameter_count(arch):
    vit = meta_vit(arch, img_size=1024, with_cls_token=True)
    assert vit.pos_embed.shape[1] == 4097
    assert count_parameters(vit) == PRETRAIN[arch]
    with torch.device('meta'):
        mae = SapiensMAEViT(arch=arch)
    assert count_parameters(mae) == PRETRAIN[arch]
    # MAE's sin-cos pos_embed is fixed: it is a parameter but not a trainable one.
    frozen = sum(p.numel() for p in mae.parameters() if not p.requires_grad)
    assert count_parameters(mae, trainable_only=True) == PRETRAIN[arch] - frozen


@pytest.mark.parametrize('arch', SIZES)
@pytest.mark.parametrize('shape', [(1024, 768), (1024, 1024)], ids=['1024x768', '1024x1024'])
def test_counted_macs_match_formula(arch, shape):
    model = meta_vit(arch, img_size=shape)
    macs = count_macs(model, (1, 3) + shape)
    n = (shape[0] // 16) * (shape[1] // 16)
    formula = vit_macs_formula(SAPIENS_ARCHS[arch], n)
    assert macs['total'] == pytest.approx(formula['total'], rel=5e-3)
    # Nothing the formula leaves out is counted, and attention is seen on meta.
    assert macs['total'] == formula['total']
    assert macs['attention'] == formula['attention'] > 0
    assert macs['by_type'] == dict(linear=formula['linear'], attention=formula['attention'],
                                   conv=formula['conv'])
    assert macs['flops'] == 2 * macs['total']
    expected_t = MACS_T[arch][shape != (1024, 768)]
    assert round(macs['total'] / 1e12, 2) == pytest.approx(expected_t, abs=0.011)


def test_formula_by_name_and_cls_token():
    by_name = vit_macs_formula('1b', 4096)
    assert by_name == vit_macs_formula(SAPIENS_ARCHS['sapiens_1b'], 4096)
    model = meta_vit('sapiens_0.3b', img_size=1024, with_cls_token=True, out_type='raw')
    macs = count_macs(model, (1, 3, 1024, 1024))
    assert macs['total'] == vit_macs_formula('sapiens_0.3b', 4097, num_extra_tokens=1)['total']


@pytest.mark.parametrize('fused_attn', [True, False], ids=['sdpa', 'explicit'])
def test_cpu_count_equals_meta_count(fused_attn):
    """Real CPU run (SDPA -> flash-attention-for-cpu op) and meta run (SDPA -> two bmm)."""
    kwargs = dict(arch='sapiens_tiny', img_size=(64, 48), fused_attn=fused_attn)
    cpu = count_macs(SapiensViT(**kwargs), (2, 3, 64, 48), device='cpu')
    meta = count_macs(meta_vit(**kwargs), (2, 3, 64, 48))
    formula = vit_macs_formula('sapiens_tiny', 12)
    assert cpu['total'] == meta['total'] == 2 * formula['total']
    assert cpu['attention'] == meta['attention'] == 2 * formula['attention']
    assert cpu['by_type'] == meta['by_type']
    assert meta['by_module'][''] == meta['total']
    assert sum(meta['by_module'][f'layers.{i}.attn'] for i in range(4)) == \
        2 * (formula['attention'] + formula['linear'] // 3)  # qkv + proj are 1/3 of linear


def test_attention_formula_fallback(monkeypatch):
    """An SDPA kernel without a FlopCounterMode formula is still counted, from the shapes."""
    op = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu
    monkeypatch.delitem(flop_counter.flop_registry, op, raising=False)
    monkeypatch.delitem(flop_counter.flop_registry, op.default, raising=False)
    macs = count_macs(SapiensViT('sapiens_tiny', img_size=(64, 48)), (1, 3, 64, 48),
                      device='cpu')
    formula = vit_macs_formula('sapiens_tiny', 12)
    assert macs['total'] == formula['total']
    assert macs['attention'] == formula['attention']
    assert 'scaled_dot_product_attention (shape formula)' in macs['by_op']


def test_count_macs_rejects_device_mismatch():
    with pytest.raises(ValueError, match='meta'):
        count_macs(meta_vit('sapiens_tiny'), (1, 3, 64, 48), device='cpu')


def test_get_flops_arch_subprocess():
    out = subprocess.run(
        [sys.executable, GET_FLOPS, '--arch', 'sapiens_tiny', '--shape', '256', '192'],
        capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert out.returncode == 0, out.stderr
    printed = re.search(r'\|\s*parameters, total\s*\|\s*([\d,]+)\s*\|', out.stdout)
    assert printed, out.stdout
    expected = count_parameters(meta_vit('sapiens_tiny', img_size=(256, 192)))
    assert int(printed.group(1).replace(',', '')) == expected
    macs = re.search(r'\|\s*MACs, total\s*\|\s*([\d,]+)\s*\|', out.stdout)
    assert int(macs.group(1).replace(',', '')) == vit_macs_formula('sapiens_tiny', 192)['total']


# ---------------------------------------------------------------- config mode, in process
def _load_get_flops():
    spec = importlib.util.spec_from_file_location('get_flops', GET_FLOPS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_json(capsys, argv):
    import json
    _load_get_flops().main(argv + ['--json'])
    return json.loads(capsys.readouterr().out)


def test_get_flops_pose_config(tmp_path, capsys):
    cfg = tmp_path / 'pose_tiny.py'
    cfg.write_text(
        "default_scope = 'mmpose'\n"
        "codec = dict(type='MSRAHeatmap', input_size=(48, 64), heatmap_size=(12, 16), "
        "sigma=2)\n"
        "model = dict(type='TopdownPoseEstimator',\n"
        "    backbone=dict(type='SapiensViT', arch='sapiens_tiny', img_size=(64, 48),\n"
        "                  patch_cfg=dict(padding=2),\n"
        "                  init_cfg=dict(type='Pretrained', checkpoint='/no/such/file.pth')),\n"
        "    head=dict(type='HeatmapHead', in_channels=128, out_channels=17,\n"
        "              deconv_out_channels=(32,), deconv_kernel_sizes=(4,),\n"
        "              loss=dict(type='KeypointMSELoss', use_target_weight=True),\n"
        "              decoder=codec))\n")
    res = _run_json(capsys, [str(cfg)])
    assert res['input_shape'] == [1, 3, 64, 48]
    assert res['shape_source'].startswith('model.backbone.img_size')
    backbone = vit_macs_formula('sapiens_tiny', 12)
    assert res['macs_by_module']['backbone'] == backbone['total']
    assert res['macs'] == backbone['total'] + res['macs_by_module']['head']
    assert res['attention_macs'] == backbone['attention']
    assert res['params_backbone'] == count_parameters(meta_vit('sapiens_tiny',
                                                               img_size=(64, 48)))
    assert res['params_rest'] > 0

    # --shape and --cfg-options override the config
    res = _run_json(capsys, [str(cfg), '--shape', '128', '96',
                             '--cfg-options', 'model.backbone.arch=sapiens_0.3b'])
    assert res['input_shape'] == [1, 3, 128, 96]
    assert res['params_backbone'] == count_parameters(
        meta_vit('sapiens_0.3b', img_size=(64, 48)))


def test_get_flops_mae_config(tmp_path, capsys):
    cfg = tmp_path / 'mae_tiny.py'
    cfg.write_text(
        "default_scope = 'mmpretrain'\n"
        "image_size = 64\n"
        "model = dict(type='MAE',\n"
        "    backbone=dict(type='SapiensMAEViT', arch='sapiens_tiny', img_size=image_size,\n"
        "                  mask_ratio=0.75),\n"
        "    neck=dict(type='MAEPretrainDecoder', num_patches=16, patch_size=16,\n"
        "              in_chans=3, embed_dim=128, decoder_embed_dim=64, decoder_depth=1,\n"
        "              decoder_num_heads=4),\n"
        "    head=dict(type='MAEPretrainHead', norm_pix=True, patch_size=16,\n"
        "              loss=dict(type='PixelReconstructionLoss', criterion='L2')))\n")
    res = _run_json(capsys, [str(cfg)])
    assert res['input_shape'] == [1, 3, 64, 64]
    assert 'MAE pretraining forward' in res['forward']
    # encoder on 1 cls + 4 kept of 16 patches; patch embedding on all 16 patches
    encoder = vit_macs_formula('sapiens_tiny', 5)
    assert res['macs_by_module']['backbone'] == \
        encoder['total'] - encoder['conv'] + 16 * 128 * 768
    assert res['macs_by_module']['neck'] > 0
    assert res['macs'] == res['macs_by_module']['backbone'] + res['macs_by_module']['neck']

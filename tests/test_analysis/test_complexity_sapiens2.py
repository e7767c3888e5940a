"""Parameter and MAC counts of the Sapiens2 backbones, built on the ``meta`` device.

Parameter counts are those of the release's own ``Sapiens2`` module
(``sapiens/backbones/standalone/sapiens2.py``) at 1024x768, without and with the 4K tokenizer.
"""
import importlib.util
import json
import os.path as osp

import pytest
import torch

from sapiens_mm.analysis import count_macs, count_parameters, sapiens2_macs_formula
from sapiens_mm.models.backbones import SAPIENS2_ARCHS, Sapiens2ViT

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GET_FLOPS = osp.join(REPO_ROOT, 'tools', 'analysis', 'get_flops.py')

#: arch -> (parameters, parameters with the tokenizer) of the release's module.
PARAMS = {
    'sapiens2_0.1b': (113_993_472, 132_904_704),
    'sapiens2_0.4b': (395_450_368, 429_053_952),
    'sapiens2_0.8b': (814_283_520, 893_007_360),
    'sapiens2_1b': (1_455_474_176, 1_606_588_928),
    'sapiens2_5b': (5_066_902_976, 5_634_969_536),
}
#: the Sapiens2 model card's "TFLOPs" per image at 1024x768.
CARD_T = {'sapiens2_0.1b': 0.342, 'sapiens2_0.4b': 1.260, 'sapiens2_0.8b': 2.592,
          'sapiens2_1b': 4.715, 'sapiens2_5b': 15.722}


def meta_model(arch, **kwargs):
    with torch.device('meta'):
        return Sapiens2ViT(arch=arch, **kwargs)


@pytest.mark.parametrize('arch', list(PARAMS))
def test_parameter_counts_equal_the_release(arch):
    plain, with_tokenizer = PARAMS[arch]
    assert count_parameters(meta_model(arch)) == plain
    model = meta_model(arch, img_size=(4096, 3072), use_tokenizer=True)
    assert count_parameters(model) == with_tokenizer
    # the bf16 RoPE buffer is not a parameter
    assert 'rope_embed.periods' not in dict(model.named_parameters())


@pytest.mark.parametrize('arch', list(PARAMS))
def test_counted_macs_match_the_formula_and_the_model_card(arch):
    macs = count_macs(meta_model(arch), (1, 3, 1024, 768))
    formula = sapiens2_macs_formula(arch, 64 * 48)
    assert macs['total'] == formula['total']
    assert macs['by_type'] == dict(linear=formula['linear'], attention=formula['attention'],
                                   conv=formula['conv'])
    # the card's convention: linear + conv MACs (attention uncounted), within -3 % .. +6 %
    ratio = CARD_T[arch] * 1e12 / (formula['linear'] + formula['conv'])
    assert 0.97 < ratio < 1.06, ratio


def test_formula_for_the_gqa_blocks():
    s = SAPIENS2_ARCHS['sapiens2_1b']
    D, n = s['embed_dims'], 3081
    f = sapiens2_macs_formula('sapiens2_1b', 3072)
    # 16 MHSA blocks with 4 D^2 projections, 24 GQA blocks with 3 D^2, SwiGLU 12 D^2 each
    assert f['linear'] == n * D * D * (16 * 4 + 24 * 3 + 40 * 12)
    assert f['attention'] == 40 * 2 * n * n * D


def test_get_flops_arch_sapiens2(capsys):
    spec = importlib.util.spec_from_file_location('get_flops', GET_FLOPS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(['--arch', 'sapiens2_0.4b', '--json'])
    out = json.loads(capsys.readouterr().out)
    assert out['model'] == 'Sapiens2ViT' and out['params'] == PARAMS['sapiens2_0.4b'][0]
    assert out['macs'] == sapiens2_macs_formula('sapiens2_0.4b', 3072)['total']

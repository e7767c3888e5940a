"""Sapiens2 pointmap and albedo heads against the release's outputs: same parameters (set by a
formula over the state-dict names, which are the release's), same input, same numbers; and the
albedo losses against the release's values."""
import json
import os

import pytest
import torch

from sapiens_mm.registry import MODELS
from tests.helpers.pointmap_cases import formula_input, formula_params, loss_case

DATA = os.path.join(os.path.dirname(__file__), '..', '..', 'data', 'pointmap')


@pytest.fixture(scope='module')
def expected():
    with open(os.path.join(DATA, 'release_head_values.json')) as f:
        return json.load(f)


def test_albedo_head_matches_the_release(expected):
    head = MODELS.build(dict(type='Sapiens2AlbedoHead', in_channels=16,
                             upsample_channels=(8, 8, 8, 8), conv_out_channels=(8, ),
                             conv_kernel_sizes=(3, ), init_cfg=None)).eval()
    formula_params(head)
    with torch.no_grad():
        out = head([formula_input(16, 4, 3)])
    assert out.shape == (2, 3, 64, 48)
    assert float(out.sum()) == pytest.approx(expected['albedo_out']['sum'], rel=1e-5)
    torch.testing.assert_close(out.flatten()[:5], torch.tensor(expected['albedo_out']['first']))


def test_pointmap_head_matches_the_release(expected):
    head = MODELS.build(dict(type='Sapiens2PointmapHead', in_channels=16, input_size=(64, 48),
                             upsample_channels=(8, 8, 8, 8), conv_out_channels=(8, ),
                             conv_kernel_sizes=(3, ), scale_conv_out_channels=(8, ),
                             scale_mlp_channels=(6, ), init_cfg=None)).eval()
    formula_params(head)
    with torch.no_grad():
        pointmap, scale = head([formula_input(16, 4, 3)])
    assert float(pointmap.sum()) == pytest.approx(expected['pointmap_out']['sum'], rel=1e-5)
    assert float(pointmap.abs().sum()) == pytest.approx(expected['pointmap_out']['abs_sum'],
                                                        rel=1e-5)
    torch.testing.assert_close(scale.flatten(), torch.tensor(expected['pointmap_out']['scale']))


def test_albedo_losses_match_the_release(expected):
    c = loss_case()
    target = c['target'].abs() / c['target'].abs().amax(dim=(1, 2, 3), keepdim=True)
    pred = c['pred'].abs() / c['pred'].abs().amax(dim=(1, 2, 3), keepdim=True) * 1.1 - 0.05
    for cfg in (dict(type='AlbedoL1Loss', loss_weight=2.0),
                dict(type='AlbedoGradientMSELoss', loss_weight=2.0),
                dict(type='AlbedoChromaticityL1Loss', loss_weight=1.0)):
        loss = MODELS.build(cfg)
        assert float(loss(pred, target, c['mask'])) == pytest.approx(
            expected['albedo_losses'][loss.loss_name], rel=1e-5), cfg['type']


def test_albedo_losses_on_hand_made_cases():
    mask = torch.zeros(1, 1, 6, 5, dtype=torch.bool)
    mask[..., 1:5, 1:4] = True
    grey = torch.full((1, 3, 6, 5), 0.4)
    brighter = grey * 1.5
    l1 = MODELS.build(dict(type='AlbedoL1Loss', loss_weight=2.0))
    assert float(l1(brighter, grey, mask)) == pytest.approx(2 * 3 * 0.2)
    # the same colour, brighter: no chromaticity error, no gradient error
    assert float(MODELS.build(dict(type='AlbedoChromaticityL1Loss'))(brighter, grey, mask)) \
        == pytest.approx(0, abs=1e-6)
    assert float(MODELS.build(dict(type='AlbedoGradientMSELoss'))(brighter, grey, mask)) == 0
    # a unit step between columns 2 and 3 inside the mask: 4 rows x 3 channels of squared
    # step 1 over 4 x 2 horizontal pairs, no vertical error: 0.5 * (12 / 8)
    step = grey.clone()
    step[..., 3:] += 1.0
    assert float(MODELS.build(dict(type='AlbedoGradientMSELoss'))(step, grey, mask)) == \
        pytest.approx(0.5 * 12 / 8)

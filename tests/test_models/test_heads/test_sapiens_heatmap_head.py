import pytest
import torch
import torch.nn as nn
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

from sapiens_mm.analysis import count_parameters

RELEASE = dict(deconv_out_channels=(768, 768), deconv_kernel_sizes=(4, 4),
               conv_out_channels=(768, 768), conv_kernel_sizes=(1, 1))


def build(in_channels=128, out_channels=17, **kw):
    init_default_scope('mmpose')
    cfg = dict(type='SapiensHeatmapHead', in_channels=in_channels, out_channels=out_channels,
               **(kw or dict(deconv_out_channels=(32, 32), deconv_kernel_sizes=(4, 4),
                             conv_out_channels=(32, 32), conv_kernel_sizes=(1, 1))))
    return MODELS.build(cfg)


def test_released_state_dict_keys_and_shapes():
    with torch.device('meta'):
        head = build(1536, 308, **RELEASE)
    sd = head.state_dict()
    assert set(sd) == {'deconv_layers.0.weight', 'deconv_layers.3.weight',
                       'conv_layers.0.weight', 'conv_layers.0.bias',
                       'conv_layers.3.weight', 'conv_layers.3.bias',
                       'final_layer.weight', 'final_layer.bias'}
    assert sd['deconv_layers.0.weight'].shape == (1536, 768, 4, 4)
    assert sd['conv_layers.3.weight'].shape == (768, 768, 1, 1)
    assert sd['final_layer.weight'].shape == (308, 768, 1, 1)


@pytest.mark.parametrize('in_ch,k,params_m', [(1536, 308, 29.73), (1024, 17, 23.21)])
def test_head_size(in_ch, k, params_m):
    with torch.device('meta'):
        head = build(in_ch, k, **RELEASE)
    assert count_parameters(head) / 1e6 == pytest.approx(params_m, abs=0.01)


def test_layers_are_instancenorm_silu_and_upsample_4x():
    head = build()
    layers = list(head.deconv_layers) + list(head.conv_layers)
    expected = [nn.ConvTranspose2d, nn.InstanceNorm2d, nn.SiLU] * 2 + \
        [nn.Conv2d, nn.InstanceNorm2d, nn.SiLU] * 2
    assert len(layers) == len(expected)
    assert all(isinstance(m, t) for m, t in zip(layers, expected)), layers
    assert not any(m.affine for m in layers if isinstance(m, nn.InstanceNorm2d))
    assert not any(isinstance(m, nn.BatchNorm2d) for m in head.modules())
    assert head.deconv_layers[0].bias is None
    out = head((torch.randn(2, 128, 16, 12), ))
    assert out.shape == (2, 17, 64, 48)


def test_other_deconv_kernel_is_an_error():
    with pytest.raises(ValueError, match='4x4 deconvolutions'):
        build(deconv_out_channels=(32, ), deconv_kernel_sizes=(3, ))

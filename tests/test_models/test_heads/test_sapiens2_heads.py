"""Sapiens2 task heads: the release's layouts (key names, widths, parameter counts of the
sizes' heads as the release's modules have them) and output shapes."""
import pytest
import torch
from mmengine.structures import PixelData
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS as POSE_MODELS
from mmseg.structures import SegDataSample

import sapiens_mm  # noqa: F401
from sapiens_mm.registry import MODELS

# Head parameter counts of the release's modules (sapiens/dense/src/models/heads/*.py,
# sapiens/pose/src/models/heads/pose_heatmap_head.py) at each size's backbone width.
SEG_PARAMS = {1024: 11_151_325, 1280: 13_248_477, 1536: 15_345_629, 2432: 22_685_661}
NORMAL = {  # width: (upsample_channels, conv_out_channels, params)
    1024: ((768, 512, 256, 128), (64, 32, 16), 57_907_363),
    2432: ((1536, 768, 512, 256), (128, 64, 32), 249_455_299),
}
POSE = {  # width: (deconv, conv, params)
    1024: ((1024, 768), (512, 512, 256), 30_226_996),
    1536: ((1536, 1024), (768, 512, 256), 64_305_972),
}


@pytest.fixture(autouse=True)
def mmseg_scope():
    """The dense heads' default losses are mmseg's (another test may have left mmpose's)."""
    init_default_scope('mmseg')


def _count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize('width', sorted(SEG_PARAMS))
def test_seg_head_params_and_keys(width):
    with torch.device('meta'):
        head = MODELS.build(dict(type='Sapiens2SegHead', in_channels=width))
    assert _count(head) == SEG_PARAMS[width]
    assert sorted(head.state_dict()) == sorted(
        [f'deconv_layers.{i}.weight' for i in (0, 3, 6, 9)] +
        [f'conv_layers.{i}.{p}' for i in (0, 3) for p in ('weight', 'bias')] +
        ['conv_seg.weight', 'conv_seg.bias'])
    assert head.dropout is None  # the release's head has no dropout


def test_seg_head_full_resolution():
    head = MODELS.build(dict(type='Sapiens2SegHead', in_channels=16,
                             deconv_out_channels=(8, 8, 8, 8), conv_out_channels=(8, 8),
                             channels=8))
    out = head((torch.randn(2, 16, 4, 3), ))
    assert out.shape == (2, 29, 64, 48)  # 16x the feature map: the input resolution


@pytest.mark.parametrize('width', sorted(NORMAL))
def test_normal_head_params_and_keys(width):
    up, conv, params = NORMAL[width]
    with torch.device('meta'):
        head = MODELS.build(dict(type='Sapiens2NormalHead', in_channels=width,
                                 upsample_channels=up, conv_out_channels=conv))
    assert _count(head) == params
    keys = set(head.state_dict())
    assert 'conv_seg.weight' not in keys and 'conv_normal.weight' in keys
    assert {f'upsample_blocks.{i}.0.weight' for i in range(4)} <= keys
    assert {'input_conv.0.weight', 'conv_layers.6.bias'} <= keys


def test_normal_head_pixel_shuffle_and_loss():
    torch.manual_seed(0)
    head = MODELS.build(dict(type='Sapiens2NormalHead', in_channels=8,
                             upsample_channels=(8, 8, 4, 4), conv_out_channels=(4, 4, 4)))
    head.init_weights()
    feats = (torch.randn(2, 8, 4, 3), )
    out = head(feats)
    assert out.shape == (2, 3, 64, 48)
    target = torch.zeros(2, 3, 64, 48)
    target[:, 2, 10:50, 10:40] = -1.0  # a person facing the camera
    samples = [SegDataSample(gt_normal_map=PixelData(data=target[i])) for i in range(2)]
    losses = head.loss_by_feat(out, samples)
    assert set(losses) == {'loss_normal_cos', 'loss_normal_l1', 'loss_normal_grad'}
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())
    # the cosine loss is weighted x10 as in the release: 10 * (1 - cos) over the person
    valid = target.norm(dim=1) > 0.5
    cos = torch.nn.functional.cosine_similarity(out, target, dim=1, eps=1e-6)
    expected = 10 * (1 - cos)[valid].mean()
    torch.testing.assert_close(losses['loss_normal_cos'], expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('width', sorted(POSE))
def test_pose_head_is_v1_layout_with_v2_widths(width):
    deconv, conv, params = POSE[width]
    init_default_scope('mmpose')  # the head's default loss is mmpose's
    with torch.device('meta'):
        head = POSE_MODELS.build(dict(type='SapiensHeatmapHead', in_channels=width,
                                      out_channels=308,
                                      deconv_out_channels=deconv, deconv_kernel_sizes=(4, 4),
                                      conv_out_channels=conv, conv_kernel_sizes=(1, 1, 1)))
    assert _count(head) == params

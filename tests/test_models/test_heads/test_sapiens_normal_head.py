"""SapiensNormalHead: segmentation-head layout with 3 outputs, cosine + L1 loss."""
import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample


def build(**kw):
    init_default_scope('mmseg')
    return MODELS.build(dict(type='SapiensNormalHead', **kw))


def test_release_keys_and_output():
    with torch.device('meta'):
        big = build(in_channels=1024)
    sd = big.state_dict()
    assert sd['conv_seg.weight'].shape == (3, 768, 1, 1)
    assert {k for k in sd if k.startswith('deconv')} == {
        'deconv_layers.0.weight', 'deconv_layers.3.weight', 'deconv_layers.6.weight'}
    assert {k for k in sd if k.startswith('conv_layers')} == {
        f'conv_layers.{i}.{p}' for i in (0, 3, 6) for p in ('weight', 'bias')}
    head = build(in_channels=32, channels=16)
    assert head((torch.randn(2, 32, 4, 3), )).shape == (2, 3, 32, 24)


def test_loss_is_cosine_plus_l1_on_the_person():
    head = build(in_channels=8, channels=8)
    pred = torch.randn(1, 3, 2, 2)
    target = F.normalize(torch.randn(1, 3, 4, 4), dim=1)
    target[0, :, :, :2] = 0  # background: left half
    losses = head.loss_by_feat(pred, [SegDataSample(gt_normal_map=PixelData(data=target[0]))])
    up = F.interpolate(pred, size=(4, 4), mode='bilinear', align_corners=False)[0]
    fg = target[0].norm(dim=0) > 0.5
    p, t = up[:, fg], target[0][:, fg]
    cos = 1 - (F.normalize(p, dim=0) * t).sum(0)
    torch.testing.assert_close(losses['loss_normal_cos'], cos.mean())
    torch.testing.assert_close(losses['loss_normal_l1'], (p - t).abs().sum(0).mean())

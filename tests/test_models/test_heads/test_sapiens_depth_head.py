"""SapiensDepthHead: released key layout and size, full-resolution output, SiLog loss."""
import math

import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from sapiens_mm.analysis import count_parameters


def build(**kw):
    init_default_scope('mmseg')
    return MODELS.build(dict(type='SapiensDepthHead', **kw))


def sample(target):
    return SegDataSample(gt_depth_map=PixelData(data=target))


def test_release_keys_shapes_and_size():
    with torch.device('meta'):
        head = build(in_channels=1536)
    sd = head.state_dict()
    assert set(sd) == {
        'deconv_layers.0.weight', 'deconv_layers.3.weight', 'deconv_layers.6.weight',
        'deconv_layers.9.weight', 'conv_layers.0.weight', 'conv_layers.0.bias',
        'conv_layers.3.weight', 'conv_layers.3.bias', 'conv_seg.weight', 'conv_seg.bias'
    }
    assert sd['deconv_layers.0.weight'].shape == (1536, 384, 4, 4)
    assert sd['conv_seg.weight'].shape == (1, 384, 1, 1)
    assert round(count_parameters(head) / 1e6, 2) == 16.81  # the release's VitDepthHead (1b)


def test_full_resolution_output_and_positive_start():
    head = build(in_channels=32, channels=16)
    head.init_weights()
    head.eval()
    out = head((torch.randn(2, 32, 4, 3), ))
    assert out.shape == (2, 1, 64, 48)
    assert torch.allclose(head.conv_seg.bias, torch.tensor([0.5]))
    assert (out > 0).all()


def test_silog_loss_against_hand_computation():
    head = build(in_channels=8, channels=8)
    pred = torch.full((1, 1, 2, 2), 0.5)
    target = torch.tensor([[[[0.25, 1.0], [0.0, -1.0]]]])  # 0 (nearest) and -1 (bg) excluded
    loss = head.loss_by_feat(pred, [sample(target[0])])['loss_silog']
    d = [math.log(0.25) - math.log(0.5), math.log(1.0) - math.log(0.5)]
    mean_sq = sum(v * v for v in d) / 2
    mean = sum(d) / 2
    assert abs(loss.item() - math.sqrt(mean_sq - 0.5 * mean**2)) < 1e-5


def test_images_without_person_are_left_out():
    head = build(in_channels=8, channels=8)
    leaf = torch.rand(2, 1, 4, 4, requires_grad=True)
    pred = leaf + 0.1
    target = torch.rand(2, 1, 4, 4) + 0.1
    target[1] = -1  # no person
    both = head.loss_by_feat(pred, [sample(target[0]), sample(target[1])])['loss_silog']
    alone = head.loss_by_feat(pred[:1], [sample(target[0])])['loss_silog']
    torch.testing.assert_close(both, alone)
    empty = head.loss_by_feat(pred, [sample(-torch.ones(1, 4, 4))] * 2)['loss_silog']
    empty.backward()
    assert empty.item() == 0 and torch.isfinite(leaf.grad).all()

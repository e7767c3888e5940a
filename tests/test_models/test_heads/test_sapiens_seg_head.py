"""SapiensSegHead: released key layout and sizes, output shape, weighted cross-entropy."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from sapiens_mm.analysis import count_parameters
from sapiens_mm.datasets.body_part_classes import BODY_PART_CLASS_WEIGHT

RELEASE_KEYS = {
    'deconv_layers.0.weight', 'deconv_layers.3.weight', 'deconv_layers.6.weight',
    'conv_layers.0.weight', 'conv_layers.0.bias', 'conv_layers.3.weight', 'conv_layers.3.bias',
    'conv_layers.6.weight', 'conv_layers.6.bias', 'conv_seg.weight', 'conv_seg.bias'
}


def build(**kw):
    init_default_scope('mmseg')
    return MODELS.build(dict(type='SapiensSegHead', **kw))


def test_release_keys_shapes_and_size():
    with torch.device('meta'):
        head = build(in_channels=1536)  # Sapiens-1B, release defaults (768 channels, 28 classes)
    sd = head.state_dict()
    assert set(sd) == RELEASE_KEYS
    assert sd['deconv_layers.0.weight'].shape == (1536, 768, 4, 4)
    assert sd['deconv_layers.6.weight'].shape == (768, 768, 4, 4)
    assert sd['conv_layers.6.weight'].shape == (768, 768, 1, 1)
    assert sd['conv_seg.weight'].shape == (28, 768, 1, 1)
    assert round(count_parameters(head) / 1e6, 2) == 39.54  # the release's VitHead (1b)
    assert isinstance(head.deconv_layers[1], torch.nn.InstanceNorm2d)
    assert not head.deconv_layers[1].affine and isinstance(head.conv_layers[2], torch.nn.SiLU)
    assert head.deconv_layers[0].bias is None and head.deconv_layers[0].padding == (1, 1)
    assert head.dropout.p == 0.1


def test_output_is_eight_times_the_feature_map():
    head = build(in_channels=32, channels=16)
    head.init_weights()
    out = head((torch.randn(2, 32, 4, 3), ))
    assert out.shape == (2, 28, 32, 24)
    assert set(head.state_dict()) == RELEASE_KEYS


def test_layer_widths_must_end_at_channels():
    with pytest.raises(ValueError, match='conv_seg expects'):
        build(in_channels=32, channels=16, conv_out_channels=(16, 16, 8))
    with pytest.raises(ValueError, match='kernel size'):
        build(in_channels=32, channels=16, deconv_kernel_sizes=(5, 4, 4))


def test_weighted_cross_entropy_matches_hand_computation():
    """reduction='none' (release): per-pixel w[y] * nll, averaged over all pixels by mmengine's
    parse_losses; ignored pixels count as 0."""
    weight = list(BODY_PART_CLASS_WEIGHT)
    head = build(in_channels=8, channels=8,
                 loss_decode=dict(type='CrossEntropyLoss', reduction='none',
                                  class_weight=weight))
    logits = torch.randn(1, 28, 4, 3)
    label = torch.randint(0, 28, (1, 1, 8, 6))
    label[0, 0, 0, :2] = 255
    sample = SegDataSample(gt_sem_seg=PixelData(data=label[0]))
    loss = head.loss_by_feat(logits, [sample])['loss_ce']
    up = F.interpolate(logits, size=(8, 6), mode='bilinear', align_corners=False)
    logp = up.log_softmax(1)[0]  # (28, 8, 6)
    lab = label[0, 0]
    expected = torch.zeros(8, 6)
    for y in range(8):
        for x in range(6):
            c = int(lab[y, x])
            if c != 255:
                expected[y, x] = -weight[c] * logp[c, y, x]
    torch.testing.assert_close(loss.mean(), expected.mean(), rtol=1e-5, atol=1e-6)

"""Sapiens2 seg, normal and pose heads against the release's head modules
(``sapiens/dense/src/models/heads/{seg,normal}_head.py``,
``sapiens/pose/src/models/heads/pose_heatmap_head.py``, commit 3098c14): every parameter set by
the same formula of its (release) name's rank, the same formula input, the same numbers.
``tests/data/sapiens2/release_task_head_values.json`` holds the release modules' outputs
(numbers only), computed once from its source."""
import json
import os

import pytest
import torch
from mmengine.registry import init_default_scope

import sapiens_mm  # noqa: F401
from sapiens_mm.registry import MODELS

DATA = os.path.join(os.path.dirname(__file__), '..', '..', 'data', 'sapiens2',
                    'release_task_head_values.json')


def formula_params(module, rename=lambda n: n):
    """Parameter of (release) name rank i <- 0.3 sin(0.7 k + i) / sqrt(fan), k = element index."""
    with torch.no_grad():
        named = sorted((rename(n), p) for n, p in module.named_parameters())
        for i, (_, p) in enumerate(named):
            k = torch.arange(p.numel(), dtype=torch.float64)
            p.copy_((0.3 * torch.sin(0.7 * k + i) / max(1.0, p[0].numel() ** 0.5)).view_as(p))


def formula_input(c, h, w, b=2):
    n = torch.arange(b * c * h * w, dtype=torch.float64)
    return torch.cos(0.37 * n).view(b, c, h, w).float()


@pytest.fixture(scope='module')
def expected():
    with open(DATA) as f:
        return json.load(f)


def _check(out, ref):
    assert list(out.shape) == ref['shape']
    assert float(out.double().sum()) == pytest.approx(ref['sum'], rel=1e-5, abs=1e-3)
    assert float(out.double().abs().sum()) == pytest.approx(ref['abs_sum'], rel=1e-5)
    torch.testing.assert_close(out.flatten()[:6], torch.tensor(ref['first']), rtol=1e-5,
                               atol=1e-6)


def test_seg_head_equals_release(expected):
    init_default_scope('mmseg')  # the head's default loss is mmseg's
    head = MODELS.build(dict(type='Sapiens2SegHead', in_channels=16, channels=8,
                             deconv_out_channels=(8, 8, 8, 8), conv_out_channels=(8, 8),
                             init_cfg=None)).eval()
    formula_params(head)
    with torch.no_grad():
        out = head((formula_input(16, 4, 3), ))
    _check(out, expected['seg'])
    assert int(out.argmax(1).sum()) == expected['seg']['argmax_sum']


def test_normal_head_equals_release(expected):
    init_default_scope('mmseg')
    head = MODELS.build(dict(type='Sapiens2NormalHead', in_channels=16,
                             upsample_channels=(8, 8, 8, 8), conv_out_channels=(8, 4),
                             conv_kernel_sizes=(3, 3), init_cfg=None)).eval()
    formula_params(head)
    with torch.no_grad():
        out = head((formula_input(16, 4, 3), ))
    _check(out, expected['normal'])


def test_pose_head_equals_release(expected):
    init_default_scope('mmpose')
    head = MODELS.build(dict(type='SapiensHeatmapHead', in_channels=16, out_channels=308,
                             deconv_out_channels=(8, 8), deconv_kernel_sizes=(4, 4),
                             conv_out_channels=(8, 8, 8), conv_kernel_sizes=(1, 1, 1))).eval()
    formula_params(head)  # our final_layer is the release's conv_pose (same rank once renamed)
    with torch.no_grad():
        out = head((formula_input(16, 4, 3), ))
    _check(out, expected['pose'])

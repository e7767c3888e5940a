"""BatchKeypointOHKMMSELoss equals mmpose's looped KeypointOHKMMSELoss, value and gradients."""
import pytest
import torch
from mmpose.models.losses import KeypointOHKMMSELoss
from mmpose.registry import MODELS

import sapiens_mm  # noqa: F401
from sapiens_mm.models.losses import BatchKeypointOHKMMSELoss


@pytest.mark.parametrize('use_target_weight', [True, False])
def test_same_value_and_gradients_as_upstream(use_target_weight):
    g = torch.Generator().manual_seed(0)
    B, K, H, W = 3, 40, 8, 6
    target = torch.rand(B, K, H, W, generator=g)
    weights = (torch.rand(B, K, generator=g) > 0.3).float() * 1.5
    base = torch.rand(B, K, H, W, generator=g)
    out_a, out_b = base.clone().requires_grad_(), base.clone().requires_grad_()
    ref = KeypointOHKMMSELoss(use_target_weight=use_target_weight, topk=16, loss_weight=2.0)
    new = BatchKeypointOHKMMSELoss(use_target_weight=use_target_weight, topk=16, loss_weight=2.0)
    la, lb = ref(out_a, target, weights), new(out_b, target, weights)
    la.backward()
    lb.backward()
    assert torch.allclose(la, lb, rtol=1e-6, atol=1e-9)
    assert torch.allclose(out_a.grad, out_b.grad, rtol=1e-5, atol=1e-10)
    # only the hardest 16 keypoints of each sample receive gradient
    assert ((out_b.grad.abs().sum(dim=(2, 3)) > 0).sum(dim=1) <= 16).all()


def test_registered_and_checks_topk():
    loss = MODELS.build(dict(type='BatchKeypointOHKMMSELoss', topk=8, use_target_weight=True))
    assert isinstance(loss, BatchKeypointOHKMMSELoss)
    with pytest.raises(ValueError, match='topk'):
        loss(torch.zeros(1, 4, 2, 2), torch.zeros(1, 4, 2, 2), torch.ones(1, 4))

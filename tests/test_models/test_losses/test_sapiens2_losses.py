"""Losses of the Sapiens2 configs checked on hand-made cases against values computed by hand
or by an independent loop."""
import math

import pytest
import torch
import torch.nn.functional as F

import sapiens_mm  # noqa: F401
from sapiens_mm.models.losses import ForegroundDiceLoss, NormalGradientMSELoss
from sapiens_mm.registry import MODELS


def _dice_loop(logits, labels, eps=1e-3, ignore=255):
    """Per-image loop over classes: the release's formula written out."""
    prob = logits.softmax(1)
    losses = []
    for b in range(logits.shape[0]):
        valid = labels[b] != ignore
        dices = []
        for c in range(1, logits.shape[1]):
            g = ((labels[b] == c) & valid).float()
            if g.sum() == 0:
                continue
            p = prob[b, c] * valid
            dices.append((2 * (p * g).sum() + eps) / ((p * p).sum() + (g * g).sum() + eps))
        losses.append(1 - torch.stack(dices).mean() if dices else torch.tensor(0.0))
    return torch.stack(losses).mean()


def test_dice_perfect_prediction_is_near_zero():
    labels = torch.zeros(1, 8, 8, dtype=torch.long)
    labels[0, 2:6, 2:6] = 2
    logits = F.one_hot(labels, 4).permute(0, 3, 1, 2).float() * 100
    assert ForegroundDiceLoss()(logits, labels).item() < 1e-4


def test_dice_uniform_prediction_value():
    # softmax of zeros over 4 classes: p = 0.25 everywhere; one class on 16 of 64 pixels
    labels = torch.zeros(1, 8, 8, dtype=torch.long)
    labels[0, :4, :4] = 1
    loss = ForegroundDiceLoss(eps=0.0)(torch.zeros(1, 4, 8, 8), labels)
    dice = 2 * 16 * 0.25 / (64 * 0.25**2 + 16)
    assert loss.item() == pytest.approx(1 - dice, rel=1e-6)


def test_dice_matches_loop_with_ignore_and_empty_image():
    torch.manual_seed(0)
    logits = torch.randn(3, 5, 9, 7)
    labels = torch.randint(0, 5, (3, 9, 7))
    labels[0, :3] = 255
    labels[2] = 0  # background only: weight 0, still counted in the batch mean
    got = ForegroundDiceLoss()(logits, labels, ignore_index=255)
    torch.testing.assert_close(got, _dice_loop(logits, labels), rtol=1e-5, atol=1e-6)
    assert got < _dice_loop(logits[:2], labels[:2])  # the empty image pulls the mean down


def test_class_weighted_ce_is_averaged_over_all_pixels():
    """The v2 seg configs use mmseg's CrossEntropyLoss with reduction='none'; mmengine's
    parse_losses then means the per-pixel map: sum(w[y] * ce) / (B*H*W), ignored pixels 0."""
    from mmengine.config import Config
    from sapiens_mm.datasets.body_parts_29 import BODY_PARTS_29_METAINFO
    weights = Config.fromfile(BODY_PARTS_29_METAINFO).class_weight
    loss_fn = MODELS.build(dict(type='mmseg.CrossEntropyLoss', reduction='none',
                                class_weight=weights, loss_weight=1.0))
    torch.manual_seed(1)
    logits = torch.randn(2, 29, 6, 5)
    labels = torch.randint(0, 29, (2, 6, 5))
    labels[1, 0] = 255
    per_pixel = loss_fn(logits, labels, ignore_index=255)
    logp = logits.log_softmax(1)
    total = 0.0
    for b in range(2):
        for i in range(6):
            for j in range(5):
                y = int(labels[b, i, j])
                if y != 255:
                    total += weights[y] * -float(logp[b, y, i, j])
    assert per_pixel.mean().item() == pytest.approx(total / 60, rel=1e-5)


def test_normal_gradient_loss_zero_for_shifted_target_and_value_for_ramp():
    m = torch.ones(1, 6, 5, dtype=torch.bool)
    t = torch.randn(1, 3, 6, 5)
    loss = NormalGradientMSELoss()
    # a constant offset has the same differences: loss 0
    assert loss(t + 0.3, t, m).item() == pytest.approx(0.0, abs=1e-7)
    # pred = target + a ramp a*j in channel 0 only: dx error a^2 on each of 6*4 pairs, dy 0
    a = 0.5
    ramp = torch.zeros_like(t)
    ramp[:, 0] = a * torch.arange(5.0)
    assert loss(t + ramp, t, m).item() == pytest.approx(a * a, rel=1e-6)


def test_normal_gradient_loss_masks_pairs():
    t = torch.zeros(1, 3, 4, 4)
    pred = torch.zeros(1, 3, 4, 4)
    pred[:, 1, :, 3] = 2.0  # a jump into column 3
    m = torch.ones(1, 4, 4, dtype=torch.bool)
    full = NormalGradientMSELoss(loss_weight=10.0)(pred, t, m)
    # 4 of 12 horizontal pairs see a jump of 2: 4*4 / 12, vertical 0; times 10
    assert full.item() == pytest.approx(10 * 16 / 12, rel=1e-6)
    m[:, :, 3] = False  # column 3 off the person: every pair with the jump is masked
    assert NormalGradientMSELoss()(pred, t, m).item() == 0.0
    assert math.isfinite(NormalGradientMSELoss()(pred, t, m & False).item())

"""NormalCosineLoss and NormalL1Loss against direct numpy computations (the release's
seg/mmseg/models/losses/{cosine_similarity_loss,l1_loss}.py)."""
import numpy as np
import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS


def build(type, **kw):
    init_default_scope('mmseg')
    return MODELS.build(dict(type=type, **kw))


def data(seed=0):
    rng = np.random.default_rng(seed)
    pred = rng.normal(size=(2, 3, 5, 4))
    target = rng.normal(size=(2, 3, 5, 4))
    target /= np.linalg.norm(target, axis=1, keepdims=True)
    valid = rng.random((2, 5, 4)) > 0.4
    target[np.broadcast_to(~valid[:, None], target.shape)] = 0
    return pred, target, valid


def test_cosine_loss():
    pred, target, valid = data()
    p = pred / np.linalg.norm(pred, axis=1, keepdims=True)
    expected = (1 - (p * target).sum(1))[valid].mean()
    loss = build('NormalCosineLoss', loss_weight=2.0)
    got = loss(torch.tensor(pred), torch.tensor(target), torch.tensor(valid))
    assert abs(got.item() - 2 * expected) < 1e-9
    # default mask: |target| > 0.5
    assert abs(loss(torch.tensor(pred), torch.tensor(target)).item() - 2 * expected) < 1e-9
    assert loss.loss_name == 'loss_normal_cos'


def test_l1_loss_divides_by_pixels_not_channels():
    pred, target, valid = data(1)
    expected = np.abs(pred - target).sum(1)[valid].sum() / valid.sum()
    got = build('NormalL1Loss')(torch.tensor(pred), torch.tensor(target), torch.tensor(valid))
    assert abs(got.item() - expected) < 1e-9


def test_no_valid_pixel_gives_zero_with_graph():
    for name in ('NormalCosineLoss', 'NormalL1Loss'):
        pred = torch.randn(1, 3, 2, 2, requires_grad=True)
        loss = build(name)(pred, torch.zeros(1, 3, 2, 2))
        loss.backward()
        assert loss.item() == 0 and torch.equal(pred.grad, torch.zeros_like(pred))


def test_upstream_silog_loss_is_the_release_formula():
    """Depth reuses mmseg's SiLogLoss: per image sqrt(mean d^2 - 0.5 mean(d)^2),
    d = log t - log p over t > 1e-6, then the batch mean (release: silog_loss.py)."""
    rng = np.random.default_rng(2)
    pred = rng.uniform(0.1, 1, (2, 1, 4, 4))
    target = rng.uniform(0.1, 1, (2, 1, 4, 4))
    target[0, 0, 0] = -1
    target[1, 0, :, 0] = 0
    per_image = []
    for p, t in zip(pred, target):
        keep = t > 1e-6
        d = np.log(t[keep]) - np.log(p[keep])
        per_image.append(np.sqrt((d**2).mean() - 0.5 * d.mean()**2))
    loss = build('SiLogLoss')
    assert loss.eps == 1e-6
    got = loss(torch.tensor(pred), torch.tensor(target))
    assert abs(got.item() - np.mean(per_image)) < 1e-6

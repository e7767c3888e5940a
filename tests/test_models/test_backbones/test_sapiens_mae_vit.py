import pytest
import torch

from sapiens_mm.models.backbones import SapiensMAEViT


@pytest.mark.parametrize('ratio', [0.75, 0.95])
def test_masked_forward_keeps_the_right_number_of_patches(ratio):
    m = SapiensMAEViT(arch='sapiens_tiny', img_size=128, mask_ratio=ratio)
    m.init_weights()
    latent, mask, ids_restore = m(torch.randn(2, 3, 128, 128))
    keep = int(64 * (1 - ratio))
    assert latent.shape == (2, 1 + keep, 128)
    assert mask.shape == (2, 64) and mask.sum(1).tolist() == [64 - keep] * 2
    assert sorted(ids_restore[0].tolist()) == list(range(64))


def test_mask_ratio_out_of_range():
    with pytest.raises(ValueError, match='mask_ratio'):
        SapiensMAEViT(arch='sapiens_tiny', img_size=128, mask_ratio=1.0)


@pytest.mark.parametrize('mask', [None, False])
def test_unmasked_forward(mask):
    """mask=False means no masking (upstream masks for False)."""
    m = SapiensMAEViT(arch='sapiens_tiny', img_size=128, out_type='featmap').eval()
    m.init_weights()
    out = m(torch.randn(1, 3, 128, 128), mask=mask)
    assert out[0].shape == (1, 128, 8, 8)


def test_pretrain_layout():
    m = SapiensMAEViT(arch='sapiens_tiny', img_size=128)
    m.init_weights()
    sd = m.state_dict()
    assert sd['cls_token'].shape == (1, 1, 128)
    assert sd['pos_embed'].shape == (1, 65, 128)
    assert not m.pos_embed.requires_grad  # fixed sin-cos
    assert torch.equal(sd['pos_embed'][0, 0], torch.zeros(128))  # cls position


def test_activation_checkpointing_in_masked_forward():
    torch.manual_seed(0)
    m = SapiensMAEViT(arch='sapiens_tiny', img_size=64, with_cp=True).train()
    m.init_weights()
    torch.manual_seed(1)
    latent, _, _ = m(torch.randn(2, 3, 64, 64))
    latent.sum().backward()
    assert m.layers[0].attn.qkv.weight.grad is not None

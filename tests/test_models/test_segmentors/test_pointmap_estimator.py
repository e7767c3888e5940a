"""PointmapEstimator built from the tiny config: the loss falls on a fixed batch; predictions
carry the canonical map, the scale and the metric map (canonical / scale, padding removed)."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from sapiens_mm.registry import DATASETS, MODELS
from tests.helpers.pointmap_data import write_pointmap_humans

CONFIG = 'configs/sapiens2_pointmap/synthetic/sapiens2_tiny_pointmap_synthetic-128x96.py'


@pytest.fixture(scope='module')
def cfg(repo_root):
    init_default_scope('mmseg')
    return Config.fromfile(f'{repo_root}/{CONFIG}')


def _batch(cfg, root, pipeline_key):
    ds_cfg = copy.deepcopy(cfg.val_dataloader.dataset)
    ds_cfg.update(data_root=str(root), test_mode=False,
                  pipeline=cfg[pipeline_key])
    ds = DATASETS.build(ds_cfg)
    return pseudo_collate([ds[i] for i in range(len(ds))])


@pytest.fixture
def one_thread():
    """Many small ops: a second intra-op thread only adds waiting on a loaded 2-core box."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_loss_falls_on_a_fixed_batch(cfg, tmp_path, one_thread):
    torch.manual_seed(0)
    write_pointmap_humans(tmp_path, 2, size=(96, 72), image_dir='images')
    model = MODELS.build(cfg.model)
    model.init_weights()
    data = model.data_preprocessor(_batch(cfg, tmp_path, 'val_pipeline'), training=True)
    optim = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train()
    totals = []
    for _ in range(20):
        losses = model.loss(data['inputs'], data['data_samples'])
        assert len(losses) == 7 and all(torch.isfinite(v) for v in losses.values())
        total = sum(losses.values())
        optim.zero_grad()
        total.backward()
        optim.step()
        totals.append(float(total.detach()))
    assert totals[-1] < 0.7 * totals[0], totals


def test_prediction_fields_and_metric_map(cfg, tmp_path):
    torch.manual_seed(0)
    # 60x60 images: fit into 128x96 as 96x96, 16 rows of padding above and below
    write_pointmap_humans(tmp_path, 1, size=(60, 60), image_dir='images')
    model = MODELS.build(cfg.model).eval()
    data = model.data_preprocessor(_batch(cfg, tmp_path, 'val_pipeline'), training=False)
    sample = data['data_samples'][0]
    assert sample.img_padding_size == [0, 0, 16, 16]
    with torch.no_grad():
        canonical, scale = model._forward(data['inputs'])
        out = model.predict(data['inputs'], data['data_samples'])[0]
    assert out.pred_canonical_pointmap.data.shape == (3, 128, 96)
    torch.testing.assert_close(out.pred_canonical_pointmap.data, canonical[0])
    assert float(out.pred_pointmap_scale.data) == pytest.approx(float(scale[0, 0]))
    # metric = canonical / scale, unpadded, resized (smoothly) to the 60x60 original
    assert out.pred_pointmap.data.shape == (3, 60, 60)
    from sapiens_mm.models.segmentors.pointmap_upsampling import resize_pointmap
    expected = resize_pointmap(canonical[:, :, 16:112] / scale[0, 0], (60, 60))[0]
    torch.testing.assert_close(out.pred_pointmap.data, expected)
    torch.testing.assert_close(out.pred_depth_map.data[0], out.pred_pointmap.data[2])


def test_head_refuses_another_input_size(cfg):
    model = MODELS.build(cfg.model).eval()
    with pytest.raises(ValueError, match='built for 128x96 input'):
        model._forward(torch.zeros(1, 3, 160, 96))


def test_release_head_keys_and_sizes():
    with torch.device('meta'):
        head = MODELS.build(dict(type='Sapiens2PointmapHead', in_channels=1024, init_cfg=None))
    keys = set(head.state_dict())
    for key in ('input_conv.0.weight', 'upsample_blocks.3.0.bias', 'conv_layers.6.weight',
                'conv_pointmap.weight', 'scale_conv_layers.6.bias', 'scale_final_layer.1.weight',
                'scale_final_layer.5.bias'):
        assert key in keys
    assert head.scale_final_layer[1].in_features == 128 * 8 * 6
    assert sum(p.numel() for p in head.parameters()) == 133_224_996  # the release: 133.22 M


def test_resize_pointmap_smooths_only_when_enlarging():
    from sapiens_mm.models.segmentors.pointmap_upsampling import resize_pointmap
    x = torch.zeros(1, 3, 8, 6)
    x[:, :, 4, 3] = 1.0
    up = resize_pointmap(x, (16, 12))
    plain = resize_pointmap(x, (16, 12), smooth=False)
    assert up.max() < plain.max()  # blurred first
    down = resize_pointmap(x, (4, 3))
    torch.testing.assert_close(down, resize_pointmap(x, (4, 3), smooth=False))
    flat = torch.full((1, 3, 8, 6), 2.5)  # a constant map stays constant (metres kept)
    torch.testing.assert_close(resize_pointmap(flat, (16, 12)), torch.full((1, 3, 16, 12), 2.5))

"""SapiensMultiTask: one backbone pass, per-task losses only for labelled samples, weighted sum,
predictions of every head at the original image size."""
import pytest
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import MODELS, init_default_scope

from tests.helpers.multitask_data import tiny_multitask_config, write_multitask_humans


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp('mt')
    # sample 1 has no depth, sample 2 no pose, sample 3 no seg
    write_multitask_humans(str(root / 'train'), 4, size=(80, 60), seed=0,
                           drop=dict(depth=[1], pose=[2], seg=[3]))
    return root


def build(cfg):
    init_default_scope('mmseg')
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def batch(cfg, root, indices, train=True):
    from mmseg.registry import DATASETS
    loader = cfg.train_dataloader if train else cfg.val_dataloader
    ds_cfg = dict(loader.dataset, data_root=str(root / 'train'))
    ds = DATASETS.build(ds_cfg)
    return pseudo_collate([ds[i] for i in indices])


def test_loss_per_task_only_for_labelled_samples(data):
    cfg = tiny_multitask_config()
    model = build(cfg)
    model.train()
    data_batch = model.data_preprocessor(batch(cfg, data, [0, 1, 2, 3]), True)
    losses = model(**data_batch, mode='loss')
    keys = set(losses)
    for name in ('pose.loss_kpt', 'seg.loss_ce', 'depth.loss_silog', 'normal.loss_normal_cos',
                 'normal.loss_normal_l1'):
        assert name in keys, keys
        assert torch.isfinite(losses[name].mean())
    # a batch of the sample without depth only: no depth loss, the others are there
    one = model.data_preprocessor(batch(cfg, data, [1]), True)
    keys = set(model(**one, mode='loss'))
    assert not any(k.startswith('depth.') for k in keys)
    assert any(k.startswith('pose.') for k in keys) and any(k.startswith('seg.') for k in keys)
    # no pose label in the batch: the pose head gets no gradient
    model.zero_grad()
    two = model.data_preprocessor(batch(cfg, data, [2]), True)
    losses = model(**two, mode='loss')
    assert not any(k.startswith('pose.') for k in losses)
    loss, _ = model.parse_losses(losses)
    loss.backward()
    assert all(p.grad is None for p in model.heads['pose'].parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.heads['depth'].parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.backbone.parameters())


def test_loss_weights_scale_each_task(data):
    cfg = tiny_multitask_config()
    cfg.model.loss_weights = dict(pose=1.0, seg=1.0, depth=1.0, normal=1.0)
    model = build(cfg).eval()  # no dropout: the two calls see the same outputs
    # init_weights reached the heads' init_cfg (the depth head starts mid-range)
    assert model.heads['depth'].conv_seg.bias.item() == pytest.approx(0.5)
    data_batch = model.data_preprocessor(batch(cfg, data, [0]), True)
    base = {k: v.mean().item() for k, v in model(**data_batch, mode='loss').items()}
    model.loss_weights.update(seg=3.0, depth=0.0)
    scaled = {k: v.mean().item() for k, v in model(**data_batch, mode='loss').items()}
    assert scaled['seg.loss_ce'] == pytest.approx(3 * base['seg.loss_ce'], rel=1e-5)
    assert scaled['depth.loss_silog'] == 0
    assert scaled['normal.loss_normal_cos'] == pytest.approx(base['normal.loss_normal_cos'],
                                                             rel=1e-5)
    assert scaled['seg.acc_seg'] == pytest.approx(base['seg.acc_seg'])  # not a loss


def test_predict_every_head_at_original_size(data):
    cfg = tiny_multitask_config()
    model = build(cfg).eval()
    data_batch = model.data_preprocessor(batch(cfg, data, [0, 2], train=False), False)
    with torch.no_grad():
        out = model(**data_batch, mode='predict')
        raw = model(data_batch['inputs'], mode='tensor')
    assert set(raw) == {'pose', 'seg', 'depth', 'normal'}
    for sample in out:
        assert sample.seg.pred_sem_seg.data.shape == (1, 80, 60)
        assert sample.depth.pred_depth_map.data.shape == (1, 80, 60)
        normal = sample.normal.pred_normal_map.data
        assert normal.shape == (3, 80, 60)
        assert torch.allclose(normal.norm(dim=0), torch.ones(80, 60), atol=1e-4)
        assert sample.pose.pred_instances.keypoints.shape == (1, 308, 2)
    # sample 2 has no pose label: it still gets a pose prediction, without COCO ids
    assert 'img_id' in out[0].pose and 'img_id' not in out[1].pose
    # a heatmap peak at heatmap pixel (x 6, y 8) lands at its place in the 80x60 image
    heatmaps = torch.zeros(1, 308, 16, 12)
    yy, xx = torch.meshgrid(torch.arange(16.), torch.arange(12.), indexing='ij')
    heatmaps[:] = torch.exp(-((xx - 6)**2 + (yy - 8)**2) / 8)
    sub = model._new_sub_sample('pose', dict(ori_shape=(80, 60), img_shape=(64, 48)))
    model._predict_pose(heatmaps, sub, (64, 48))
    x_in, y_in = 6 * 47 / 11, 8 * 63 / 15  # UDP: heatmap -> input by (in - 1) / (hm - 1)
    expected = ((x_in + 0.5) * 60 / 48 - 0.5, (y_in + 0.5) * 80 / 64 - 0.5)
    # within 1 px (DARK refinement on a 16x12 map); a heatmap pixel is 5 image pixels
    assert sub.pred_instances.keypoints[0, 0] == pytest.approx(expected, abs=1.0)


@pytest.mark.parametrize('bad, match', [
    (dict(heads=dict(flow=dict(type='SapiensDepthHead', in_channels=128))), 'unknown task'),
    (dict(loss_weights=dict(mesh=1.0)), 'no head'),
    (dict(loss_weights=dict(seg=-1.0)), 'finite number'),
])
def test_bad_config_is_a_clear_error(bad, match):
    cfg = tiny_multitask_config()
    cfg.model.update(bad)
    init_default_scope('mmseg')
    with pytest.raises(ValueError, match=match):
        MODELS.build(cfg.model)


def test_pipeline_maps_keypoints_to_heatmap_peaks(data):
    """The packed pose target peaks where the keypoint lands in the resized image."""
    import numpy as np
    from mmseg.registry import DATASETS
    cfg = tiny_multitask_config()
    ds = DATASETS.build(dict(cfg.train_dataloader.dataset, data_root=str(data / 'train')))
    info = ds.get_data_info(0)
    assert info['tasks'] == ['pose', 'seg', 'depth', 'normal']
    assert ds.get_data_info(1)['tasks'] == ['pose', 'seg', 'normal']
    assert ds.get_data_info(2)['tasks'] == ['seg', 'depth', 'normal']
    sample = ds[0]['data_samples']
    heatmaps = sample.pose.gt_fields.heatmaps.numpy()  # (308, 16, 12) for 64x48 input
    assert heatmaps.shape == (308, 16, 12)
    x, y = info['pose_keypoints'][0, 5]
    # original (80x60) -> input (64x48) -> heatmap (16x12), UDP: (in - 1) / (hm - 1)
    xi, yi = (x + 0.5) * 48 / 60 - 0.5, (y + 0.5) * 64 / 80 - 0.5
    xh, yh = xi * 11 / 47, yi * 15 / 63
    peak = np.unravel_index(heatmaps[5].argmax(), heatmaps[5].shape)
    assert abs(peak[0] - yh) <= 0.5 + 1e-6 and abs(peak[1] - xh) <= 0.5 + 1e-6
    assert sample.seg.gt_sem_seg.data.shape == (1, 64, 48)
    assert sample.depth.gt_depth_map.data.max() <= 1.0  # the min-max normalised target
    assert 'depth' not in ds[1]['data_samples'] and 'pose' not in ds[2]['data_samples']

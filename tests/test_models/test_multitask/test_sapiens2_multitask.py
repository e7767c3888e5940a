"""SapiensMultiTask on a Sapiens2 backbone (configs/sapiens2_multitask/): the 0.4B config is the
released backbone plus the three released heads, parameter for parameter; the tiny config's
heads train on v1-labelled samples mapped to the 29 classes; a multi-task checkpoint loads
only into a model of its own family (v1 vs v2), through the project's loader: as the
backbone's ``init_cfg``, through ``load_model_weights`` (``tools/test.py``: strict) and in
inference."""
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import MODELS, init_default_scope

from sapiens_mm.checkpoint import CheckpointError, load_model_weights
from tests.helpers.multitask_data import (V2_MULTITASK_CONFIG, tiny_multitask_config,
                                          tiny_v2_multitask_config, write_multitask_humans)
from tests.test_models.test_heads.test_sapiens2_heads import NORMAL, POSE, SEG_PARAMS

CONFIG_04B = 'configs/sapiens2_multitask/humans/sapiens2_0.4b_multitask_humans-1024x768.py'
BACKBONE_04B = 395_450_368  # Sapiens2-0.4B, the release's module (README backbone table)


def _count(module):
    return sum(p.numel() for p in module.parameters())


def build(cfg):
    init_default_scope('mmseg')
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def test_04b_config_is_backbone_plus_released_heads(repo_root):
    cfg = Config.fromfile(f'{repo_root}/{CONFIG_04B}')
    init_default_scope(cfg.default_scope)
    with torch.device('meta'):
        model = MODELS.build(cfg.model)
    assert type(model.backbone).__name__ == 'Sapiens2ViT' and model.tasks == (
        'pose', 'seg', 'normal')
    heads = dict(pose=POSE[1024][2], seg=SEG_PARAMS[1024], normal=NORMAL[1024][2])
    assert {t: _count(h) for t, h in model.heads.items()} == heads
    assert _count(model.backbone) == BACKBONE_04B
    assert _count(model) == BACKBONE_04B + sum(heads.values()) == 494_736_052
    assert model.heads['seg'].num_classes == 29


def test_tiny_v2_heads_train_on_mapped_labels(tmp_path):
    """One loss step on v1-labelled samples: every head's losses, finite, and gradients reach
    the backbone; the seg head sees the 29-class labels (Eyeglass never labelled)."""
    write_multitask_humans(str(tmp_path / 'train'), 2, size=(64, 48), seed=0)
    cfg = tiny_v2_multitask_config(data_root=str(tmp_path))
    torch.manual_seed(0)
    model = build(cfg)
    from mmseg.registry import DATASETS
    ds = DATASETS.build(cfg.train_dataloader.dataset)
    data = model.data_preprocessor(pseudo_collate([ds[0], ds[1]]), training=True)
    labels = torch.cat([s.seg.gt_sem_seg.data for s in data['data_samples']]).unique()
    assert 2 not in labels.tolist() and 3 in labels.tolist()  # v1 Face_Neck (2) is v2's 3
    losses = model(**data, mode='loss')
    assert {'pose.loss_kpt', 'seg.loss_ce', 'seg.loss_dice', 'normal.loss_normal_cos',
            'normal.loss_normal_l1', 'normal.loss_normal_grad'} <= set(losses)
    total = sum(v.mean() for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    assert model.backbone.blocks[0].attn.wq.weight.grad.abs().sum() > 0


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    """A tiny v1 and a tiny v2 multi-task checkpoint (mmengine layout) and their configs."""
    tmp = tmp_path_factory.mktemp('families')
    out = {}
    for family, cfg in (('v1', tiny_multitask_config()), ('v2', tiny_v2_multitask_config())):
        path = tmp / f'{family}_multitask.pth'
        torch.save({'state_dict': build(cfg).state_dict(), 'meta': {}}, path)
        cfg_path = tmp / f'{family}_multitask.py'
        cfg.dump(str(cfg_path))
        out[family] = (cfg, str(path), str(cfg_path))
    return out


@pytest.mark.parametrize('model_family,file_family', [('v2', 'v1'), ('v1', 'v2')])
def test_other_family_checkpoint_is_refused(checkpoints, model_family, file_family):
    cfg, _, cfg_path = checkpoints[model_family]
    path = checkpoints[file_family][1]
    found = 'Sapiens2 (2026)' if file_family == 'v2' else 'Sapiens (v1, 2024)'
    model = build(cfg)
    for strict in (False, True):  # load_model_weights as the API, and as tools/test.py
        with pytest.raises(CheckpointError, match=rf'{path}: a {found[:8]}.*checkpoint'):
            load_model_weights(model, path, strict=strict)
    # a multi-task file as the backbone's pretrain checkpoint (init_cfg)
    backbone_cfg = dict(cfg.model.backbone, init_cfg=dict(type='Pretrained', checkpoint=path))
    with pytest.raises(CheckpointError, match='checkpoints only'):
        MODELS.build(backbone_cfg).init_weights()
    # inference (tools/infer.py --task CONFIG CKPT)
    from sapiens_mm.apis.inferencers.multitask_model import build_multitask_task_models
    with pytest.raises(CheckpointError, match=r'checkpoints only\. Build the backbone as'):
        build_multitask_task_models(cfg_path, path)
    # its own family loads, strictly
    own = checkpoints[model_family][1]
    info = load_model_weights(model, own, strict=True)
    assert not info['missing']


def test_v2_multitask_config_is_shipped(repo_root):
    cfg = Config.fromfile(f'{repo_root}/{V2_MULTITASK_CONFIG}')
    assert cfg.model.backbone.arch == 'sapiens2_tiny'
    assert all(d.dataset.map_seg_v1_to_v2 for d in (cfg.train_dataloader, cfg.val_dataloader))

"""tools/extract_features.py with a Sapiens2 backbone named by its released model name, the
file found offline in the Sapiens2 release's ``$SAPIENS_CHECKPOINT_ROOT/pretrain/`` layout;
and from Sapiens2 task configs with their task checkpoints (pose, seg, normal)."""
import importlib.util
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from sapiens_mm.models.backbones import Sapiens2ViT

REPO = Path(__file__).resolve().parents[2]
BASE = REPO / 'configs' / '_base_' / 'models' / 'sapiens2_features.py'


def test_extract_features_with_a_released_sapiens2_name(tmp_path, monkeypatch):
    # a tiny backbone stored as the release stores sapiens2_0.1b_pretrain (flat safetensors)
    torch.manual_seed(0)
    backbone = Sapiens2ViT(arch='sapiens2_tiny', img_size=(64, 48))
    backbone.init_weights()
    root = tmp_path / 'sapiens2_host'
    (root / 'pretrain').mkdir(parents=True)
    save_file(backbone.state_dict(), str(root / 'pretrain' / 'sapiens2_0.1b_pretrain.safetensors'))
    monkeypatch.setenv('SAPIENS_CHECKPOINT_ROOT', str(root))
    monkeypatch.setenv('SAPIENS_MM_CHECKPOINTS', str(tmp_path / 'none'))
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    cfg = tmp_path / 'sapiens2_tiny_features.py'
    cfg.write_text(f"_base_ = ['{BASE}']\nimage_size = (64, 48)\n"
                   "model = dict(backbone=dict(arch='sapiens2_tiny', img_size=image_size))\n")
    images = tmp_path / 'images'
    images.mkdir()
    img = (np.random.default_rng(0).random((80, 60, 3)) * 255).astype(np.uint8)
    cv2.imwrite(str(images / 'a.png'), img)

    spec = importlib.util.spec_from_file_location('extract_features',
                                                  REPO / 'tools' / 'extract_features.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    try:
        tool.main([str(cfg), 'sapiens2_0.1b_pretrain', str(images), '--out',
                   str(tmp_path / 'out'), '--no-pca'])
    except SystemExit as e:
        assert not e.code
    feat = np.load(tmp_path / 'out' / 'a.npy')
    assert feat.shape == (64, 4, 3) and feat.dtype == np.float16

    # the same features as the backbone with those weights on the preprocessed image
    x = cv2.resize(img, (48, 64), interpolation=cv2.INTER_CUBIC)[..., ::-1].copy()
    x = torch.from_numpy(x).permute(2, 0, 1).float()
    mean = torch.tensor([123.675, 116.28, 103.53]).view(3, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(3, 1, 1)
    with torch.no_grad():
        ref = backbone.eval()(((x - mean) / std)[None])[0][0].numpy()
    np.testing.assert_allclose(feat, ref.astype(np.float16), rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize('task', ['pose', 'seg', 'normal'])
def test_extract_features_from_a_sapiens2_task_checkpoint(task, tmp_path):
    """A Sapiens2 task config and its task checkpoint (``backbone.*`` and head keys): the
    features are the task model's own backbone output, at the model's (H, W) (pose configs
    give ``image_size`` as (w, h): it used to be read as (H, W))."""
    from tests.helpers.tiny_task_models import CONFIGS2, build, write_task_checkpoints
    from mmengine.config import Config
    cfg = Config.fromfile(str(REPO / CONFIGS2[task]))
    ckpt = write_task_checkpoints(str(tmp_path), {task: cfg})[task]
    images = tmp_path / 'images'
    images.mkdir()
    img = (np.random.default_rng(1).random((150, 100, 3)) * 255).astype(np.uint8)
    cv2.imwrite(str(images / 'a.png'), img)
    spec = importlib.util.spec_from_file_location('extract_features',
                                                  REPO / 'tools' / 'extract_features.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    with pytest.raises(SystemExit) as e:
        tool.main([str(REPO / CONFIGS2[task]), ckpt, str(images), '--out',
                   str(tmp_path / 'out')])
    assert not e.value.code
    feat = np.load(tmp_path / 'out' / 'a.npy')
    assert feat.shape == (64, 8, 6) and feat.dtype == np.float16  # 128x96 / 16
    assert (tmp_path / 'out' / 'a_pca.png').is_file()

    model = build(cfg)
    model.load_state_dict(torch.load(ckpt, weights_only=True)['state_dict'])
    x = cv2.resize(img, (96, 128), interpolation=cv2.INTER_CUBIC)[..., ::-1].copy()
    x = torch.from_numpy(x).permute(2, 0, 1).float()
    mean = torch.tensor([123.675, 116.28, 103.53]).view(3, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(3, 1, 1)
    with torch.no_grad():
        ref = model.backbone.eval()(((x - mean) / std)[None])[0][0].numpy()
    assert np.abs(ref).max() > 0.1  # the task file's random backbone, not zeros
    np.testing.assert_allclose(feat, ref.astype(np.float16), rtol=1e-2, atol=1e-2)

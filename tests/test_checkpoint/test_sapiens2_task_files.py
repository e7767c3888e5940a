"""Release-layout Sapiens2 task files load into the v2 task models by their own names; a
checkpoint of the other family is refused with an error that says which family it is."""
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from safetensors.torch import save_file

import sapiens_mm  # noqa: F401
from sapiens_mm.checkpoint.loading import CheckpointError
from sapiens_mm.checkpoint.model_loading import load_model_weights
from sapiens_mm.registry import MODELS

V2 = {
    'pose': 'configs/sapiens2_pose/synthetic/sapiens2_tiny_pose_synthetic-128x96.py',
    'seg': 'configs/sapiens2_seg/synthetic/sapiens2_tiny_seg_synthetic-128x96.py',
    'normal': 'configs/sapiens2_normal/synthetic/sapiens2_tiny_normal_synthetic-128x96.py',
}
V1 = {
    'pose': 'configs/sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py',
    'seg': 'configs/sapiens_seg/synthetic/sapiens_tiny_seg_synthetic-128x96.py',
    'normal': 'configs/sapiens_normal/synthetic/sapiens_tiny_normal_synthetic-256x192.py',
}


def build(path, repo_root):
    cfg = Config.fromfile(f"{repo_root}/{path}")
    init_default_scope(cfg.default_scope)
    cfg.model.backbone.init_cfg = None
    return MODELS.build(cfg.model)


def release_file(model, task, path):
    sd = {}
    for k, v in model.state_dict().items():
        if task == 'pose' and k.startswith('head.'):
            k = 'decode_head.' + k[5:].replace('final_layer.', 'conv_pose.')
        sd[k] = torch.randn_like(v) if v.is_floating_point() and 'periods' not in k else v
    save_file({k: v.contiguous() for k, v in sd.items()}, str(path))
    return sd


@pytest.mark.parametrize('task', sorted(V2))
def test_release_task_file_loads_strictly(tmp_path, repo_root, task):
    torch.manual_seed(0)
    model = build(V2[task], repo_root)
    path = tmp_path / f'sapiens2_tiny_{task}.safetensors'
    sd = release_file(model, task, path)
    fresh = build(V2[task], repo_root)
    info = load_model_weights(fresh, str(path), strict=True)
    assert not info['missing']
    own = fresh.state_dict()
    for k, v in sd.items():
        if task == 'pose' and k.startswith('decode_head.'):
            k = 'head.' + k[len('decode_head.'):].replace('conv_pose.', 'final_layer.')
        torch.testing.assert_close(own[k], v)


@pytest.mark.parametrize('task', sorted(V2))
def test_other_family_refused(tmp_path, repo_root, task):
    v1 = build(V1[task], repo_root)
    v1_file = tmp_path / 'v1.pth'
    torch.save({'state_dict': v1.state_dict()}, v1_file)
    with pytest.raises(CheckpointError, match=r'v1\.pth.*Sapiens \(v1'):
        load_model_weights(build(V2[task], repo_root), str(v1_file), strict=True)
    v2_file = tmp_path / 'v2.safetensors'
    release_file(build(V2[task], repo_root), task, v2_file)
    with pytest.raises(CheckpointError, match=r'v2\.safetensors.*Sapiens2'):
        load_model_weights(v1, str(v2_file), strict=True)


def test_to_release_keys_writes_the_release_pose_names(repo_root):
    from sapiens_mm.checkpoint.release_keys import to_release_keys, translate_release_keys
    model = build(V2['pose'], repo_root)
    ours = model.state_dict()
    release = to_release_keys(ours)
    # the release's names, spelled out here (sapiens/pose/src/models/heads: conv_pose)
    expected = {('decode_head.' + k[5:].replace('final_layer.', 'conv_pose.')
                 if k.startswith('head.') else k) for k in ours}
    assert set(release) == expected and 'decode_head.conv_pose.weight' in release
    back, renamed = translate_release_keys(model, release)
    assert list(back) == list(ours) and renamed == sum(k.startswith('head.') for k in ours)

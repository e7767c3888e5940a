"""Released names -> files: local caches first, a clear error offline; whole-model loading of
the released layouts (task .pth, .safetensors, pretrain-only) made from random weights."""
import os

import pytest
import torch

from sapiens_mm.checkpoint import (MODEL_ZOO, CheckpointError, load_model_weights,
                                   resolve_checkpoint, save_model_checkpoint)
from sapiens_mm.checkpoint.model_zoo import ZooEntry, load_model_index, zoo_config
from tests.helpers.hub_cache import add_to_hub_cache
from tests.helpers.tiny_task_models import build, tiny_config, write_task_checkpoints


def test_zoo_covers_the_release_and_points_at_existing_configs():
    tasks = {}
    for name, entry in MODEL_ZOO.items():
        if entry.family == 'sapiens2':
            continue  # test_sapiens2_pretrain_names
        if entry.task == 'detector':  # the person detector (tests/test_apis/test_person_detector)
            assert entry.repo == 'facebook/sapiens-pose-bbox-detector'
            continue
        tasks.setdefault(entry.task, set()).add(entry.size)
        assert entry.repo == f'facebook/sapiens-{entry.task}-{entry.size}'
        assert entry.filename.startswith(f'sapiens_{entry.size}_')
        if entry.task != 'pretrain':
            assert os.path.isfile(zoo_config(name)), name
    assert tasks['pretrain'] == tasks['depth'] == tasks['normal'] == {'0.3b', '0.6b', '1b', '2b'}
    assert tasks['pose'] == tasks['seg'] == {'0.3b', '0.6b', '1b'}  # no 2B released
    assert MODEL_ZOO['sapiens_1b_pretrain'].filename == 'sapiens_1b_epoch_173_clean.pth'


def test_resolve_finds_cached_pth_or_safetensors(tmp_path, monkeypatch):
    entry = MODEL_ZOO['sapiens_0.3b_depth']
    a, b = tmp_path / 'a', tmp_path / 'b'
    a.mkdir(), b.mkdir()
    monkeypatch.setenv('SAPIENS_MM_CHECKPOINTS', f'{a}{os.pathsep}{b}')
    st = b / (entry.stem + '.safetensors')
    st.write_bytes(b'x')
    assert resolve_checkpoint('sapiens_0.3b_depth') == str(st)
    pth = a / entry.filename
    pth.write_bytes(b'x')
    assert resolve_checkpoint('sapiens_0.3b_depth') == str(pth)  # first folder wins
    assert resolve_checkpoint(str(st)) == str(st)  # a plain path is returned as is


def test_release_layout_root(tmp_path, monkeypatch):
    monkeypatch.setenv('SAPIENS_MM_CHECKPOINTS', str(tmp_path / 'empty'))
    monkeypatch.setenv('SAPIENS_CHECKPOINT_ROOT', str(tmp_path))
    entry = MODEL_ZOO['sapiens_1b_seg_goliath']
    folder = tmp_path / 'seg' / 'checkpoints' / 'sapiens_1b'
    folder.mkdir(parents=True)
    (folder / entry.filename).write_bytes(b'x')
    assert resolve_checkpoint('sapiens_1b_seg_goliath') == str(folder / entry.filename)


@pytest.fixture
def hub_cache(tmp_path, monkeypatch):
    """An empty Hugging Face cache for this test (huggingface_hub reads HF_HUB_CACHE at import,
    hf_hub_download reads the module constant at call time)."""
    from huggingface_hub import constants
    cache = tmp_path / 'hf_hub'
    cache.mkdir()
    monkeypatch.setattr(constants, 'HF_HUB_CACHE', str(cache))
    monkeypatch.setenv('SAPIENS_MM_CHECKPOINTS', str(tmp_path / 'no_local_files'))
    monkeypatch.delenv('SAPIENS_CHECKPOINT_ROOT', raising=False)
    return cache


def test_offline_name_found_in_the_hub_cache(hub_cache, monkeypatch):
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    entry = MODEL_ZOO['sapiens_0.3b_seg_goliath']
    snap = add_to_hub_cache(hub_cache, entry.repo, entry.filename, b'weights at main')
    path = resolve_checkpoint('sapiens_0.3b_seg_goliath')
    assert os.path.samefile(path, snap) and open(path, 'rb').read() == b'weights at main'
    # Revision pinning: another revision of the same file is another snapshot.
    pinned = add_to_hub_cache(hub_cache, entry.repo, entry.filename, b'weights at v1', 'v1')
    path = resolve_checkpoint('sapiens_0.3b_seg_goliath', revision='v1')
    assert os.path.samefile(path, pinned) and open(path, 'rb').read() == b'weights at v1'
    with pytest.raises(CheckpointError, match=r'facebook/sapiens-seg-0.3b@v2'):
        resolve_checkpoint('sapiens_0.3b_seg_goliath', revision='v2')


def test_local_files_only_and_local_folders_first(hub_cache, tmp_path, monkeypatch):
    monkeypatch.delenv('HF_HUB_OFFLINE', raising=False)
    entry = MODEL_ZOO['sapiens_1b_depth']
    snap = add_to_hub_cache(hub_cache, entry.repo, entry.filename, b'hub')
    assert os.path.samefile(resolve_checkpoint('sapiens_1b_depth', local_files_only=True), snap)
    with pytest.raises(CheckpointError, match='local_files_only=True'):
        resolve_checkpoint('sapiens_2b_depth', local_files_only=True)
    with pytest.raises(CheckpointError, match='download=False'):
        resolve_checkpoint('sapiens_1b_depth', download=False)  # never touches the Hub
    local = tmp_path / 'mine'
    local.mkdir()
    (local / entry.filename).write_bytes(b'local')
    monkeypatch.setenv('SAPIENS_MM_CHECKPOINTS', str(local))
    assert resolve_checkpoint('sapiens_1b_depth') == str(local / entry.filename)


def test_model_index_errors_name_the_file(tmp_path):
    (tmp_path / 'model-index.yml').write_text('Import:\n  - a/metafile.yml\n  - b/metafile.yml\n')
    (tmp_path / 'a').mkdir()
    model = ('Models:\n  - Name: m\n    Metadata: {Task: seg, Size: 0.3b, Hub Repo: o/r}\n'
             '    Weights: https://huggingface.co/o/r/resolve/main/m.pth\n')
    (tmp_path / 'a' / 'metafile.yml').write_text(model)
    with pytest.raises(CheckpointError, match=r'model-index.yml: imports b/metafile.yml'):
        load_model_index(str(tmp_path / 'model-index.yml'))
    (tmp_path / 'b').mkdir()
    (tmp_path / 'b' / 'metafile.yml').write_text(model)
    with pytest.raises(CheckpointError, match=r'b/metafile.yml: model name m is listed twice'):
        load_model_index(str(tmp_path / 'model-index.yml'))
    (tmp_path / 'b' / 'metafile.yml').write_text(model.replace('Name: m', 'Name: n')
                                                 .replace('Size: 0.3b, ', ''))
    with pytest.raises(CheckpointError, match=r"b/metafile.yml: model 'n' lacks Size"):
        load_model_index(str(tmp_path / 'model-index.yml'))
    (tmp_path / 'b' / 'metafile.yml').write_text('Models: []\n')
    zoo = load_model_index(str(tmp_path / 'model-index.yml'))
    assert zoo == {'m': ZooEntry('seg', '0.3b', 'o/r', 'm.pth', None, 'main')}


def test_offline_error_says_where_it_looked(tmp_path, monkeypatch, hub_cache):
    monkeypatch.setenv('SAPIENS_MM_CHECKPOINTS', str(tmp_path))
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    with pytest.raises(CheckpointError) as e:
        resolve_checkpoint('sapiens_0.6b_normal')
    msg = str(e.value)
    assert 'sapiens_0.6b_normal_render_people_epoch_200.pth' in msg
    assert str(tmp_path) in msg and 'HF_HUB_OFFLINE is set' in msg and str(hub_cache) in msg
    assert 'huggingface.co/facebook/sapiens-normal-0.6b' in msg
    with pytest.raises(CheckpointError, match='Did you mean sapiens_0.3b_pose_goliath'):
        resolve_checkpoint('sapiens_0.3b_pose_golith')
    with pytest.raises(CheckpointError, match='nope.pth: checkpoint file not found'):
        resolve_checkpoint('nope.pth')


@pytest.fixture(scope='module')
def seg_ckpt(tmp_path_factory):
    d = tmp_path_factory.mktemp('seg')
    cfg = tiny_config('seg')
    return cfg, write_task_checkpoints(str(d), {'seg': cfg})['seg']


def test_task_checkpoint_as_pth_and_safetensors(seg_ckpt, tmp_path):
    cfg, path = seg_ckpt
    st = str(tmp_path / 'seg.safetensors')
    saved = save_model_checkpoint(path, st)
    assert 'decode_head.conv_seg.weight' in saved
    x = torch.randn(1, 3, 64, 48)
    outs = []
    for p in (path, st):
        m = build(cfg)
        info = load_model_weights(m, p)
        assert info['missing'] == []
        outs.append(m.eval()._forward(x))
    assert torch.equal(outs[0], outs[1])
    assert not torch.equal(outs[0], build(cfg).eval()._forward(x))


def test_pretrain_file_fills_only_the_backbone(seg_ckpt, tmp_path, monkeypatch):
    cfg, path = seg_ckpt
    sd = torch.load(path, weights_only=True)['state_dict']
    flat = {k[len('backbone.'):]: v for k, v in sd.items() if k.startswith('backbone.')}
    clean = tmp_path / 'tiny_clean.pth'
    torch.save(flat, clean)
    m = build(cfg)
    reads = []
    real_torch_load = torch.load
    monkeypatch.setattr(torch, 'load', lambda *a, **k: reads.append(a[0]) or real_torch_load(
        *a, **k))
    info = load_model_weights(m, str(clean))
    assert reads == [str(clean)]  # read from disk once (8 GB for the 2B model), not twice
    assert 'backbone.ln1.weight' in info['loaded']
    assert torch.equal(m.backbone.layers[1].attn.qkv.weight,
                       sd['backbone.layers.1.attn.qkv.weight'])
    assert not torch.equal(m.decode_head.conv_seg.weight, sd['decode_head.conv_seg.weight'])


def test_wrong_size_or_task_is_an_error(seg_ckpt, tmp_path):
    cfg, path = seg_ckpt
    depth = build(tiny_config('depth'))
    with pytest.raises(CheckpointError, match='seg.pth: has no weights for'):
        load_model_weights(depth, path)
    other = tiny_config('seg', head_channels=16)
    with pytest.raises(CheckpointError, match=r'seg.pth: \d+ shape mismatches'):
        load_model_weights(build(other), path)


def test_sapiens2_pretrain_names():
    s2 = {n: e for n, e in MODEL_ZOO.items() if e.family == 'sapiens2' and e.task == 'pretrain'}
    assert set(s2) == {'sapiens2_0.1b_pretrain', 'sapiens2_0.4b_pretrain',
                       'sapiens2_0.8b_pretrain', 'sapiens2_1b_pretrain', 'sapiens2_5b_pretrain',
                       'sapiens2_1b_4k_pretrain'}
    for name, e in s2.items():
        assert e.task == 'pretrain' and e.config is None
        assert e.repo == f'facebook/sapiens2-pretrain-{e.size}'
        assert e.filename == f'{name}.safetensors'
    assert MODEL_ZOO['sapiens2_1b_4k_pretrain'].repo == 'facebook/sapiens2-pretrain-1b-4k'


def test_sapiens2_task_names_and_their_configs():
    from sapiens_mm.checkpoint.model_zoo import zoo_config
    tasks = {n: e for n, e in MODEL_ZOO.items() if e.family == 'sapiens2' and e.task != 'pretrain'}
    sizes = ('0.4b', '0.8b', '1b', '5b')
    expected = {f'sapiens2_{s}_{t}' for s in sizes for t in ('pose', 'seg', 'normal')}
    assert expected <= set(tasks)
    for name in expected:
        e = tasks[name]
        assert e.repo == f'facebook/sapiens2-{e.task}-{e.size}'
        assert e.filename == f'sapiens2_{e.size}_{e.task}.safetensors'
        cfg = open(zoo_config(name)).read()
        assert f"sapiens2_{e.size}" in cfg or e.size == '0.4b'  # sizes inherit the 0.4B file


def test_sapiens2_release_layout_root_and_offline_hub_cache(tmp_path, hub_cache, monkeypatch):
    """``$SAPIENS_CHECKPOINT_ROOT/pretrain/<file>`` (the Sapiens2 release's sapiens2_host
    layout), else the Hub cache offline."""
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    entry = MODEL_ZOO['sapiens2_0.4b_pretrain']
    snap = add_to_hub_cache(hub_cache, entry.repo, entry.filename, b'hub')
    assert os.path.samefile(resolve_checkpoint('sapiens2_0.4b_pretrain'), snap)
    root = tmp_path / 'sapiens2_host'
    (root / 'pretrain').mkdir(parents=True)
    (root / 'pretrain' / entry.filename).write_bytes(b'local')
    monkeypatch.setenv('SAPIENS_CHECKPOINT_ROOT', str(root))
    assert resolve_checkpoint('sapiens2_0.4b_pretrain') == str(root / 'pretrain' / entry.filename)
    with pytest.raises(CheckpointError, match='sapiens2_host/pretrain/sapiens2_5b_pretrain'):
        resolve_checkpoint('sapiens2_5b_pretrain')

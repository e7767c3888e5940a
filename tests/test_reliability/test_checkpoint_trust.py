"""Every checkpoint path form is read weights-only, and weights that do not fit are refused.

The malicious checkpoint is a pickle whose ``__reduce__`` would create a file when unpickled;
each test asserts the file is never created and the error names the path as the user gave it.
URLs are served from a pre-filled torch hub cache (``TORCH_HOME`` -> tmp): no network.
"""
import os

import pytest
import torch
from mmengine.registry import MODELS

from sapiens_mm.checkpoint import CheckpointError, load_checkpoint_file, load_model_weights
from sapiens_mm.checkpoint.loading import url_cache_path

URL = 'https://example.invalid/models/evil_epoch_1.pth'
TINY = dict(type='SapiensViT', arch='sapiens_tiny', img_size=(32, 32), patch_cfg=dict(padding=2))


class _Evil:
    """Unpickling calls ``open(marker, 'w')``: the marker file appears iff code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, 'w'))


def write_evil(path, marker):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    torch.save({'state_dict': {'w': torch.zeros(1)}, 'x': _Evil(str(marker))}, str(path))
    return str(path)


@pytest.fixture
def marker(tmp_path):
    m = tmp_path / 'PWNED'
    yield m
    assert not m.exists(), 'the checkpoint pickle ran code'


@pytest.fixture
def hub_url(tmp_path, monkeypatch, marker):
    """URL whose file sits in torch hub's cache (the loader must not download it again)."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    write_evil(url_cache_path(URL), marker)
    assert str(tmp_path / 'torch_home') in url_cache_path(URL)
    return URL


def test_sanity_the_pickle_does_run_code_without_weights_only(tmp_path):
    path = write_evil(tmp_path / 'e.pth', tmp_path / 'ran')
    torch.load(path, weights_only=False)
    assert (tmp_path / 'ran').exists()


def test_local_path(tmp_path, marker):
    path = write_evil(tmp_path / 'evil.pth', marker)
    with pytest.raises(CheckpointError, match=r'evil\.pth: its pickle calls code outside the '
                       r'weights-only allow-list \(blocked global `io\.open`\); it was refused '
                       r'unread'):
        load_checkpoint_file(path)


def test_home_path(tmp_path, marker, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    write_evil(tmp_path / 'ck' / 'evil.pth', marker)
    with pytest.raises(CheckpointError, match=r'~/ck/evil\.pth'):
        load_checkpoint_file('~/ck/evil.pth')


def test_url_from_the_hub_cache(hub_url, marker):
    with pytest.raises(CheckpointError, match=r'https://example\.invalid/models/evil_epoch_1'
                                              r'\.pth \(cached as .*weights-only allow-list'):
        load_checkpoint_file(hub_url)


def test_url_through_mmengine_loader(hub_url, marker):
    """What Runner.load_checkpoint / resume and mmengine's PretrainedInit call."""
    from mmengine.runner.checkpoint import CheckpointLoader
    with pytest.raises(CheckpointError, match='example.invalid'):
        CheckpointLoader.load_checkpoint(hub_url, map_location='cpu')


def test_url_as_pretrained_init_cfg(hub_url, marker):
    m = MODELS.build(dict(TINY, init_cfg=dict(type='Pretrained', checkpoint=hub_url)))
    with pytest.raises(CheckpointError, match='example.invalid'):
        m.init_weights()


def test_url_in_mmengine_pretrained_init_of_any_module(hub_url, marker):
    from mmengine.model import BaseModule

    class Head(BaseModule):
        def __init__(self):
            super().__init__(init_cfg=dict(type='Pretrained', checkpoint=hub_url))
            self.fc = torch.nn.Linear(2, 2)

    with pytest.raises(CheckpointError, match='example.invalid'):
        Head().init_weights()


def test_released_model_name(tmp_path, marker, monkeypatch):
    from sapiens_mm.checkpoint import MODEL_ZOO
    entry = MODEL_ZOO['sapiens_0.3b_depth']
    monkeypatch.setenv('SAPIENS_MM_CHECKPOINTS', str(tmp_path / 'zoo'))
    write_evil(tmp_path / 'zoo' / entry.filename, marker)
    with pytest.raises(CheckpointError, match='sapiens_0.3b_depth'):
        load_checkpoint_file('sapiens_0.3b_depth')


def test_pickle_named_safetensors(tmp_path, marker):
    path = write_evil(tmp_path / 'evil.safetensors', marker)
    with pytest.raises(CheckpointError, match=r'evil\.safetensors: cannot be read'):
        load_checkpoint_file(path)


def test_task_model_loader_and_inferencers(tmp_path, hub_url, marker):
    """load_model_weights (tools/infer.py, tools/test.py), build_task_model (the inferencer,
    tools/pose_demo.py, export) and FeatureExtractor (tools/extract_features.py)."""
    from sapiens_mm.apis import FeatureExtractor, build_task_model
    from tests.helpers.tiny_task_models import tiny_config
    cfg = tiny_config('pose', (32, 32))
    with pytest.raises(CheckpointError, match='example.invalid'):
        build_task_model(cfg, hub_url, 'cpu')
    with pytest.raises(CheckpointError, match='example.invalid'):
        FeatureExtractor(cfg, hub_url)
    with pytest.raises(CheckpointError, match=r'evil\.pth'):
        load_model_weights(torch.nn.Linear(1, 1), write_evil(tmp_path / 'evil.pth', marker))


def test_unsupported_scheme_is_refused(tmp_path):
    with pytest.raises(CheckpointError, match=r'ftp://x/y\.pth: unsupported checkpoint location'):
        load_checkpoint_file('ftp://x/y.pth')


def test_missing_file_is_a_checkpoint_error_and_a_file_not_found_error(tmp_path):
    from mmengine.runner.checkpoint import CheckpointLoader
    for load in (load_checkpoint_file, CheckpointLoader.load_checkpoint):
        with pytest.raises(CheckpointError, match=r'gone\.pth: checkpoint file not found') as e:
            load(str(tmp_path / 'gone.pth'))
        assert isinstance(e.value, FileNotFoundError)


def test_empty_file(tmp_path):
    (tmp_path / 'empty.pth').write_bytes(b'')
    with pytest.raises(CheckpointError, match=r'empty\.pth: empty file'):
        load_checkpoint_file(str(tmp_path / 'empty.pth'))


def test_nan_weights_are_refused_naming_the_tensors(tmp_path):
    m = MODELS.build(TINY)
    sd = {f'backbone.{k}': v.clone() for k, v in m.state_dict().items()}
    sd['backbone.layers.0.attn.qkv.weight'][0, 0] = float('nan')
    sd['backbone.ln1.bias'][1] = float('inf')
    sd['head.w'] = torch.zeros(2)
    path = tmp_path / 'diverged.pth'
    torch.save({'state_dict': sd}, path)
    with pytest.raises(CheckpointError, match=r'diverged\.pth: 2 tensor\(s\) hold NaN/inf.*'
                                              r'layers\.0\.attn\.qkv\.weight \(1\)'):
        load_model_weights(torch.nn.Linear(1, 1), str(path))
    from mmengine.runner.checkpoint import CheckpointLoader
    with pytest.raises(CheckpointError, match='NaN/inf'):  # load_from / resume path
        CheckpointLoader.load_checkpoint(str(path))


def test_a_good_url_checkpoint_loads_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'th'))
    url = 'https://example.invalid/good.pth'
    os.makedirs(os.path.dirname(url_cache_path(url)))
    torch.save({'state_dict': {'weight': torch.ones(2, 1), 'bias': torch.zeros(2)}},
               url_cache_path(url))
    lin = torch.nn.Linear(1, 2)
    load_model_weights(lin, url, strict=True)
    assert torch.equal(lin.weight, torch.ones(2, 1))


def test_hf_hub_file_from_a_prefilled_cache(tmp_path, monkeypatch, marker):
    """``hf://OWNER/REPO/FILE``: served offline from a Hugging Face cache laid out by hand."""
    pytest.importorskip('huggingface_hub')
    cache = tmp_path / 'hf'
    repo = cache / 'models--someone--evil-model'
    commit = 'a' * 40
    (repo / 'refs').mkdir(parents=True)
    (repo / 'refs' / 'main').write_text(commit)
    write_evil(repo / 'snapshots' / commit / 'model.pth', marker)
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    import huggingface_hub.constants as hf_constants
    monkeypatch.setattr(hf_constants, 'HF_HUB_CACHE', str(cache))
    monkeypatch.setattr(hf_constants, 'HF_HUB_OFFLINE', True)
    with pytest.raises(CheckpointError, match=r'hf://someone/evil-model/model\.pth \(cached as '
                                              r'.*allow-list'):
        load_checkpoint_file('hf://someone/evil-model/model.pth')


def test_mmengine_named_model_resolves_to_its_url_in_the_hub_cache(tmp_path, monkeypatch,
                                                                    marker):
    """``torchvision://resnet18`` ends in mmengine's load_from_http (weights_only=False)."""
    from mmengine.runner import checkpoint as mm
    from mmengine.runner.checkpoint import CheckpointLoader
    url = 'https://example.invalid/resnet18-f37072fd.pth'
    monkeypatch.setattr(mm, 'get_torchvision_models', lambda: {'resnet18': url})
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'th'))
    write_evil(url_cache_path(url), marker)
    with pytest.raises(CheckpointError, match=r'torchvision://resnet18 \(cached as'):
        CheckpointLoader.load_checkpoint('torchvision://resnet18')


def test_inferencer_takes_a_url_checkpoint(tmp_path, hub_url, marker):
    """tools/infer.py --task CONFIG URL: resolved like every other loader (and refused)."""
    from sapiens_mm.apis import SapiensInferencer
    from tests.helpers.tiny_task_models import tiny_config
    with pytest.raises(CheckpointError, match=r'https://example\.invalid/.*allow-list'):
        SapiensInferencer([(tiny_config('seg', (32, 32)), hub_url)])

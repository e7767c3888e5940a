"""``tools/infer.py`` with the released pointmap name ``sapiens2_0.4b_pointmap``, its file found
offline in the Sapiens2 release's ``$SAPIENS_CHECKPOINT_ROOT/pointmap/`` folder or in the Hugging
Face cache, holding random weights in the release's key names: the three files per image, and a
PLY that the third-party reader ``plyfile`` opens. The tiny architecture stands in for 0.4B:
``--model NAME`` runs in this process with the zoo entry's config pointed at the tiny config;
``--task CONFIG NAME`` (the name as the checkpoint of the tiny config) runs the real script in a
subprocess."""
import dataclasses
import importlib.util
import os
import re
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from plyfile import PlyData
from safetensors.torch import save_file

from tests.helpers.hub_cache import add_to_hub_cache

NAME = 'sapiens2_0.4b_pointmap'
TINY = 'configs/sapiens2_pointmap/synthetic/sapiens2_tiny_pointmap_synthetic-128x96.py'
#: the release's key names of a pointmap task file (sapiens/dense/src/models/heads/pointmap_head.py)
RELEASE_KEY = re.compile(r'backbone\..+|decode_head\.(input_conv\.0|upsample_blocks\.\d\.0|'
                         r'conv_layers\.\d|scale_conv_layers\.\d|scale_final_layer\.\d|'
                         r'conv_pointmap)\.(weight|bias)')


@pytest.fixture(scope='module')
def release_file(tmp_path_factory):
    """The tiny pointmap model's random weights as the release stores a task file."""
    import sapiens_mm
    from mmengine.config import Config
    from mmengine.registry import MODELS, init_default_scope
    sapiens_mm.register_all()
    cfg = Config.fromfile(TINY)
    cfg.model.backbone.init_cfg = None
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    sd = {k: v.contiguous() for k, v in model.state_dict().items()}
    assert all(RELEASE_KEY.fullmatch(k) for k in sd), [k for k in sd
                                                       if not RELEASE_KEY.fullmatch(k)]
    path = tmp_path_factory.mktemp('weights') / f'{NAME}.safetensors'
    save_file(sd, str(path))
    return path


def _check_outputs(out, image, stem):
    img = cv2.imread(str(image))
    pointmap = np.load(out / f'{stem}_pointmap.npy')
    depth = np.load(out / f'{stem}_depth.npy')
    assert pointmap.shape == img.shape[:2] + (3, ) and pointmap.dtype == np.float32
    assert depth.shape == img.shape[:2] and depth.dtype == np.float32
    assert np.isfinite(pointmap).all()
    np.testing.assert_array_equal(depth, pointmap[..., 2])
    vertex = PlyData.read(str(out / f'{stem}.ply'))['vertex']
    person = np.ones(img.shape[:2], bool)  # no segmentation model: every pixel (the release)
    n = int(person.sum())
    assert vertex.count == n + 500  # + the release's camera marker
    xyz = np.stack([vertex['x'], vertex['y'], vertex['z']], axis=1)
    np.testing.assert_array_equal(xyz[:n], pointmap[person])
    rgb = np.stack([vertex['red'], vertex['green'], vertex['blue']], axis=1)
    np.testing.assert_array_equal(rgb[:n], img[person][:, ::-1])
    return pointmap


@pytest.mark.parametrize('where', ['release_root', 'hub_cache'])
def test_released_pointmap_name_writes_the_three_files(tmp_path, repo_root, release_file,
                                                       where, monkeypatch):
    env = dict(os.environ, HF_HUB_OFFLINE='1', SAPIENS_MM_CHECKPOINTS=str(tmp_path / 'none'),
               PYTHONPATH=str(repo_root) + os.pathsep + os.environ.get('PYTHONPATH', ''))
    env.pop('SAPIENS_CHECKPOINT_ROOT', None)
    image = tmp_path / 'in' / 'person.jpg'
    image.parent.mkdir()
    cv2.imwrite(str(image), np.random.default_rng(0).integers(0, 256, (90, 70, 3), np.uint8))
    out = tmp_path / 'out'
    args = [str(image), '--out', str(out), '--device', 'cpu', '--precision', 'fp32',
            '--engine', 'torch']
    if where == 'release_root':  # ~/sapiens2_host/pointmap/sapiens2_0.4b_pointmap.safetensors
        root = tmp_path / 'sapiens2_host'
        (root / 'pointmap').mkdir(parents=True)
        os.link(release_file, root / 'pointmap' / release_file.name)
        for key in ('HF_HUB_OFFLINE', 'SAPIENS_MM_CHECKPOINTS'):
            monkeypatch.setenv(key, env[key])
        monkeypatch.setenv('SAPIENS_CHECKPOINT_ROOT', str(root))
        from sapiens_mm.checkpoint import model_zoo
        monkeypatch.setitem(model_zoo.MODEL_ZOO, NAME, dataclasses.replace(
            model_zoo.MODEL_ZOO[NAME], config=TINY[len('configs/'):]))  # as metafiles name it
        spec = importlib.util.spec_from_file_location('infer_tool', os.path.join(
            repo_root, 'tools', 'infer.py'))
        tool = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(tool)
        assert tool.main(args + ['--model', NAME]) == 0
    else:  # facebook/sapiens2-pointmap-0.4b in the Hub cache; --task CONFIG NAME
        env['HF_HUB_CACHE'] = str(tmp_path / 'hub')
        add_to_hub_cache(env['HF_HUB_CACHE'], 'facebook/sapiens2-pointmap-0.4b',
                         release_file.name, release_file.read_bytes())
        run = subprocess.run([sys.executable, 'tools/infer.py', *args, '--task', TINY, NAME],
                             capture_output=True, text=True, cwd=repo_root, env=env,
                             timeout=600)
        assert run.returncode == 0, (run.stdout[-3000:], run.stderr[-3000:])
        assert '1 images (pointmap' in run.stdout
    pointmap = _check_outputs(out, image, 'person')
    for pic in ('pointmap', 'pointmap_normal', 'panel'):
        assert (out / f'person_{pic}.jpg').is_file()

    # the file's weights made the map: the same inferencer on those weights in this process
    from sapiens_mm.apis import SapiensInferencer
    ref = SapiensInferencer([(TINY, str(release_file))], device='cpu', precision='fp32')
    expected = ref(str(image))['predictions'][0]['pointmap']
    # (the RoPE's bf16 rounding turns the two processes' last-bit differences into ~1e-4)
    assert np.abs(pointmap - expected).max() <= 1e-3 * np.abs(expected).max()

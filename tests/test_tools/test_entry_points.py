"""tools/train.py, tools/test.py and the dist_*.sh launchers, end to end on CPU.

The toy task of :mod:`toy_model` trains through ``tools/train.py`` (default_scope none), is
resumed with ``--resume`` under torch's weights-only ``torch.load`` default and evaluated with
``tools/test.py``; real mmpose and mmseg models with a tiny Sapiens backbone train through the
same entry point on a few generated images. The tools run as subprocesses from the repo root.
"""
import argparse
import importlib
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint

from sapiens_mm.engine.runner import (load_test_config, load_train_config, parse_test_args,
                             parse_train_args)
from sapiens_mm.checkpoint.safe_globals import register_safe_globals, safe_globals_list
from tests.helpers.logs import log_records, messages

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

TOY_CONFIG = """
custom_imports = dict(imports=['toy_model'], allow_failed_imports=False)
model = dict(type='ToyRegressor')
_loader = dict(batch_size=4, num_workers=0, collate_fn=dict(type='default_collate'),
               dataset=dict(type='ToyRegressionDataset'))
train_dataloader = dict(**_loader, sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(**_loader, sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
val_evaluator = dict(type='ToyMSE')
test_evaluator = val_evaluator
train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=1)
val_cfg = dict()
test_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
param_scheduler = dict(type='MultiStepLR', milestones=[1, 2], by_epoch=True)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', interval=1, save_best='toy/mse', rule='less'))
randomness = dict(seed=0)
"""


def _qualname(obj):
    return f'{obj.__module__}.{obj.__qualname__}'


#: What a weights-only load of the toy checkpoint needs beyond torch's defaults: the message
#: hub's HistoryBuffers (with their statistics methods, pickled as getattr(HistoryBuffer, ...))
#: of float64/int64 arrays, the float32/uint8 arrays of the dataset metainfo, and the numpy
#: float64 ``best_score``. Spelled for the installed numpy (1.x writes numpy.core.*).
_MULTIARRAY = 'numpy._core.multiarray' if np.__version__ >= '2' else 'numpy.core.multiarray'
TOY_NEEDED = {
    'mmengine.logging.history_buffer.HistoryBuffer', 'builtins.getattr', 'numpy.ndarray',
    'numpy.dtype', f'{_MULTIARRAY}._reconstruct', f'{_MULTIARRAY}.scalar',
    *(_qualname(type(np.dtype(t))) for t in ('f8', 'i8', 'f4', 'u1'))}


def run_tool(tool, *args, timeout=120):
    """Run ``tools/<tool>`` with this interpreter from the repo root; return its output."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(HERE), os.environ.get('PYTHONPATH', '')]).rstrip(os.pathsep))
    proc = subprocess.run([sys.executable, str(REPO / 'tools' / tool), *map(str, args)],
                          cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, f'{tool} {args} failed:\n{proc.stdout[-6000:]}'
    return proc.stdout


@pytest.fixture(scope='module')
def toy_run(tmp_path_factory):
    """Two epochs of the toy task through tools/train.py: (config, work_dir, output)."""
    root = tmp_path_factory.mktemp('toy')
    config = root / 'toy_regression.py'
    config.write_text(TOY_CONFIG)
    work_dir = root / 'work'
    return config, work_dir, run_tool('train.py', config, '--work-dir', work_dir)


def test_train_two_epochs(toy_run):
    _, work_dir, out = toy_run
    assert 'Epoch(train) [2][2/2]' in out
    assert (work_dir / 'epoch_2.pth').is_file()
    assert (work_dir / 'last_checkpoint').read_text().strip().endswith('epoch_2.pth')


def test_resume_continues_at_epoch_3(toy_run):
    config, work_dir, _ = toy_run
    out = run_tool('train.py', config, '--work-dir', work_dir, '--resume',
                   '--cfg-options', 'train_cfg.max_epochs=3')
    assert 'Auto resumed from the latest checkpoint' in out
    assert 'resumed epoch: 2, iter: 4' in out
    assert 'Epoch(train) [3][2/2]' in out
    assert 'Epoch(train) [1]' not in out
    assert torch.load(work_dir / 'epoch_3.pth', weights_only=True)['meta']['epoch'] == 3


def needed_globals(path):
    """Names of the globals a weights-only load of ``path`` needs beyond torch's defaults,
    found as by hand: load with an empty allow-list, allow what the error names, repeat."""
    saved = torch.serialization.get_safe_globals()
    torch.serialization.clear_safe_globals()
    found = set()
    try:
        while True:
            try:
                torch.load(path, weights_only=True)
                return found
            except pickle.UnpicklingError as e:
                match = re.search(r"GLOBAL (\S+) was not an allowed|but got <class '([^']+)'>",
                                  str(e))
                assert match, e
                name = match.group(1) or match.group(2)
                assert name not in found, e
                module, _, attr = name.rpartition('.')
                if not module:  # torch strips the module from builtins' names
                    module, name = 'builtins', f'builtins.{name}'
                found.add(name)
                torch.serialization.add_safe_globals(
                    [(getattr(importlib.import_module(module), attr), name)])
    finally:
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals(saved)


def registered_names():
    """The names :func:`register_safe_globals` allow-lists."""
    return {e[1] if isinstance(e, tuple) else _qualname(e) for e in safe_globals_list()}


def test_checkpoint_loads_weights_only(toy_run):
    """The checkpoint needs exactly the numpy/mmengine globals found for mmengine checkpoints,
    all of them registered, and then loads with ``weights_only=True``."""
    ckpt = toy_run[1] / 'epoch_2.pth'
    needed = needed_globals(ckpt)
    assert needed == TOY_NEEDED
    assert needed <= registered_names()
    register_safe_globals()
    ckpt_dict = torch.load(ckpt, weights_only=True)
    assert ckpt_dict['meta']['epoch'] == 2
    assert ckpt_dict['meta']['dataset_meta']['sigmas'].dtype == np.float32
    assert isinstance(ckpt_dict['message_hub']['runtime_info']['best_score'], np.float64)


def test_weights_only_still_rejects_other_globals(tmp_path):
    register_safe_globals()
    path = tmp_path / 'unsafe.pth'
    torch.save({'state_dict': {'w': torch.zeros(1)}, 'meta': argparse.Namespace(lr=.1)}, path)
    with pytest.raises(pickle.UnpicklingError, match='argparse.Namespace'):
        torch.load(path, weights_only=True)
    # mmengine's resume/load_from path: sapiens_mm's weights-only loader, one clear error
    from sapiens_mm.checkpoint import CheckpointError
    with pytest.raises(CheckpointError, match=r'unsafe\.pth: .*allow-list '
                       r'\(blocked global `argparse\.Namespace`\)'):
        _load_checkpoint(str(path), map_location='cpu')
    # getattr is allowed only for the HistoryBuffer statistics methods.
    torch.save({'f': HistoryBuffer.register_statistics}, path)
    with pytest.raises(pickle.UnpicklingError, match="'register_statistics'.* not allowed"):
        torch.load(path, weights_only=True)


def test_other_numpy_major_checkpoint_loads(tmp_path):
    """Checkpoints written under the other numpy major (numpy.core vs numpy._core) load too."""
    register_safe_globals()
    torch.save({'a': np.arange(3.), 's': np.float32(2), 'w': torch.ones(2)}, tmp_path / 'np.pth')
    other = {'numpy._core.multiarray': b'numpy.core.multiarray',
             'numpy.core.multiarray': b'numpy._core.multiarray'}[_MULTIARRAY]
    with zipfile.ZipFile(tmp_path / 'np.pth') as src, \
            zipfile.ZipFile(tmp_path / 'other_np.pth', 'w') as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith('/data.pkl'):
                assert _MULTIARRAY.encode() in data
                data = data.replace(_MULTIARRAY.encode(), other)
            dst.writestr(info, data)
    loaded = torch.load(tmp_path / 'other_np.pth', weights_only=True)
    assert loaded['a'].tolist() == [0., 1., 2.] and loaded['s'] == np.float32(2)


def test_register_safe_globals_is_idempotent():
    register_safe_globals()
    before = set(map(str, torch.serialization.get_safe_globals()))
    register_safe_globals()
    assert set(map(str, torch.serialization.get_safe_globals())) == before
    names = {e[1] for e in safe_globals_list() if isinstance(e, tuple)}
    assert {'numpy.core.multiarray._reconstruct', 'numpy._core.multiarray.scalar'} <= names


def test_test_tool_reports_metrics(toy_run, tmp_path):
    config, work_dir, _ = toy_run
    preds = tmp_path / 'preds.pkl'
    out = run_tool('test.py', config, work_dir / 'epoch_2.pth', '--work-dir', tmp_path,
                   '--out', preds)
    assert 'Loaded 2/2 tensors of ToyRegressor from' in out and 'Epoch(test) [2/2]' in out
    assert 'toy/mse:' in out
    with open(preds, 'rb') as f:
        assert len(pickle.load(f)) == 8


def _write_pose_data(root):
    """Two 32x32 images with one COCO-17 person box each, as mmpose's CocoDataset reads."""
    import cv2
    (root / 'img').mkdir()
    keypoints = [v for k in range(17) for v in (8 + 4 * (k % 4), 6 + 4 * (k // 4), 2)]
    images, annotations = [], []
    for i in (1, 2):
        cv2.imwrite(str(root / 'img' / f'{i}.png'), np.full((32, 32, 3), 40 * i, np.uint8))
        images.append(dict(id=i, file_name=f'{i}.png', height=32, width=32))
        annotations.append(dict(id=i, image_id=i, category_id=1, bbox=[4, 4, 24, 24],
                                area=576, iscrowd=0, num_keypoints=17, keypoints=keypoints))
    (root / 'ann.json').write_text(json.dumps(dict(
        images=images, annotations=annotations,
        categories=[dict(id=1, name='person', supercategory='person')])))


def _write_seg_data(root):
    """Two 32x32 images with two-class masks, as mmseg's BaseSegDataset reads."""
    import cv2
    (root / 'img').mkdir()
    (root / 'ann').mkdir()
    for i in (1, 2):
        cv2.imwrite(str(root / 'img' / f'{i}.png'), np.full((32, 32, 3), 40 * i, np.uint8))
        mask = np.zeros((32, 32), np.uint8)
        mask[8:24, 8:24] = 1
        cv2.imwrite(str(root / 'ann' / f'{i}.png'), mask)


_BACKBONE = "dict(type='SapiensViT', arch='sapiens_tiny', img_size=(32, 32))"
_NORM = "mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True"
_COMMON = """
train_cfg = dict(by_epoch=True, max_epochs=1)
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-4))
default_hooks = dict(logger=dict(type='LoggerHook', interval=1))
"""
SCOPED_CONFIGS = {
    'mmpose': (_write_pose_data, f"""
default_scope = 'mmpose'
codec = dict(type='MSRAHeatmap', input_size=(32, 32), heatmap_size=(8, 8), sigma=2)
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor', {_NORM}),
    backbone={_BACKBONE},
    head=dict(type='HeatmapHead', in_channels=128, out_channels=17,
              deconv_out_channels=(32, 32), deconv_kernel_sizes=(4, 4), decoder=codec))
train_dataloader = dict(
    batch_size=2, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='CocoDataset', data_root='{{root}}', ann_file='ann.json',
                 data_prefix=dict(img='img/'), pipeline=[
                     dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
                     dict(type='TopdownAffine', input_size=(32, 32)),
                     dict(type='GenerateTarget', encoder=codec), dict(type='PackPoseInputs')]))
""" + _COMMON),
    'mmseg': (_write_seg_data, f"""
default_scope = 'mmseg'
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(type='SegDataPreProcessor', {_NORM}, size=(32, 32)),
    backbone={_BACKBONE},
    decode_head=dict(type='FCNHead', in_channels=128, channels=32, num_convs=1,
                     num_classes=2, loss_decode=dict(type='CrossEntropyLoss')))
train_dataloader = dict(
    batch_size=2, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='BaseSegDataset', data_root='{{root}}', img_suffix='.png',
                 seg_map_suffix='.png', data_prefix=dict(img_path='img', seg_map_path='ann'),
                 metainfo=dict(classes=('background', 'person'),
                               palette=[[0, 0, 0], [255, 255, 255]]),
                 pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
                           dict(type='PackSegInputs')]))
""" + _COMMON),
}


@pytest.mark.parametrize('scope', sorted(SCOPED_CONFIGS))
def test_scoped_config_trains_through_train_py(scope, tmp_path):
    """Scope-specific models with a sapiens_mm backbone build and train; their checkpoints
    (real dataset metainfo included) load weights-only with the registered globals."""
    write_data, config_text = SCOPED_CONFIGS[scope]
    write_data(tmp_path)
    config = tmp_path / f'{scope}_tiny.py'
    config.write_text(config_text.replace('{root}', str(tmp_path)))
    out = run_tool('train.py', config, '--work-dir', tmp_path / 'work')
    assert 'Saving checkpoint at 1' in out
    assert needed_globals(tmp_path / 'work' / 'epoch_1.pth') <= registered_names()


def _args(parse, *argv):
    return parse([str(a) for a in argv])


@pytest.fixture
def plain_config(tmp_path):
    path = tmp_path / 'plain.py'
    path.write_text("optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))\n"
                    "load_from = 'pretrained.pth'\n")
    return path


def test_train_config_flags(plain_config):
    cfg = load_train_config(_args(parse_train_args, plain_config))
    assert cfg.work_dir == os.path.join('./work_dirs', 'plain')
    assert cfg.launcher == 'none' and 'resume' not in cfg
    assert cfg.load_from == 'pretrained.pth'
    cfg = load_train_config(_args(parse_train_args, plain_config, '--resume', '--amp',
                             '--work-dir', 'w', '--launcher', 'pytorch',
                             '--cfg-options', 'optim_wrapper.optimizer.lr=0.5'))
    assert cfg.resume is True and cfg.load_from is None
    assert cfg.work_dir == 'w' and cfg.launcher == 'pytorch'
    # --amp: fp16 AmpOptimWrapper with CUDA, bf16 AutocastOptimWrapper without.
    amp = (dict(type='AmpOptimWrapper', loss_scale='dynamic') if torch.cuda.is_available() else
           dict(type='AutocastOptimWrapper', dtype='bfloat16'))
    assert cfg.optim_wrapper == dict(**amp, optimizer=dict(type='SGD', lr=0.5))
    cfg = load_train_config(_args(parse_train_args, plain_config, '--resume', 'x/epoch_3.pth'))
    assert cfg.resume is True and cfg.load_from == 'x/epoch_3.pth'


def test_amp_flag_on_amp_config_warns(plain_config):
    with log_records() as records:
        cfg = load_train_config(_args(parse_train_args, plain_config, '--amp', '--cfg-options',
                                 'optim_wrapper.type=AmpOptimWrapper',
                                 'optim_wrapper.loss_scale=512.'))
    assert cfg.optim_wrapper.loss_scale == 512.
    assert 'already uses AmpOptimWrapper' in messages(records)
    with pytest.raises(ValueError, match='ApexOptimWrapper'):
        load_train_config(_args(parse_train_args, plain_config, '--amp', '--cfg-options',
                           'optim_wrapper.type=ApexOptimWrapper'))


def test_test_config(plain_config):
    cfg = load_test_config(_args(parse_test_args, plain_config, 'ckpt.pth', '--cfg-options',
                            'work_dir=from_options'))
    assert isinstance(cfg, Config)
    # load_from is cleared: tools/test.py loads the checkpoint strictly (load_test_weights)
    assert cfg.load_from is None and cfg.work_dir == 'from_options'


@pytest.mark.parametrize('script,argv,expected', [
    ('dist_train.sh', ['cfg.py', '4', '--amp'],
     ['tools/train.py', 'cfg.py', '--launcher', 'pytorch', '--amp']),
    ('dist_test.sh', ['cfg.py', 'ckpt.pth', '2', '--out', 'p.pkl'],
     ['tools/test.py', 'cfg.py', 'ckpt.pth', '--launcher', 'pytorch', '--out', 'p.pkl']),
    ('dist_infer.sh', ['imgs/', '3', '--out', 'o/'],
     ['tools/infer.py', 'imgs/', '--launcher', 'pytorch', '--out', 'o/']),
])
def test_dist_scripts_call_torchrun(script, argv, expected, tmp_path):
    """The launchers run ``<repo>/.venv/bin/python -m torch.distributed.run`` with the
    node settings from the environment and the tool's arguments after them."""
    (tmp_path / 'tools').mkdir()
    for name in (script, 'dist_launch.sh'):  # the scripts share dist_launch.sh
        shutil.copy(REPO / 'tools' / name, tmp_path / 'tools')
    fake_python = tmp_path / '.venv' / 'bin' / 'python'
    fake_python.parent.mkdir(parents=True)
    fake_python.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    fake_python.chmod(0o755)
    env = dict(os.environ, NNODES='2', NODE_RANK='1', PORT='29999')
    env.pop('MASTER_ADDR', None)
    env.pop('PYTHON', None)
    out = subprocess.run(['bash', str(tmp_path / 'tools' / script), *argv], env=env,
                         stdout=subprocess.PIPE, text=True, check=True).stdout.split('\n')[:-1]
    gpus = argv[2] if script == 'dist_test.sh' else argv[1]
    assert out[:7] == ['-m', 'torch.distributed.run', '--nnodes=2', '--node_rank=1',
                       '--master_addr=127.0.0.1', f'--nproc_per_node={gpus}',
                       '--master_port=29999']
    assert out[7] == str(tmp_path / expected[0]) and out[8:] == expected[1:]


@pytest.mark.parametrize('argv0, module, flag', [
    ('/venv/bin/sapiens-train', 'train', '--resume'),
    ('/venv/bin/sapiens-test', 'test', '--out'),
    ('TOOLS/train.py', 'train', '--amp'),
    ('TOOLS/test.py', 'test', '--show-dir'),
])
def test_runner_tool_help_loads_no_model_library(argv0, module, flag, repo_root):
    """``--help`` of the train/test commands (console or the checkout's tools/) prints the
    usage without importing torch or the OpenMMLab libraries; the options still parse
    ``--cfg-options`` into a dict (mmengine's DictAction, imported when used)."""
    from tests.helpers.tool_runs import help_run
    argv0 = argv0.replace('TOOLS', os.path.join(str(repo_root), 'tools'))
    usage, rc, heavy = help_run(argv0, module, repo_root)
    assert flag in usage and rc == 0 and heavy == [], (usage[-500:], rc, heavy)
    from sapiens_mm.utils.runner_args import parse_train_args
    args = parse_train_args(['c.py', '--cfg-options', 'a.b=1', 'c=[1,2]', 'd=x,y'])
    assert args.cfg_options == {'a.b': 1, 'c': [1, 2], 'd': ['x', 'y']}

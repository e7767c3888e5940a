"""The help-argument trick: an input literally named ``-h`` after ``--``.

The package used to skip registering its weights-only checkpoint loader whenever ``-h`` or
``--help`` was anywhere in ``sys.argv`` (to answer ``--help`` fast). After ``--``, ``-h`` is an
input file, the command builds its models, and mmdet's / mmengine's own checkpoint loaders
(``load_from_http`` with ``weights_only=False``) unpickled a malicious checkpoint. Each test
runs a console command (``setup.py``'s ``console_scripts``) or a ``tools/*.py`` script in a
fresh interpreter, with ``-- -h`` on its command line and a checkpoint whose pickle would
create a marker file: the command exits non-zero, names the blocked global, and the marker
is never created. URLs are served from a pre-filled torch hub cache (``TORCH_HOME``): no
network.
"""
import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.test_reliability.test_checkpoint_trust import write_evil

REPO = Path(__file__).resolve().parents[2]
URL = 'https://example.invalid/detectors/evil_rtmdet.pth'
POSE_CFG = str(REPO / 'configs/sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py')
REFUSED = 'blocked global `io.open`'


def console_scripts() -> dict:
    """``{command: module}`` of setup.py's ``CONSOLE_SCRIPTS`` (read, not imported)."""
    tree = ast.parse((REPO / 'setup.py').read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', '') == \
                'CONSOLE_SCRIPTS':
            entries = ast.literal_eval(node.value)
    out = {}
    for entry in entries:
        name, target = (s.strip() for s in entry.split('='))
        out[name] = target.split(':')[0]
    return out


def rtmdet_config() -> str:
    import mmdet
    return os.path.join(os.path.dirname(mmdet.__file__), '.mim', 'configs', 'rtmdet',
                        'rtmdet_tiny_8xb32-300e_coco.py')


@pytest.fixture
def place(tmp_path):
    """A working folder holding an image ``-h``, a folder ``-h_dir/`` (renamed by the
    curation tests), the evil checkpoint in the hub cache under ``URL``, and the marker path
    the evil pickle would create."""
    work = tmp_path / 'work'
    work.mkdir()
    img = np.random.default_rng(0).integers(0, 255, (40, 30, 3), dtype=np.uint8)
    ok, buf = cv2.imencode('.png', img)
    (work / '-h').write_bytes(buf.tobytes())
    marker = tmp_path / 'PWNED'
    torch_home = tmp_path / 'torch_home'
    write_evil(torch_home / 'hub' / 'checkpoints' / os.path.basename(URL), marker)
    write_evil(work / 'evil.pth', marker)
    yield work, marker, torch_home
    assert not marker.exists(), 'the checkpoint pickle ran code'


def _env(torch_home, *paths):
    return dict(os.environ, TORCH_HOME=str(torch_home), OMP_NUM_THREADS='1',
                PYTHONPATH=os.pathsep.join([str(REPO), *map(str, paths)]))


def run_command(name, args, place, *paths):
    """``sapiens-<name> ARGS`` as its console entry point runs it (``sys.argv[0]`` the
    installed script), in the working folder."""
    work, _, torch_home = place
    module = console_scripts()[name]
    code = (f'import sys\nsys.argv = [{"/venv/bin/" + name!r}] + {list(map(str, args))!r}\n'
            f'from {module} import run\nsys.exit(run())\n')
    return subprocess.run([sys.executable, '-c', code], cwd=work, env=_env(torch_home, *paths),
                          capture_output=True, text=True, timeout=300)


def run_tool(script, args, place, *paths):
    work, _, torch_home = place
    return subprocess.run([sys.executable, str(REPO / 'tools' / script), *map(str, args)],
                          cwd=work, env=_env(torch_home, *paths), capture_output=True,
                          text=True, timeout=300)


def assert_refused(proc, place, where):
    _, marker, _ = place
    assert not marker.exists(), 'the checkpoint pickle ran code'
    assert proc.returncode != 0, proc.stdout[-2000:]
    last = proc.stderr.strip().splitlines()
    assert last and REFUSED in proc.stderr and where in proc.stderr, proc.stderr[-3000:]


def test_every_console_command_is_listed():
    """The tests below cover every command of setup.py (a new one needs its test)."""
    assert set(console_scripts()) == set(COVERED)


def _infer_args():
    return ['--out', 'out', '--task', POSE_CFG, 'none', '--device', 'cpu',
            '--det-config', rtmdet_config(), '--det-checkpoint', URL, '--', '-h']


def _curate_args(work):
    (work / '-h').unlink()
    (work / '-h').mkdir()
    img = np.full((40, 30, 3), 100, np.uint8)
    cv2.imwrite(str(work / '-h' / 'a.png'), img)
    return ['--out-dir', 'curated', '--det-config', rtmdet_config(), '--det-checkpoint', URL,
            '--no-progress', '--', '-h']


def test_sapiens_infer_detector_url(place):
    assert_refused(run_command('sapiens-infer', _infer_args(), place), place, URL)


def test_tools_infer_detector_url(place):
    assert_refused(run_tool('infer.py', _infer_args(), place), place, URL)


def test_tools_pose_demo_detector_url(place):
    args = ['--', '-h', POSE_CFG, 'none', '--out', 'out', '--det-config', rtmdet_config(),
            '--det-checkpoint', URL]
    assert_refused(run_tool('pose_demo.py', args, place), place, URL)


def test_sapiens_curate_detector_url(place):
    assert_refused(run_command('sapiens-curate', _curate_args(place[0]), place), place, URL)


def test_tools_curate_detector_url(place):
    proc = run_tool('curate_human_images.py', _curate_args(place[0]), place)
    assert_refused(proc, place, URL)


TOY_TRAIN = """
custom_imports = dict(imports=['toy_model'], allow_failed_imports=False)
model = dict(type='ToyRegressor')
train_dataloader = dict(batch_size=4, num_workers=0, collate_fn=dict(type='default_collate'),
                        dataset=dict(type='ToyRegressionDataset'),
                        sampler=dict(type='DefaultSampler', shuffle=True))
train_cfg = dict(by_epoch=True, max_epochs=1)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))
load_from = {url!r}
"""


def test_sapiens_train_config_named_h_with_a_url_load_from(place):
    """``sapiens-train -- -h``: the config file is ``-h``; its ``load_from`` is a URL, read by
    mmengine's ``CheckpointLoader``."""
    work = place[0]
    (work / '-h').write_text(TOY_TRAIN.format(url=URL))
    proc = run_command('sapiens-train', ['--work-dir', 'w', '--', '-h'], place,
                       REPO / 'tests' / 'test_tools')
    assert_refused(proc, place, URL)


def test_sapiens_test_checkpoint_named_h(place):
    work = place[0]
    os.replace(work / 'evil.pth', work / '-h')
    proc = run_command('sapiens-test', [POSE_CFG, '--work-dir', 'w', '--', '-h'], place)
    assert_refused(proc, place, '-h')


def test_sapiens_extract_features_checkpoint_url(place):
    proc = run_command('sapiens-extract-features', ['--out', 'o', '--', POSE_CFG, URL, '-h'],
                       place)
    assert_refused(proc, place, URL)


def test_sapiens_export_checkpoint_url(place):
    """export takes no positional argument: ``-- -h`` is refused by argparse, and the
    checkpoint is refused too without it."""
    proc = run_command('sapiens-export', ['--config', POSE_CFG, '--checkpoint', URL, '--out',
                                          'o', '--', '-h'], place)
    assert proc.returncode == 2 and 'unrecognized arguments: -h' in proc.stderr
    proc = run_command('sapiens-export', ['--config', POSE_CFG, '--checkpoint', URL, '--out',
                                          'o', '--format', 'torchscript'], place)
    assert_refused(proc, place, URL)


def test_sapiens_convert_checkpoint_named_h(place):
    work = place[0]
    os.replace(work / 'evil.pth', work / '-h')
    proc = run_command('sapiens-convert-checkpoint', ['--', '-h', 'out.pth'], place)
    assert_refused(proc, place, '-h')


def test_sapiens_clean_pretrain_named_h(place):
    work = place[0]
    os.replace(work / 'evil.pth', work / '-h')
    proc = run_command('sapiens-clean-pretrain', ['--', '-h', 'out.pth'], place)
    assert_refused(proc, place, '-h')


def test_sapiens_distill_teacher_url(place):
    """The student config is the file ``-h``; the teacher checkpoint a URL."""
    work = place[0]
    (work / 'imgs').mkdir()
    cv2.imwrite(str(work / 'imgs' / 'a.png'), np.full((40, 30, 3), 100, np.uint8))
    proc = run_command('sapiens-distill-multitask',
                       ['--images', 'imgs', '--work-dir', 'w', '--labels-only',
                        '--teacher', 'pose', POSE_CFG, URL, '--', '-h'], place)
    assert_refused(proc, place, URL)


@pytest.mark.parametrize('name', ['sapiens-mm', 'sapiens-make-synthetic',
                                  'sapiens-make-backgrounds'])
def test_commands_without_checkpoints_register_the_loader_under_the_trick(name, place):
    """Commands that load no checkpoint: importing them under ``-- -h`` still puts the
    weights-only loader in place (mmengine's ``CheckpointLoader`` schemes are sapiens_mm's)."""
    work, _, torch_home = place
    code = (f'import sys\nsys.argv = [{"/venv/bin/" + name!r}, "--", "-h"]\n'
            f'import {console_scripts()[name]}\n'
            'from mmengine.runner.checkpoint import CheckpointLoader\n'
            "print('RESULT', {p: CheckpointLoader._get_checkpoint_loader(p).__module__ "
            "for p in ('https://x/y.pth', 'local.pth')})\n")
    proc = subprocess.run([sys.executable, '-c', code], cwd=work, env=_env(torch_home),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = ast.literal_eval(proc.stdout.rsplit('RESULT', 1)[1].strip())
    assert set(found.values()) == {'sapiens_mm.checkpoint.loading'}, found


def test_help_before_double_dash_is_still_fast_and_loads_nothing(repo_root):
    """``--help`` (before any ``--``) answers without the model libraries, as before."""
    from tests.helpers.tool_runs import help_run
    usage, rc, heavy = help_run('/venv/bin/sapiens-infer', 'infer', repo_root)
    assert rc == 0 and heavy == [] and '--det-checkpoint' in usage


def test_argparse_rule():
    from sapiens_mm import _argparse_help_requested as wants
    assert wants(['-h']) and wants(['x', '--help']) and wants(['a', '-h', '--', 'b'])
    assert not wants(['--', '-h']) and not wants(['a', '--', '--help'])
    assert not wants(['--out=-h', 'x'])


COVERED = ['sapiens-infer', 'sapiens-curate', 'sapiens-train', 'sapiens-test',
           'sapiens-extract-features', 'sapiens-export', 'sapiens-convert-checkpoint',
           'sapiens-clean-pretrain', 'sapiens-distill-multitask', 'sapiens-mm',
           'sapiens-make-synthetic', 'sapiens-make-backgrounds']

"""The help-argument trick: an input literally named ``-h`` after ``--``.

The package used to skip registering its weights-only checkpoint loader whenever ``-h`` or
``--help`` was anywhere in ``sys.argv`` (to answer ``--help`` fast). After ``--``, ``-h`` is an
input file, the command builds its models, and mmdet's / mmengine's own checkpoint loaders
(``load_from_http`` with ``weights_only=False``) unpickled a malicious checkpoint.

Every console command of ``setup.py`` and the ``tools/*.py`` scripts that load checkpoints
run here with a checkpoint whose pickle would create a marker file (one per case): the
command exits non-zero, its message names the blocked global and the checkpoint, and the
marker is never created. To keep this fast, the cases run in two fresh interpreters (one for
the console commands, whose ``sys.argv[0]`` is ``/venv/bin/sapiens-*``, one for the
``tools/`` scripts) whose first ``import sapiens_mm`` sees ``-- -h``, as the real commands'
do; commands that take no input named ``-h`` (train, export, ...) then run in the same
interpreter, so they are checked under the package state the trick left. URLs are served
from a pre-filled torch hub cache (``TORCH_HOME``): no network.
"""
import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.test_reliability.test_checkpoint_trust import write_evil

REPO = Path(__file__).resolve().parents[2]
POSE_CFG = str(REPO / 'configs/sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py')
REFUSED = 'blocked global `io.open`'

#: Runs the cases of a JSON file in this interpreter; the first import of the package sees
#: ``ARGV0 -- -h``. Prints ``RESULT {name: {rc, stderr, marker}}``.
DRIVER = r'''
import contextlib, importlib, io, json, os, runpy, sys, traceback
argv0, cases = sys.argv[1], json.load(open(sys.argv[2]))
sys.argv = [argv0, '--', '-h']
import sapiens_mm  # what the command's own import does first
results = {}
for case in cases:
    os.chdir(case['cwd'])
    sys.argv = [case['argv0']] + case['args']
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            if case.get('module'):
                rc = importlib.import_module(case['module']).run()
            else:
                runpy.run_path(case['argv0'], run_name='__main__')
                rc = 0
        except SystemExit as e:  # as the interpreter ends: anything else is printed, 1
            rc = e.code if e.code is None or isinstance(e.code, int) else 1
            if rc != e.code:
                err.write(f'{e.code}\n')
        except BaseException:
            rc = 'raised'
            err.write(traceback.format_exc())
    results[case['name']] = dict(rc=rc, stderr=err.getvalue(),
                                 marker=os.path.exists(case['marker']))
print('RESULT', json.dumps(results))
'''


def console_scripts() -> dict:
    """``{command: module}`` of setup.py's ``CONSOLE_SCRIPTS`` (read, not imported)."""
    tree = ast.parse((REPO / 'setup.py').read_text())
    entries = next(ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
                   and getattr(n.targets[0], 'id', '') == 'CONSOLE_SCRIPTS')
    return {name.strip(): target.split(':')[0].strip()
            for name, target in (e.split('=') for e in entries)}


def rtmdet_config() -> str:
    import mmdet
    return os.path.join(os.path.dirname(mmdet.__file__), '.mim', 'configs', 'rtmdet',
                        'rtmdet_tiny_8xb32-300e_coco.py')


def _image(path):
    cv2.imwrite(str(path), np.random.default_rng(0).integers(0, 255, (40, 30, 3), np.uint8))


class Cases:
    """Builds each case's working folder, evil checkpoint (local and/or hub-cached URL)."""

    def __init__(self, root: Path):
        self.root, self.cases = root, []
        self.torch_home = root / 'torch_home'

    def add(self, name, args, argv0=None, module=None, h='image', local_evil=None):
        """``h``: what the input ``-h`` in the case's folder is ('image', 'folder', None);
        ``{URL}`` / ``{EVIL}`` in ``args``: this case's evil URL / local file."""
        cwd = self.root / name
        cwd.mkdir()
        marker = self.root / f'PWNED_{name}'
        url = f'https://example.invalid/{name}/evil_{name}.pth'
        write_evil(self.torch_home / 'hub' / 'checkpoints' / f'evil_{name}.pth', marker)
        evil = write_evil(cwd / (local_evil or 'evil.pth'), marker)
        if h == 'image':
            _image(cwd / '-h.png')
            os.replace(cwd / '-h.png', cwd / '-h')
        elif h == 'folder':
            (cwd / '-h').mkdir()
            _image(cwd / '-h' / 'a.png')
        args = [str(a).replace('{URL}', url).replace('{EVIL}', evil) for a in args]
        self.cases.append(dict(name=name, cwd=str(cwd), argv0=argv0, module=module,
                               args=args, marker=str(marker), url=url))

    def run(self, argv0: str) -> dict:
        spec = self.root / 'cases.json'
        spec.write_text(json.dumps(self.cases))
        env = dict(os.environ, TORCH_HOME=str(self.torch_home), OMP_NUM_THREADS='1',
                   PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / 'tests' / 'test_tools')]))
        proc = subprocess.run([sys.executable, '-c', DRIVER, argv0, str(spec)], env=env,
                              capture_output=True, text=True, timeout=900, cwd=self.root)
        assert 'RESULT ' in proc.stdout, proc.stderr[-5000:]
        results = json.loads(proc.stdout.rsplit('RESULT ', 1)[1])
        for case in self.cases:
            results[case['name']]['url'] = case['url']
        return results


def _infer_args(det_checkpoint='{URL}'):
    return ['--out', 'out', '--task', POSE_CFG, 'none', '--device', 'cpu',
            '--det-config', rtmdet_config(), '--det-checkpoint', det_checkpoint, '--', '-h']


def _curate_args():
    return ['--out-dir', 'curated', '--det-config', rtmdet_config(), '--det-checkpoint',
            '{URL}', '--no-progress', '--', '-h']


TOY_TRAIN = """
custom_imports = dict(imports=['toy_model'], allow_failed_imports=False)
model = dict(type='ToyRegressor')
train_dataloader = dict(batch_size=4, num_workers=0, collate_fn=dict(type='default_collate'),
                        dataset=dict(type='ToyRegressionDataset'),
                        sampler=dict(type='DefaultSampler', shuffle=True))
train_cfg = dict(by_epoch=True, max_epochs=1)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))
load_from = '{url}'
"""


@pytest.fixture(scope='module')
def console_results(tmp_path_factory):
    cases = Cases(tmp_path_factory.mktemp('console'))
    mods = console_scripts()

    def add(command, args, **kw):
        cases.add(command, args, argv0=f'/venv/bin/{command}', module=mods[command], **kw)

    add('sapiens-infer', _infer_args())
    add('sapiens-curate', _curate_args(), h='folder')
    add('sapiens-test', [POSE_CFG, '--work-dir', 'w', '--', '-h'], h=None, local_evil='-h')
    add('sapiens-extract-features', ['--out', 'o', '--', POSE_CFG, '{URL}', '-h'])
    add('sapiens-convert-checkpoint', ['--', '-h', 'out.pth'], h=None, local_evil='-h')
    add('sapiens-clean-pretrain', ['--', '-h', 'out.pth'], h=None, local_evil='-h')
    # the student config is the file ``-h``; the teacher's checkpoint a URL
    add('sapiens-distill-multitask', ['--images', 'imgs', '--work-dir', 'w', '--labels-only',
                                      '--teacher', 'pose', POSE_CFG, '{URL}', '--', '-h'])
    # no input can be named -h (one .py config, or no positional argument): run with the
    # package as the trick left it
    add('sapiens-train', ['train_cfg.py', '--work-dir', 'w'], h=None)
    add('sapiens-export', ['--config', POSE_CFG, '--checkpoint', '{URL}', '--out', 'o',
                           '--format', 'torchscript'], h=None)
    for case in cases.cases:
        if case['name'] == 'sapiens-train':
            Path(case['cwd'], 'train_cfg.py').write_text(TOY_TRAIN.format(url=case['url']))
        if case['name'] == 'sapiens-distill-multitask':
            Path(case['cwd'], 'imgs').mkdir()
            _image(Path(case['cwd'], 'imgs', 'a.png'))
    return cases.run('/venv/bin/sapiens-infer')


@pytest.fixture(scope='module')
def tool_results(tmp_path_factory):
    cases = Cases(tmp_path_factory.mktemp('tools'))
    tools = REPO / 'tools'
    cases.add('infer', _infer_args(), argv0=str(tools / 'infer.py'))
    cases.add('curate', _curate_args(), argv0=str(tools / 'curate_human_images.py'),
              h='folder')
    cases.add('pose_demo', ['--', '-h', POSE_CFG, 'none', '--out', 'out', '--det-config',
                            rtmdet_config(), '--det-checkpoint', '{URL}'],
              argv0=str(tools / 'pose_demo.py'))
    return cases.run(str(tools / 'infer.py'))


def check(result: dict, where: str):
    assert not result['marker'], 'the checkpoint pickle ran code'
    assert result['rc'] not in (0, None, 'raised'), result
    assert REFUSED in result['stderr'] and where in result['stderr'], result['stderr'][-3000:]


#: command -> where its refusal message points (the checkpoint as given)
CONSOLE = {'sapiens-infer': 'URL', 'sapiens-curate': 'URL', 'sapiens-test': '-h',
           'sapiens-extract-features': 'URL', 'sapiens-convert-checkpoint': '-h',
           'sapiens-clean-pretrain': '-h', 'sapiens-distill-multitask': 'URL',
           'sapiens-train': 'URL', 'sapiens-export': 'URL'}
#: commands that load no checkpoint at all: checked for the loader's registration below
NO_CHECKPOINT = ['sapiens-mm', 'sapiens-make-synthetic', 'sapiens-make-backgrounds']


def test_every_console_command_is_covered():
    assert set(console_scripts()) == set(CONSOLE) | set(NO_CHECKPOINT)


@pytest.mark.parametrize('command', sorted(CONSOLE))
def test_console_command_refuses_the_evil_checkpoint(command, console_results):
    r = console_results[command]
    check(r, r['url'] if CONSOLE[command] == 'URL' else CONSOLE[command])


@pytest.mark.parametrize('tool', ['infer', 'curate', 'pose_demo'])
def test_tool_script_refuses_the_evil_detector_checkpoint(tool, tool_results):
    r = tool_results[tool]
    check(r, r['url'])


def test_commands_without_checkpoints_register_the_loader_under_the_trick(tmp_path):
    """``sapiens-mm``, ``sapiens-make-synthetic``, ``sapiens-make-backgrounds``: importing
    them under ``-- -h`` still routes mmengine's ``CheckpointLoader`` (every scheme) to the
    weights-only loader."""
    mods = [console_scripts()[c] for c in NO_CHECKPOINT]
    code = ("import sys\nsys.argv = ['/venv/bin/sapiens-mm', '--', '-h']\n"
            + ''.join(f'import {m}\n' for m in mods)
            + 'from mmengine.runner.checkpoint import CheckpointLoader\n'
            "print('RESULT', sorted({CheckpointLoader._get_checkpoint_loader(p).__module__ "
            "for p in ('https://x/y.pth', 'hf://a/b/c.pth', 'local.pth')}))\n")
    proc = subprocess.run([sys.executable, '-c', code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert 'RESULT ' in proc.stdout, proc.stderr[-3000:]
    found = ast.literal_eval(proc.stdout.rsplit('RESULT ', 1)[1].strip())
    assert found == ['sapiens_mm.checkpoint.loading'], found


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

"""The built package, installed as a user would install it, away from the checkout.

Builds the sdist and, from it, the wheel (``python -m build --no-isolation``), installs the
wheel with ``--no-deps`` into a fresh virtual environment that reuses the project's heavy stack
(a ``.pth`` line naming the project's site-packages: ``venv --system-site-packages`` would
expose the base interpreter's packages, not the ``.venv``'s), and from a folder outside the
checkout: lists the packaged configs, trains a downstream config that inherits a packaged one
(``sapiens_mm::``) with ``sapiens-train``, runs ``sapiens-infer`` on its checkpoint, and
resolves a released name from a faked, offline Hugging Face cache. Nothing of the checkout is
on ``sys.path`` there (checked).
"""
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest
import torch

from tests.helpers.hub_cache import add_to_hub_cache
from tests.helpers.pose_data import write_downstream_pose_config, write_goliath_coco

REPO = Path(__file__).resolve().parent.parent
TINY_POSE = 'sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py'


def _run(cmd, cwd, env, timeout=600):
    out = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True,
                         text=True, timeout=timeout)
    assert out.returncode == 0, f'{cmd}\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}'
    return out


@pytest.fixture(scope='module')
def dist(tmp_path_factory):
    """sdist and wheel built from a copy of the tracked files (the checkout stays clean)."""
    tmp = tmp_path_factory.mktemp('dist')
    src = tmp / 'src'
    files = subprocess.run(['git', 'ls-files', '-z'], cwd=REPO, capture_output=True,
                           check=True).stdout.decode().split('\0')
    for rel in filter(None, files):
        dst = src / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if osp.islink(REPO / rel):
            os.symlink(os.readlink(REPO / rel), dst)
        elif (REPO / rel).exists():  # a tracked file deleted in the work tree is not built
            shutil.copy2(REPO / rel, dst)
    out = _run([sys.executable, '-m', 'build', '--no-isolation', '--outdir', tmp / 'out', src],
               cwd=tmp, env=dict(os.environ))
    wheels = list((tmp / 'out').glob('sapiens_mm-*.whl'))
    sdists = list((tmp / 'out').glob('sapiens_mm-*.tar.gz'))
    assert len(wheels) == 1 and len(sdists) == 1, out.stdout[-2000:]
    return dict(wheel=wheels[0], sdist=sdists[0], log=out.stdout + out.stderr)


def test_wheel_holds_configs_model_index_and_commands(dist):
    names = zipfile.ZipFile(dist['wheel']).namelist()
    configs = {n for n in names if n.startswith('sapiens_mm/.mim/configs/')}
    on_disk = {f'sapiens_mm/.mim/configs/{p.relative_to(REPO / "configs").as_posix()}'
               for p in (REPO / 'configs').rglob('*') if p.suffix in ('.py', '.yml')}
    assert configs == on_disk
    assert 'sapiens_mm/.mim/model-index.yml' in names
    assert not any(n.startswith(('tests/', 'tools/', 'configs/')) for n in names)
    meta = next(n for n in names if n.endswith('.dist-info/entry_points.txt'))
    entry_points = zipfile.ZipFile(dist['wheel']).read(meta).decode()
    for command in ('sapiens-mm', 'sapiens-train', 'sapiens-test', 'sapiens-infer',
                    'sapiens-export', 'sapiens-make-synthetic'):
        assert f'{command} = sapiens_mm.cli.' in entry_points
    # setuptools' own warnings about the metadata (license, packages, data) would show here.
    for bad in ('SetuptoolsDeprecationWarning', 'is not a package', 'warning: no files found'):
        assert bad not in dist['log'], bad


@pytest.fixture(scope='module')
def installed(dist, tmp_path_factory):
    """A fresh venv with the wheel; returns (bin dir, env for commands run outside the repo)."""
    tmp = tmp_path_factory.mktemp('venv')
    venv = tmp / 'venv'
    _run([sys.executable, '-m', 'venv', '--without-pip', venv], cwd=tmp, env=dict(os.environ))
    py = venv / 'bin' / 'python'
    site = Path(subprocess.run([py, '-c', 'import sysconfig; print(sysconfig.get_path("purelib"))'],
                               capture_output=True, text=True, check=True).stdout.strip())
    # The heavy stack of the project's environment, as a plain path (its .pth files, among
    # them the editable install of the checkout, are not processed from there).
    (site / 'project_stack.pth').write_text(sysconfig.get_path('purelib') + '\n')
    _run([sys.executable, '-m', 'pip', '--python', py, 'install', '--no-deps', '--no-index',
          '-q', dist['wheel']], cwd=tmp, env=dict(os.environ))
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'VIRTUAL_ENV')}
    env.update(PATH=f'{venv / "bin"}{os.pathsep}{env.get("PATH", "")}',
               HF_HUB_CACHE=str(tmp / 'hf_hub'), HF_HUB_OFFLINE='1',
               SAPIENS_MM_CHECKPOINTS=str(tmp / 'no_local_checkpoints'),
               OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    work = tmp / 'user'
    work.mkdir()
    return venv / 'bin', env, work


def test_installed_package_is_the_wheel_not_the_checkout(installed):
    bindir, env, work = installed
    out = _run([bindir / 'python', '-c', textwrap.dedent("""
        import json, sys, sapiens_mm, sapiens_mm.apis, sapiens_mm.cli.infer
        files = [getattr(m, '__file__', None) or '' for m in list(sys.modules.values())]
        print(json.dumps(dict(file=sapiens_mm.__file__, path=sys.path, files=files,
                              config=sapiens_mm.get_config_path('_base_/metainfo/goliath.py'))))
        """)], cwd=work, env=env)
    info = json.loads(out.stdout.strip().splitlines()[-1])
    site = str(bindir.parent)
    assert info['file'].startswith(site), info['file']
    assert info['config'].startswith(site) and not osp.islink(osp.dirname(info['config']))
    # The project's .venv lies inside the checkout: only its site-packages may be reached.
    stack = sysconfig.get_path('purelib')
    # (relative entries are relative to the command's folder, outside the checkout)
    from_checkout = [p for p in info['path'] + info['files']
                     if osp.isabs(p) and p.startswith(str(REPO)) and not p.startswith(stack)]
    assert not from_checkout, from_checkout


def test_installed_commands(installed, tmp_path):
    bindir, env, work = installed
    listed = _run([bindir / 'sapiens-mm', 'configs', 'sapiens_pose/goliath', '--path'],
                  cwd=work, env=env).stdout.split()
    assert len(listed) == 6 and all(p.startswith(str(bindir.parent)) for p in listed)
    assert all(osp.isfile(p) for p in listed)

    # A lab's config outside any checkout, inheriting the packaged tiny pose config.
    data = tmp_path / 'lab_data'
    write_goliath_coco(data, num_images=2, persons=1, size=(128, 96))
    cfg = write_downstream_pose_config(work / 'my_pose.py', f'sapiens_mm::{TINY_POSE}', data)
    out = _run([bindir / 'sapiens-train', cfg, '--work-dir', work / 'run'], cwd=work, env=env)
    assert 'Epoch(train) [1][1/1]' in out.stdout + out.stderr
    ckpt = work / 'run' / 'epoch_1.pth'
    assert ckpt.is_file()

    # Inference with the packaged config (named relative to configs/) and that checkpoint.
    out = _run([bindir / 'sapiens-infer', data / 'images', '--out', work / 'infer',
                '--task', TINY_POSE, ckpt, '--det', 'none'], cwd=work, env=env)
    results = json.loads((work / 'infer' / 'keypoints.json').read_text())
    assert len(results) == 2 and len(results[0]['keypoints']) == 308 * 3

    # A released name, resolved offline from a Hub cache laid out as huggingface_hub does.
    state = {'state_dict': {'backbone.pos_embed': torch.zeros(1, 4, 8)}}
    torch.save(state, tmp_path / 'ckpt.pth')
    snap = add_to_hub_cache(env['HF_HUB_CACHE'], 'facebook/sapiens-depth-0.3b',
                            'sapiens_0.3b_render_people_epoch_100.pth',
                            (tmp_path / 'ckpt.pth').read_bytes())
    out = _run([bindir / 'python', '-c', textwrap.dedent("""
        from sapiens_mm.checkpoint import load_checkpoint_file, resolve_checkpoint
        path = resolve_checkpoint('sapiens_0.3b_depth')
        print(path, tuple(load_checkpoint_file(path)['state_dict']['backbone.pos_embed'].shape))
        """)], cwd=work, env=env)
    path, shape = out.stdout.strip().splitlines()[-1].split(' ', 1)
    assert osp.samefile(path, snap) and shape == '(1, 4, 8)'

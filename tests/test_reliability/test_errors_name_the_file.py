"""Issue 25: failures whose traceback's last line did not name the file now end in one line
that names it, with a non-zero exit: a config with a syntax error (train, test, infer), an
FSDP ``--resume`` with another task's checkpoint, an export into a read-only folder."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TINY = dict(pose=REPO / 'configs/sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py',
            seg=REPO / 'configs/sapiens_seg/synthetic/sapiens_tiny_seg_synthetic-128x96.py')
FSDP_BASE = REPO / 'configs/_base_/strategies/fsdp_bf16_vit.py'


def tool(script, *args, cwd=None, user=None):
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable, str(REPO / 'tools' / script), *map(str, args)],
                          cwd=cwd or REPO, env=env, capture_output=True, text=True,
                          timeout=300, user=user)


def error_line(proc) -> str:
    """The line the tool reports its error on (run_cli: ``tool: error: Type: message``)."""
    lines = [ln for ln in proc.stderr.splitlines() if ': error: ' in ln]
    assert proc.returncode == 2 and lines, (proc.returncode, proc.stderr[-3000:])
    return lines[0]


@pytest.fixture
def broken_config(tmp_path):
    path = tmp_path / 'broken_cfg.py'
    path.write_text("model = dict(type='X')\noptim_wrapper = dict(optimizer=dict(lr=0.1)\n"
                    "train_cfg = dict(max_epochs=1)\n")
    return path


def test_read_config_names_file_and_line(broken_config):
    """Was: ``SyntaxError: invalid syntax (<unknown>, line 2)`` (mmengine parses the text
    without its file name)."""
    from sapiens_mm.utils.config_paths import ConfigFileError, read_config
    with pytest.raises(ConfigFileError, match=rf'{broken_config}: syntax error at line \d'):
        read_config(str(broken_config))


def test_base_with_a_syntax_error_is_named(tmp_path, broken_config):
    from sapiens_mm.utils.config_paths import ConfigFileError, read_config
    child = tmp_path / 'child.py'
    child.write_text(f'_base_ = [{str(broken_config)!r}]\n')
    with pytest.raises(ConfigFileError, match=r'broken_cfg\.py'):
        read_config(str(child))


@pytest.mark.parametrize('script, extra', [('train.py', []), ('test.py', ['none'])])
def test_runner_tools_report_the_config_syntax_error(script, extra, broken_config):
    line = error_line(tool(script, broken_config, *extra))
    assert f'{broken_config}: syntax error at line' in line, line


def test_infer_reports_the_config_syntax_error(broken_config, tmp_path):
    line = error_line(tool('infer.py', REPO / 'tools', '--out', tmp_path / 'o', '--task',
                           broken_config, 'none'))
    assert f'{broken_config}: syntax error at line' in line, line


def test_fsdp_resume_with_another_tasks_checkpoint(tmp_path):
    """A FlexibleRunner builds its model inside train(): the checkpoint is checked against the
    model built on the meta device first (was: a traceback from inside the strategy)."""
    from mmengine.config import Config
    from sapiens_mm.checkpoint import CheckpointError
    from sapiens_mm.engine.runner import build_runner
    from tests.helpers.tiny_task_models import build, tiny_config
    import torch
    seg = build(tiny_config('seg', (128, 96)))
    ckpt = tmp_path / 'seg_epoch_1.pth'
    torch.save({'state_dict': seg.state_dict(), 'meta': {}}, ckpt)
    cfg_file = tmp_path / 'pose_fsdp.py'
    cfg_file.write_text(f'_base_ = [{str(TINY["pose"])!r}, {str(FSDP_BASE)!r}]\n')
    cfg = Config.fromfile(cfg_file)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.launcher = 'none'
    cfg.resume, cfg.load_from = True, str(ckpt)
    with pytest.raises(CheckpointError, match=r'seg_epoch_1\.pth: has no weights for .*'
                                              r'TopdownPoseEstimator'):
        build_runner(cfg)


def test_export_into_a_read_only_folder(tmp_path, monkeypatch):
    """Checked before the model is built. Root writes into a 0o555 folder anyway: there the
    kernel's refusal is simulated where the tool's probe file is created."""
    out = tmp_path / 'ro'
    out.mkdir()
    args = ['--config', TINY['pose'], '--out', out, '--format', 'torchscript', '--no-check']
    if os.getuid() != 0:
        os.chmod(out, 0o555)
        line = error_line(tool('export.py', *args))
        assert f'--out {out}: cannot write into this folder' in line, line
    else:
        import tempfile
        from sapiens_mm.cli import export as cli

        def refuse(*a, dir=None, **k):
            raise PermissionError(13, 'Permission denied', os.path.join(dir, '.probe'))
        monkeypatch.setattr(tempfile, 'mkstemp', refuse)
        built = []
        monkeypatch.setattr(cli, 'build_export_model', lambda *a: built.append(a))
        with pytest.raises(PermissionError, match=rf'--out {out}: cannot write into this folder '
                                                  r'\(Permission denied\)'):
            cli.main([str(a) for a in args])
        assert built == []  # refused before any model was built
    assert os.listdir(out) == []


def test_export_write_failure_names_the_file(tmp_path, monkeypatch):
    """A write that fails after the folder check (disk full, folder removed): the file."""
    from sapiens_mm.cli import export as cli
    def fail(module, path, example, **kw):
        raise RuntimeError(f'File {path} cannot be opened.')
    monkeypatch.setattr(cli, 'export_torchscript', fail)
    with pytest.raises(OSError, match=r'sapiens_tiny-goliath_synthetic-128x96_torchscript\.pt: '
                                      r'the torchscript export could not be written'):
        cli.main(['--config', str(TINY['pose']), '--out', str(tmp_path), '--format',
                  'torchscript', '--no-check'])

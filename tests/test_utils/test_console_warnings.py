"""Console commands do not print the known upstream warnings; a library import keeps them."""
import subprocess
import sys

from sapiens_mm.utils.console_warnings import UPSTREAM_WARNINGS

# Emits both upstream warnings for real: setuptools' pkg_resources one (re-imported fresh) and
# mmseg's build_loss one; argv[0] decides whether sapiens_mm takes it for a console command.
PROBE = """
import sys, warnings
sys.argv = [{argv0!r}]
import sapiens_mm
from sapiens_mm.registry import MODELS
for name in [m for m in sys.modules if m == 'pkg_resources' or m.startswith('pkg_resources.')]:
    del sys.modules[name]
import pkg_resources
from mmseg.models.builder import build_loss
build_loss(dict(type='CrossEntropyLoss'))
warnings.warn('a warning of the user', UserWarning)
"""


def _run(argv0):
    out = subprocess.run([sys.executable, '-W', 'default', '-c', PROBE.format(argv0=argv0)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stderr


def test_library_import_keeps_the_warnings():
    err = _run('-c')
    assert 'pkg_resources is deprecated' in err and 'would be deprecated soon' in err
    assert 'a warning of the user' in err


def test_console_commands_filter_only_them():
    err = _run('/usr/bin/sapiens-infer')
    assert 'pkg_resources is deprecated' not in err, err
    assert 'would be deprecated soon' not in err, err
    assert 'a warning of the user' in err


def test_tool_run_prints_no_upstream_warning(repo_root):
    """A real start of tools/infer.py that imports every model library (a checkout's tool:
    taken for a console command by its folder)."""
    out = subprocess.run([sys.executable, f'{repo_root}/tools/infer.py', '--list-models'],
                         capture_output=True, text=True, timeout=300, cwd=repo_root)
    assert out.returncode == 0, out.stderr[-2000:]
    assert 'sapiens_0.3b_pose_goliath' in out.stdout
    assert 'sapiens_person_detector' not in out.stdout  # --det takes it, not --model
    assert not any(w.split()[0] in out.stderr for w in UPSTREAM_WARNINGS), out.stderr

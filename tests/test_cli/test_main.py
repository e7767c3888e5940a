"""``sapiens-mm``: packaged configs and the model zoo, listed as the installed package has them."""
import glob
import os.path as osp

from sapiens_mm.checkpoint import MODEL_ZOO
from sapiens_mm.cli.main import main
from sapiens_mm.utils.config_paths import config_root, list_configs


def test_configs_relative_and_absolute(capsys):
    assert main(['configs', 'sapiens_depth/*']) == 0
    rel = capsys.readouterr().out.split()
    on_disk = sorted(osp.relpath(p, config_root()) for p in
                     glob.glob(osp.join(config_root(), 'sapiens_depth', '*', '*.py')))
    assert rel == on_disk and len(rel) >= 7
    assert main(['configs', 'tiny', '--path']) == 0
    paths = capsys.readouterr().out.split()
    assert paths and all(osp.isfile(p) and p.startswith(config_root()) for p in paths)
    assert all('tiny' in osp.relpath(p, config_root()) for p in paths)


def test_configs_without_match_fails(capsys):
    assert main(['configs', 'no-such-thing']) == 1
    assert "no config matches 'no-such-thing'" in capsys.readouterr().err


def test_models_lists_the_zoo(capsys):
    assert main(['models', 'seg']) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == sorted(n for n in MODEL_ZOO if 'seg' in n)
    entry = MODEL_ZOO['sapiens_1b_seg_goliath']
    line = next(line for line in lines if line.startswith("sapiens_1b_seg_goliath "))
    assert entry.repo in line and entry.filename in line and entry.config in line
    assert main(['models', 'nothing']) == 1

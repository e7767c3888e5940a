"""staged_run_dir: a rerun replaces the whole earlier run, atomically; foreign folders and
folders holding inputs are refused; a failed run leaves the earlier one as it was."""
import os

import pytest

from sapiens_mm.utils.fileio import OutputOverwritesInputError
from sapiens_mm.utils.run_dirs import ExistingOutputError, inside, staged_run_dir


def _is_run(folder):
    return os.path.isfile(os.path.join(folder, 'meta'))


def _write(out, names, fail=False):
    with staged_run_dir(str(out), _is_run, 'test run') as run:
        assert not os.path.exists(out) or run.path != str(out)
        for name in names:
            open(os.path.join(run.path, name), 'w').write(name)
        open(os.path.join(run.path, 'meta'), 'w').close()
        if fail:
            raise RuntimeError('killed half-way')
        return run


def test_rerun_replaces_the_whole_run(tmp_path):
    out = tmp_path / 'out'
    assert not _write(out, ['a', 'b', 'c']).replaced
    messages = []
    with staged_run_dir(str(out), _is_run, 'test run', log=messages.append) as run:
        assert run.replaced and sorted(os.listdir(out)) == ['a', 'b', 'c', 'meta']
        open(os.path.join(run.path, 'meta'), 'w').close()
    assert os.listdir(out) == ['meta']
    assert messages == [f'test run: replaced the earlier run in {out} as a whole']
    assert os.listdir(tmp_path) == ['out']  # no staging folder left


def test_failed_run_keeps_the_earlier_one(tmp_path):
    out = tmp_path / 'out'
    _write(out, ['a'])
    with pytest.raises(RuntimeError, match='killed'):
        _write(out, ['b'], fail=True)
    assert sorted(os.listdir(out)) == ['a', 'meta'] and os.listdir(tmp_path) == ['out']


def test_foreign_folder_and_inputs_are_refused(tmp_path):
    (tmp_path / 'user').mkdir()
    (tmp_path / 'user' / 'notes.txt').write_text('keep')
    with pytest.raises(ExistingOutputError, match=r'user is not empty and was not written'):
        _write(tmp_path / 'user', ['a'])
    assert os.listdir(tmp_path / 'user') == ['notes.txt']
    (tmp_path / 'file').write_text('x')
    with pytest.raises(ExistingOutputError, match=r'file exists and is not a folder'):
        _write(tmp_path / 'file', ['a'])
    _write(tmp_path / 'out', ['a'])
    with pytest.raises(OutputOverwritesInputError, match=r'folder .*out, which holds the '
                       r'input .*out/a'):
        with staged_run_dir(str(tmp_path / 'out'), _is_run, 'test run',
                            inputs=[str(tmp_path / 'out' / 'a')]):
            pass
    assert inside(str(tmp_path / 'out' / 'a'), str(tmp_path / 'out'))
    assert not inside(str(tmp_path / 'outer'), str(tmp_path / 'out'))

"""The two writer rules of ``sapiens_mm.utils.fileio``: paths stay inside their root, outputs
never replace inputs."""
import os
import os.path as osp

import pytest

from sapiens_mm.utils.fileio import (OutputOverwritesInputError, UnsafePathError,
                                     check_not_input, input_keys, path_inside_root)


def test_path_inside_root_accepts_nested(tmp_path):
    assert path_inside_root(str(tmp_path), 'a/b.png') == osp.join(osp.realpath(tmp_path), 'a',
                                                                  'b.png')
    # a '..' that stays inside is fine
    assert path_inside_root(str(tmp_path), 'a/../b.png').endswith('b.png')


@pytest.mark.parametrize('rel', ['../esc.png', '../../../esc.png', 'a/../../esc.png', '/etc/x',
                                 ''])
def test_path_inside_root_refuses_escapes(tmp_path, rel):
    with pytest.raises(UnsafePathError) as e:
        path_inside_root(str(tmp_path / 'root'), rel, source='ann.json')
    assert 'ann.json' in str(e.value)


def test_path_inside_root_refuses_symlink_out(tmp_path):
    root = tmp_path / 'root'
    root.mkdir()
    (tmp_path / 'outside').mkdir()
    os.symlink(tmp_path / 'outside', root / 'link')
    with pytest.raises(UnsafePathError, match='outside its root'):
        path_inside_root(str(root), 'link/x.png')


def test_check_not_input(tmp_path):
    a = tmp_path / 'x_seg.png'
    a.write_bytes(b'1')
    keys = input_keys([str(a)])
    check_not_input(str(tmp_path / 'x_seg2.png'), keys)  # another name: fine
    with pytest.raises(OutputOverwritesInputError, match='x_seg.png'):
        check_not_input(str(tmp_path / '.' / 'x_seg.png'), keys)
    # a hard link to an input is the input
    os.link(a, tmp_path / 'hard.png')
    with pytest.raises(OutputOverwritesInputError):
        check_not_input(str(tmp_path / 'hard.png'), [str(a)])
    # a symlink to an input is the input
    os.symlink(a, tmp_path / 'soft.png')
    with pytest.raises(OutputOverwritesInputError):
        check_not_input(str(tmp_path / 'soft.png'), keys)

"""The model cache: where it lives, content keys, atomic entries, damaged entries rebuilt."""
import json
import os

import pytest
import torch

from sapiens_mm.apis.inferencers.engines import ModelCache, cache_key, cache_root, tensors_digest
from tests.helpers.logs import log_records, messages


def test_cache_root_follows_the_conventions(monkeypatch, tmp_path):
    monkeypatch.delenv('SAPIENS_MM_CACHE', raising=False)
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'xdg'))
    assert cache_root() == str(tmp_path / 'xdg' / 'sapiens_mm')
    monkeypatch.delenv('XDG_CACHE_HOME')
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    assert cache_root() == str(tmp_path / 'home' / '.cache' / 'sapiens_mm')
    monkeypatch.setenv('SAPIENS_MM_CACHE', str(tmp_path / 'mine'))
    assert cache_root() == str(tmp_path / 'mine')


def test_digest_is_of_the_bytes_not_the_names_of_files():
    a = [('w', torch.arange(6.).view(2, 3)), ('b', torch.zeros(3, dtype=torch.bfloat16))]
    same = [('w', torch.arange(6.).view(2, 3).clone()), ('b', torch.zeros(3).bfloat16())]
    assert tensors_digest(a) == tensors_digest(same)
    changed = [('w', (torch.arange(6.) + torch.tensor([0, 0, 0, 0, 0, 1e-6])).view(2, 3)),
               ('b', torch.zeros(3, dtype=torch.bfloat16))]
    assert tensors_digest(a) != tensors_digest(changed)
    assert tensors_digest(a) != tensors_digest([('w', torch.arange(6.).view(3, 2)), a[1]])
    assert cache_key(dict(x=1, y=[1, 2])) == cache_key(dict(y=[1, 2], x=1))
    assert cache_key(dict(x=1)) != cache_key(dict(x=2))


def _writer(calls):
    def build(folder):
        calls.append(folder)
        with open(os.path.join(folder, 'model.xml'), 'w') as f:
            f.write('<graph/>')
        with open(os.path.join(folder, 'model.bin'), 'wb') as f:
            f.write(b'\0' * (2 << 20))  # over the hashed size: checked by size

    def load(folder):
        with open(os.path.join(folder, 'model.xml')) as f:
            text = f.read()
        if text != '<graph/>':
            raise ValueError('not a graph')
        return text
    return build, load


def test_built_once_then_loaded_and_damage_rebuilt_with_a_warning(tmp_path):
    cache = ModelCache('kind', str(tmp_path))
    parts = dict(weights='abc', precision='f32')
    key = cache_key(parts)
    calls = []
    build, load = _writer(calls)
    assert cache.load_or_build(key, parts, build, load) == ('<graph/>', True)
    entry = cache.entry(key)
    assert sorted(os.listdir(entry)) == ['manifest.json', 'model.bin', 'model.xml']
    assert os.listdir(cache.folder) == [key]  # the temporary folder was renamed into place
    assert cache.load_or_build(key, parts, build, load) == ('<graph/>', False)
    assert len(calls) == 1

    def damage_xml():  # same size, other bytes: caught by the small files' hash
        with open(os.path.join(entry, 'model.xml'), 'w') as f:
            f.write('<graph!>')

    def truncate_bin():
        with open(os.path.join(entry, 'model.bin'), 'r+b') as f:
            f.truncate(100)

    def break_manifest():
        with open(os.path.join(entry, 'manifest.json'), 'w') as f:
            f.write('{')

    def other_manifest():
        with open(os.path.join(entry, 'manifest.json')) as f:
            m = json.load(f)
        m['parts']['weights'] = 'xyz'
        with open(os.path.join(entry, 'manifest.json'), 'w') as f:
            json.dump(m, f)

    for damage, why in ((damage_xml, 'model.xml changed'), (truncate_bin, 'model.bin has 100'),
                        (break_manifest, 'manifest unreadable'),
                        (other_manifest, 'manifest of another model')):
        damage()
        with log_records() as records:
            assert cache.load_or_build(key, parts, build, load) == ('<graph/>', True)
        assert 'damaged' in messages(records) and why in messages(records), messages(records)
        assert cache.problem(key, parts) is None
    assert len(calls) == 5
    assert os.listdir(cache.folder) == [key]  # no temporary or removed folders left


def test_load_failure_of_a_whole_looking_entry_rebuilds(tmp_path):
    cache = ModelCache('kind', str(tmp_path))
    parts = dict(weights='abc')
    key = cache_key(parts)
    calls = []
    build, load = _writer(calls)
    cache.load_or_build(key, parts, build, load)
    failing = iter([RuntimeError('bad blob')])

    def load_once_failing(folder):
        for e in failing:
            raise e
        return load(folder)

    with log_records() as records:
        assert cache.load_or_build(key, parts, build, load_once_failing) == ('<graph/>', True)
    assert 'bad blob' in messages(records)
    assert len(calls) == 2


def test_a_failed_build_leaves_nothing(tmp_path):
    cache = ModelCache('kind', str(tmp_path))

    def build(folder):
        with open(os.path.join(folder, 'model.xml'), 'w') as f:
            f.write('half')
        raise RuntimeError('conversion failed')

    with pytest.raises(RuntimeError, match='conversion failed'):
        cache.load_or_build('k', {}, build, lambda folder: None)
    assert os.listdir(cache.folder) == []

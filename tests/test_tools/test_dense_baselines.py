"""tools/misc/dense_baselines.py: the trivial depth baselines against crafted depth maps."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def baselines():
    spec = importlib.util.spec_from_file_location(
        'dense_baselines', REPO / 'tools' / 'misc' / 'dense_baselines.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _person(depth_of_row):
    """(32, 24) depth in metres on a box-shaped person (rows 4..27, cols 6..17), 0 elsewhere."""
    rows = np.arange(32, dtype=np.float32)[:, None]
    z = np.broadcast_to(depth_of_row(rows), (32, 24)).copy()
    z[:4], z[28:], z[:, :6], z[:, 18:] = 0, 0, 0, 0
    return z


def test_the_row_ramp_fits_depth_that_runs_along_the_rows_either_way(baselines, tmp_path):
    people = [_person(lambda r: 2.0 + 0.02 * r), _person(lambda r: 3.0 - 0.01 * r)]
    files = [str(tmp_path / f'{i}.npy') for i in range(len(people))]
    for f, z in zip(files, people):
        np.save(f, z)
    out = baselines.depth_baselines(files)
    assert out['ramp']['aligned_abs_rel'] < 1e-6 and out['ramp']['aligned_delta1'] == 1.0
    # the constant becomes each person's mean depth: its error is the spread around it
    rel = np.concatenate([np.abs(z[z > 0].mean() - z[z > 0]) / z[z > 0] for z in people])
    np.testing.assert_allclose(out['constant']['aligned_abs_rel'], rel.mean(), rtol=1e-4)


def test_depth_unrelated_to_the_row_is_not_fitted_by_the_ramp(baselines, tmp_path):
    cols = np.arange(24, dtype=np.float32)[None, :]
    z = _person(lambda r: 2.0 + 0 * r) + (_person(lambda r: 1.0 + 0 * r) > 0) * 0.03 * cols
    np.save(tmp_path / 'a.npy', z.astype(np.float32))
    out = baselines.depth_baselines([str(tmp_path / 'a.npy')])
    np.testing.assert_allclose(out['ramp']['aligned_abs_rel'],
                               out['constant']['aligned_abs_rel'], rtol=1e-6)


def test_the_cli_writes_one_file_per_baseline(baselines, tmp_path, monkeypatch):
    data = tmp_path / 'val'
    for sub in ('seg', 'depth', 'normal'):
        (data / sub).mkdir(parents=True)
    z = _person(lambda r: 2.0 + 0.02 * r)
    np.save(data / 'depth' / '0.npy', z)
    normal = np.zeros((32, 24, 3), np.float32)
    normal[z > 0] = (0, 0, -1)
    np.save(data / 'normal' / '0.npy', normal)
    import cv2
    cv2.imwrite(str(data / 'seg' / '0.png'), ((z > 0) * 22).astype(np.uint8))
    monkeypatch.setattr('sys.argv', ['dense_baselines.py', str(data), '--out-dir',
                                     str(tmp_path / 'out')])
    baselines.main()
    read = {task: json.loads((tmp_path / 'out' / task / 'baseline' / 'baseline.json').read_text())
            for task in ('seg', 'depth', 'depth_ramp', 'normal')}
    assert read['depth_ramp']['depth/aligned_abs_rel'] < 1e-6
    assert read['depth']['depth/aligned_abs_rel'] > 0.05
    assert read['normal']['normal/mean'] < 1e-3  # every normal faces the camera here
    assert read['seg']['aAcc'] < 100

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


K = np.array([[40.0, 0, 11.5], [0, 40.0, 15.5], [0, 0, 1]])


def _box_mask():
    mask = np.zeros((32, 24), bool)
    mask[4:28, 6:18] = True
    return mask


def _plane_score(baselines, depth, mask):
    from sapiens_mm.datasets.transforms.pointmap_target import canonical_pointmap
    from sapiens_mm.evaluation.metrics.pointmap_metric import PointmapMetric
    gt, s = canonical_pointmap(depth, K)
    gt[~mask] = 0
    plane = baselines.plane_pointmap(depth, mask, K)
    metric = PointmapMetric()
    return metric.compute_metrics([metric.sums(plane, gt.astype(np.float32), mask)]), s


def test_the_plane_baseline_is_exact_on_a_plane_person(baselines):
    mask = _box_mask()
    depth = np.where(mask, 2.5, 0).astype(np.float32)
    plane = baselines.plane_pointmap(depth, mask, K)
    assert plane[mask, 2] == pytest.approx(2.5 * 768 / 40)  # canonical: s = 768 / fx
    assert np.abs(plane[~mask]).max() == 0
    got, _ = _plane_score(baselines, depth, mask)
    assert got['l2_mean'] < 1e-5 and got['within_05_cm'] == 1.0
    assert got['normal_mae'] < 0.1 and got['within_5_0_deg'] == 1.0


def test_the_plane_baseline_error_of_a_person_at_two_depths(baselines):
    # left half of the person at 2 m, right half at 3 m: the plane sits at 2.5 m, every pixel
    # 0.5 m off along its ray, i.e. 0.5 s in z and 0.5 s |ray| in L2
    mask = _box_mask()
    cols = np.arange(24)[None, :].repeat(32, 0)
    depth = np.where(mask, np.where(cols < 12, 2.0, 3.0), 0).astype(np.float32)
    got, s = _plane_score(baselines, depth, mask)
    rows = np.arange(32)[:, None].repeat(24, 1)
    ray = np.sqrt(1 + ((cols - K[0, 2]) / K[0, 0]) ** 2 + ((rows - K[1, 2]) / K[1, 1]) ** 2)
    assert got['z_mae'] == pytest.approx(0.5 * s, rel=1e-5)
    assert got['l2_mean'] == pytest.approx(0.5 * s * ray[mask].mean(), rel=1e-5)
    assert got['within_20_cm'] == 0.0


def test_the_cli_scores_the_plane_on_the_configs_test_pipeline(baselines, tmp_path, monkeypatch):
    from tests.helpers.pointmap_data import write_pointmap_humans
    data = tmp_path / 'val'
    ids = write_pointmap_humans(data, 2, size=(64, 48), seed=3, image_dir='images')
    for sub in ('seg', 'normal'):  # what the other baselines read
        (data / sub).mkdir()
    import cv2
    for sid in ids:
        mask = cv2.imread(str(data / 'mask' / f'{sid}.png'), cv2.IMREAD_UNCHANGED) > 0
        cv2.imwrite(str(data / 'seg' / f'{sid}.png'), mask.astype(np.uint8))
        normal = np.zeros(mask.shape + (3, ), np.float32)
        normal[mask] = (0, 0, -1)
        np.save(data / 'normal' / f'{sid}.npy', normal)
    # the first person is a plane (constant depth): the plane baseline is exact on it
    np.save(data / 'depth' / f'{ids[0]}.npy', np.full((64, 48), 2.2, np.float32))
    config = str(REPO / 'configs/sapiens2_pointmap/synthetic/'
                 'sapiens2_tiny_pointmap_synthetic-128x96.py')
    exact = baselines.pointmap_plane_baseline(config, str(data))
    monkeypatch.setattr('sys.argv', ['dense_baselines.py', str(data), '--out-dir',
                                     str(tmp_path / 'out'), '--pointmap-config', config])
    baselines.main()
    read = json.loads((tmp_path / 'out' / 'pointmap' / 'baseline' / 'baseline.json').read_text())
    assert read == pytest.approx(exact)
    assert 0 < read['pointmap/l2_mean'] < 1 and 0 < read['pointmap/within_10_cm'] < 1
    # the plane has the person's mean depth and the true rays: every footing scores it alike
    for key in ('pointmap_aligned/l2_mean', 'pointmap_rays/l2_mean'):
        assert read[key] == pytest.approx(read['pointmap/l2_mean'], abs=1e-4)
    np.save(data / 'depth' / f'{ids[1]}.npy', np.full((64, 48), 3.1, np.float32))
    both_planes = baselines.pointmap_plane_baseline(config, str(data))
    assert both_planes['pointmap/l2_mean'] < 1e-4
    assert both_planes['pointmap/within_05_cm'] == 1.0

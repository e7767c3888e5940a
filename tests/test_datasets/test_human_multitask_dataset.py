"""HumanMultiTaskDataset: per-sample labels where the files exist; clear errors otherwise."""
import shutil

import pytest

from sapiens_mm.datasets import HumanMultiTaskDataset
from tests.helpers.multitask_data import write_multitask_humans


def test_labels_per_sample_and_metainfo(tmp_path):
    write_multitask_humans(str(tmp_path), 3, size=(32, 24), drop=dict(normal=[0], pose=[1]))
    ds = HumanMultiTaskDataset(data_root=str(tmp_path), pipeline=[], lazy_init=False)
    tasks = [ds.get_data_info(i)['tasks'] for i in range(3)]
    assert tasks == [['pose', 'seg', 'depth'], ['seg', 'depth', 'normal'],
                     ['pose', 'seg', 'depth', 'normal']]
    info = ds.get_data_info(0)
    assert info['pose_keypoints'].shape == (1, 308, 2)
    assert info['pose_keypoints_visible'].shape == (1, 308)
    meta = ds.metainfo['task_metainfo']
    assert meta['pose']['num_keypoints'] == 308 and len(meta['seg']['classes']) == 28


def test_missing_labels_are_clear_errors(tmp_path):
    write_multitask_humans(str(tmp_path), 2, size=(32, 24))
    shutil.rmtree(tmp_path / 'depth')
    with pytest.raises(ValueError, match='no image under .* has a depth label'):
        HumanMultiTaskDataset(data_root=str(tmp_path), pipeline=[])
    ds = HumanMultiTaskDataset(data_root=str(tmp_path), pipeline=[],
                               tasks=('seg', 'normal', 'pose'))
    assert len(ds) == 2
    (tmp_path / 'annotations' / 'goliath_308.json').unlink()
    with pytest.raises(FileNotFoundError, match='goliath_308.json'):
        HumanMultiTaskDataset(data_root=str(tmp_path), pipeline=[], tasks=('pose', ))
    (tmp_path / 'annotations' / 'goliath_308.json').write_text('{not json')
    with pytest.raises(ValueError, match='not a COCO keypoint file'):
        HumanMultiTaskDataset(data_root=str(tmp_path), pipeline=[], tasks=('pose', ))
    with pytest.raises(ValueError, match='tasks must be'):
        HumanMultiTaskDataset(data_root=str(tmp_path), pipeline=[], tasks=('flow', ))

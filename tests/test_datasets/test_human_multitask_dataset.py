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


def test_map_seg_v1_to_v2_applied_once(tmp_path):
    """``map_seg_v1_to_v2``: the 29-class metainfo, and each packed label map is exactly
    ``v1_to_v2_labels`` of the file (not the file, not the mapping applied twice), in the
    training pipeline (load, then resize) and in the evaluation one (resize, then load)."""
    import cv2
    import numpy as np
    from sapiens_mm.datasets.body_parts_29 import load_body_parts_29, v1_to_v2_labels
    write_multitask_humans(str(tmp_path), 2, size=(32, 24))
    raw = cv2.imread(str(tmp_path / 'seg' / '000000.png'), cv2.IMREAD_UNCHANGED)
    once = v1_to_v2_labels(raw)
    # the fixture has classes both sides of Face_Neck (index 2, where v2 inserts Eyeglass), so
    # no mapping, one and two mappings all differ
    assert (raw == 0).any() and (raw > 2).any() and (raw == 2).any()
    assert not np.array_equal(once, raw) and not np.array_equal(once, v1_to_v2_labels(once))
    meta29 = load_body_parts_29()
    pipelines = {
        'train': [dict(type='LoadImageFromFile'), dict(type='LoadMultiTaskAnnotations'),
                  dict(type='Resize', scale=(24, 32), keep_ratio=False),
                  dict(type='PackMultiTaskInputs')],
        'eval': [dict(type='LoadImageFromFile'),
                 dict(type='Resize', scale=(24, 32), keep_ratio=False),
                 dict(type='LoadMultiTaskAnnotations'), dict(type='PackMultiTaskInputs')]}
    for name, pipeline in pipelines.items():
        ds = HumanMultiTaskDataset(data_root=str(tmp_path), pipeline=pipeline,
                                   tasks=('seg', 'normal'), map_seg_v1_to_v2=True)
        assert ds.metainfo['classes'] == meta29['classes']
        assert ds.metainfo['task_metainfo']['seg']['classes'][2] == 'Eyeglass'
        assert [tuple(c) for c in ds.metainfo['palette']] == list(meta29['palette'])
        got = ds[0]['data_samples'].seg.gt_sem_seg.data[0].numpy()
        np.testing.assert_array_equal(got, once, err_msg=name)
    plain = HumanMultiTaskDataset(data_root=str(tmp_path), pipeline=pipelines['eval'],
                                  tasks=('seg', ))
    assert len(plain.metainfo['classes']) == 28
    np.testing.assert_array_equal(plain[0]['data_samples'].seg.gt_sem_seg.data[0].numpy(), raw)

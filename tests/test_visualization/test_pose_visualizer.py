"""SapiensPoseVisualizer: mmpose's PoseLocalVisualizer working on numpy 2."""
import itertools

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import VISUALIZERS
from mmpose.structures import PoseDataSample

from sapiens_mm.datasets.pose import GOLIATH_METAINFO
from sapiens_mm.visualization import SapiensPoseVisualizer

_names = itertools.count()
META = dict(skeleton_links=[[0, 1]], keypoint_colors=np.array([[255, 0, 0], [0, 255, 0]]),
            skeleton_link_colors=np.array([[0, 0, 255]]))


def sample(scores, visible=None):
    inst = InstanceData(keypoints=np.array([[[10., 10.], [30., 20.]]]),
                        keypoint_scores=np.array([scores], np.float32),
                        bboxes=np.array([[2., 2., 45., 35.]], np.float32))
    if visible is not None:
        inst.keypoints_visible = np.array([visible], np.float32)
    return PoseDataSample(pred_instances=inst)


def draw(data_sample, **kwargs):
    vis = SapiensPoseVisualizer(name=f'pose_test_{next(_names)}', radius=3, line_width=1)
    vis.set_dataset_meta(META)
    return vis.add_datasample('x', np.zeros((40, 50, 3), np.uint8), data_sample, draw_gt=False,
                              **kwargs)


def test_registered_in_mmpose():
    init_default_scope('mmpose')
    vis = VISUALIZERS.build(dict(type='SapiensPoseVisualizer', name=f'reg_{next(_names)}'))
    assert isinstance(vis, SapiensPoseVisualizer)


def test_keypoints_links_and_box_in_their_colours():
    drawn = draw(sample([0.9, 0.9], visible=[0.9, 0.9]), draw_bbox=True)
    assert drawn[10, 10].tolist() == [255, 0, 0] and drawn[20, 30].tolist() == [0, 255, 0]
    assert drawn[15, 20].tolist() == [0, 0, 255]  # link midpoint
    assert drawn[2, 20].tolist() == [0, 255, 0]  # box top edge (mmpose's green)
    assert drawn[30, 10].tolist() == [0, 0, 0]


def test_scores_stand_in_for_missing_visibility():
    """An inference sample with scores only: keypoint 1 (0.2 < kpt_thr) and its link are
    skipped."""
    drawn = draw(sample([0.9, 0.2]))
    assert drawn[10, 10].tolist() == [255, 0, 0]
    assert drawn[20, 30].tolist() == [0, 0, 0] and drawn[15, 20].tolist() == [0, 0, 0]
    assert draw(sample([0.9, 0.2]), kpt_thr=0.1)[20, 30].tolist() == [0, 255, 0]


def test_goliath_metainfo_colours_308_keypoints():
    meta = parse_pose_metainfo(dict(from_file=GOLIATH_METAINFO))
    assert meta['num_keypoints'] == 308 and len(meta['skeleton_links']) == 65
    rng = np.random.default_rng(0)
    inst = InstanceData(keypoints=rng.uniform(5, 95, (1, 308, 2)),
                        keypoint_scores=np.ones((1, 308), np.float32))
    vis = SapiensPoseVisualizer(name=f'pose_test_{next(_names)}')
    vis.set_dataset_meta(meta)
    drawn = vis.add_datasample('g', np.zeros((100, 100, 3), np.uint8),
                               PoseDataSample(pred_instances=inst), draw_gt=False)
    x, y = (int(v) for v in inst.keypoints[0, 307])  # drawn last: nothing covers it
    assert drawn[y, x].tolist() == meta['keypoint_colors'][307].tolist()


def test_out_file_error_names_the_file(tmp_path):
    (tmp_path / 'dir.png').mkdir()
    with pytest.raises(OSError, match='dir.png'):
        draw(sample([0.9, 0.9]), out_file=str(tmp_path / 'dir.png'))

"""The Goliath-308 metainfo (``configs/_base_/metainfo/goliath.py``) against the release's list
(``tests/data/reference/goliath_308_keypoints.json``, transcribed from the release's
``pose/configs/_base_/datasets/goliath.py``): every field the datasets, the flip test, the
OKS metric and the visualiser read, not only the names. The metainfo is compared twice: as the
config file says it and as mmpose parses it for ``Goliath308Dataset`` (``flip_indices``, the
``sigmas`` array, the skeleton's index pairs)."""
import json
import os

import numpy as np
import pytest
from mmengine.config import Config

from sapiens_mm.datasets.pose import GOLIATH_METAINFO

REFERENCE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'data', 'reference', 'goliath_308_keypoints.json')


@pytest.fixture(scope='module')
def ref():
    with open(REFERENCE) as f:
        return json.load(f)


@pytest.fixture(scope='module')
def cfg():
    return Config.fromfile(GOLIATH_METAINFO)


@pytest.fixture(scope='module')
def parsed():
    """The metainfo as Goliath308Dataset holds it (mmpose's ``parse_pose_metainfo``)."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    import sapiens_mm  # noqa: F401  (registers Goliath308Dataset)
    init_default_scope('mmpose')
    return DATASETS.get('Goliath308Dataset')._load_metainfo()


def test_keypoints_field_by_field(ref, cfg):
    info = cfg.dataset_info['keypoint_info']
    assert sorted(info) == list(range(ref['num_keypoints'])) == list(range(308))
    for k in ref['keypoints']:
        ours = info[k['id']]
        assert (ours['id'], ours['name'], list(ours['color']), ours['type'], ours['swap']) == \
            (k['id'], k['name'], k['color'], k['type'], k['swap']), k['name']


def test_sigmas_and_joint_weights(ref, cfg):
    assert list(cfg.dataset_info['sigmas']) == ref['sigmas']
    assert list(cfg.dataset_info['joint_weights']) == ref['joint_weights']


def test_skeleton_links_and_colours(ref, cfg):
    skel = cfg.dataset_info['skeleton_info']
    assert sorted(skel) == list(range(len(ref['skeleton']))) == list(range(65))
    for i, link in enumerate(ref['skeleton']):
        assert (list(skel[i]['link']), list(skel[i]['color'])) == (link['link'], link['color']), i


def test_groups_and_wholebody_mapping(ref, cfg):
    assert {k: list(v) for k, v in cfg.keypoint_groups.items()} == ref['groups']
    assert {int(k): v for k, v in cfg.coco_wholebody_to_goliath.items()} == \
        {int(k): v for k, v in ref['coco_wholebody_to_goliath_mapping'].items()}


def test_what_the_dataset_parses(ref, parsed):
    names = [k['name'] for k in ref['keypoints']]
    index = {n: i for i, n in enumerate(names)}
    assert parsed['num_keypoints'] == 308
    assert [parsed['keypoint_id2name'][i] for i in range(308)] == names
    # flip test and RandomFlip: each point's partner, self when it has none
    assert list(parsed['flip_indices']) == [index[k['swap']] if k['swap'] else k['id']
                                            for k in ref['keypoints']]
    np.testing.assert_array_equal(parsed['sigmas'], np.asarray(ref['sigmas'], np.float32))
    np.testing.assert_array_equal(parsed['dataset_keypoint_weights'],
                                  np.asarray(ref['joint_weights'], np.float32))
    assert [list(p) for p in parsed['skeleton_links']] == \
        [[index[a], index[b]] for a, b in (s['link'] for s in ref['skeleton'])]
    np.testing.assert_array_equal(parsed['keypoint_colors'],
                                  np.asarray([k['color'] for k in ref['keypoints']]))
    np.testing.assert_array_equal(parsed['skeleton_link_colors'],
                                  np.asarray([s['color'] for s in ref['skeleton']]))
    assert parsed['keypoint_groups'] == ref['groups']
    assert parsed['upper_body_ids'] == [k['id'] for k in ref['keypoints'] if k['type'] == 'upper']
    assert parsed['lower_body_ids'] == [k['id'] for k in ref['keypoints'] if k['type'] == 'lower']

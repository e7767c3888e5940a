"""Goliath308Metric against direct stock-xtcocotools computations.

The oracle side (``direct_stats``) takes its OKS sigmas from the release's list
(``tests/data/reference/goliath_308_keypoints.json``), not from the project's metainfo: a wrong
sigma in ``configs/_base_/metainfo/goliath.py`` changes the metric's AP and fails here."""
import contextlib
import io
import json
import os

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS
from xtcocotools.coco import COCO
from xtcocotools.cocoeval import COCOeval

from sapiens_mm.evaluation.metrics import Goliath308Metric, keypoint_oks_eval
from tests.helpers.pose_data import write_goliath_coco

REFERENCE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'data',
                         'reference', 'goliath_308_keypoints.json')
with open(REFERENCE) as _f:
    REF = json.load(_f)
#: (308,) OKS sigmas of the release, in heatmap-channel order
REF_SIGMAS = np.asarray(REF['sigmas'], np.float64)


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp('gol')
    ann = write_goliath_coco(root, num_images=4, persons=3, seed=3)
    gt = json.loads(open(ann).read())
    init_default_scope('mmpose')
    meta = DATASETS.build(dict(type='Goliath308Dataset', data_root=str(root), ann_file=ann,
                               pipeline=[])).metainfo
    rng = np.random.default_rng(0)
    dts = []
    for a in gt['annotations']:
        k = np.asarray(a['keypoints'], dtype=np.float64).reshape(-1, 3)
        # noise growing with the annotation id: a spread of OKS values
        k[:, :2] += rng.normal(0, 0.05 * a["id"], (len(k), 2))
        k[:, 2] = 1.0
        dts.append(dict(image_id=a['image_id'], category_id=1, score=0.5 + 0.04 * a['id'],
                        keypoints=k.reshape(-1).tolist()))
    return dict(root=root, ann=ann, gt=gt, dts=dts, meta=meta)


def direct_stats(ann_file, dts, sigmas):
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(ann_file)
        ev = COCOeval(coco, coco.loadRes(dts), 'keypoints', np.asarray(sigmas), True)
        ev.params.useSegm = None
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev.stats


def test_all_keypoints_equal_plain_cocoeval(data):
    sigmas = data['meta']['sigmas']
    ours = keypoint_oks_eval(data['gt'], data['dts'], range(308), sigmas)
    ref = direct_stats(data['ann'], data['dts'], REF_SIGMAS)
    np.testing.assert_allclose(ours, ref)
    assert 0.05 < ours[0] < 0.95  # a score that can move


def test_group_equals_cocoeval_on_hand_sliced_files(data, tmp_path):
    sigmas = np.asarray(data['meta']['sigmas'])
    idx = data['meta']['keypoint_groups']['left_hand']
    gt = json.loads(json.dumps(data['gt']))
    for a in gt['annotations']:
        k = np.asarray(a['keypoints']).reshape(-1, 3)[idx]
        a['keypoints'] = k.reshape(-1).tolist()
        a['num_keypoints'] = int((k[:, 2] > 0).sum())
    path = tmp_path / 'left_hand.json'
    path.write_text(json.dumps(gt))
    dts = [dict(d, keypoints=np.asarray(d['keypoints']).reshape(-1, 3)[idx].reshape(-1).tolist())
           for d in data['dts']]
    assert idx == REF['groups']['left_hand']
    ref = direct_stats(str(path), dts, REF_SIGMAS[idx])
    np.testing.assert_allclose(keypoint_oks_eval(data['gt'], data['dts'], idx, sigmas), ref)


def run_metric(data, tmp_path, **kw):
    metric = Goliath308Metric(ann_file=data['ann'], **kw)
    metric.dataset_meta = data['meta']
    prefix = str(tmp_path / 'res')
    with open(prefix + '.keypoints.json', 'w') as f:
        json.dump(data['dts'], f)
    return dict(metric._do_python_keypoint_eval(prefix))


def test_metric_reports_overall_and_groups(data, tmp_path):
    res = run_metric(data, tmp_path)
    ref = direct_stats(data['ann'], data['dts'], REF_SIGMAS)
    assert res['AP'] == pytest.approx(ref[0]) and res['AR'] == pytest.approx(ref[5])
    for g in ('body', 'foot', 'face', 'hand', 'left_hand', 'right_hand'):
        assert 0.0 <= res[f'{g}/AP'] <= 1.0
    hand = REF['groups']['left_hand'] + REF['groups']['right_hand']
    assert res['hand/AP'] == pytest.approx(keypoint_oks_eval(
        data['gt'], data['dts'], hand, REF_SIGMAS)[0])


def test_perfect_predictions_score_one(data, tmp_path):
    perfect = [dict(image_id=a['image_id'], category_id=1, score=1.0,
                    keypoints=[v if i % 3 != 2 else 1.0 for i, v in enumerate(a['keypoints'])])
               for a in data['gt']['annotations']]
    res = run_metric(dict(data, dts=perfect), tmp_path)
    assert res['AP'] == pytest.approx(1.0) and res['face/AP'] == pytest.approx(1.0)


def test_coco_wholebody_subset_scores_only_the_53_shared_points(data, tmp_path):
    res = run_metric(data, tmp_path, scored_keypoints='coco_wholebody')
    shared = sorted(REF['coco_wholebody_to_goliath_mapping'].values())
    assert res['AP'] == pytest.approx(keypoint_oks_eval(
        data['gt'], data['dts'], shared, REF_SIGMAS)[0])
    assert 'face/AP' not in res  # no face point has a COCO-WholeBody namesake
    assert 'body/AP' in res and 'hand/AP' in res

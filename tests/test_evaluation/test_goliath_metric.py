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


THRESHOLDS = np.linspace(0.5, 0.95, 10)  # COCO's OKS thresholds


@pytest.fixture(scope='module')
def probe(tmp_path_factory):
    """One fully labelled person per image, and one detection per image whose every keypoint
    is moved so that, with the reference sigmas, its OKS term is the same value e: the
    detection's OKS (overall and in every group) is e. The e are just above and just below
    each threshold (+-1e-5), so any sigma that differs from the reference by more than ~0.5 %
    moves some OKS across a threshold and changes the AP."""
    root = tmp_path_factory.mktemp('gol_probe')
    targets = np.concatenate([THRESHOLDS + 1e-5, THRESHOLDS - 1e-5, [0.99, 0.3]])
    rng = np.random.default_rng(7)
    images, anns, dts = [], [], []
    for i, e in enumerate(targets):
        x0, y0, bw, bh = 10.0, 20.0, 60.0, 100.0
        xy = np.stack([rng.uniform(x0, x0 + bw, 308), rng.uniform(y0, y0 + bh, 308)], 1)
        gt_kpts = np.concatenate([xy, np.full((308, 1), 2.0)], 1)
        images.append(dict(id=i + 1, file_name=f'{i:06d}.png', height=160, width=120))
        anns.append(dict(id=i + 1, image_id=i + 1, category_id=1, iscrowd=0,
                         bbox=[x0, y0, bw, bh], area=bw * bh, num_keypoints=308,
                         keypoints=gt_kpts.reshape(-1).tolist()))
        # xtcocotools: term = exp(-d^2 / (2 * area * (2 sigma)^2))
        d = np.sqrt(-np.log(e) * 2 * (bw * bh + np.spacing(1)) * (2 * REF_SIGMAS)**2)
        det = gt_kpts.copy()
        det[:, 0] += d
        det[:, 2] = 1.0
        dts.append(dict(image_id=i + 1, category_id=1, score=float(e),
                        keypoints=det.reshape(-1).tolist()))
    gt = dict(images=images, annotations=anns,
              categories=[dict(id=1, name='person', supercategory='person',
                               keypoints=[], skeleton=[])])
    ann = root / 'probe.json'
    ann.write_text(json.dumps(gt))
    return dict(ann=str(ann), gt=gt, dts=dts)


def test_probe_is_sensitive_to_each_sigma(probe):
    """The probe itself: the reference sigmas give the designed AP; 2 % off on one keypoint
    of any group changes it."""
    ref = direct_stats(probe['ann'], probe['dts'], REF_SIGMAS)
    # at threshold t_j the detections above it match: (10 - j) + 1 of the 22 over 22 people
    assert ref[0] > 0 and ref[0] < 1
    for group in ('body', 'foot', 'left_hand', 'extra', 'face'):
        k = REF['groups'][group][0]
        for f in (0.98, 1.02):
            wrong = REF_SIGMAS.copy()
            wrong[k] *= f
            assert direct_stats(probe['ann'], probe['dts'], wrong)[0] != ref[0], (group, k, f)


def test_metric_with_the_project_metainfo_scores_the_probe_as_the_reference(data, probe,
                                                                             tmp_path):
    """Goliath308Metric with the dataset's metainfo (its sigmas and groups) gives, on the
    probe, the AP that the reference sigmas give: overall and per group."""
    res = run_metric(dict(data, ann=probe['ann'], dts=probe['dts']), tmp_path)
    ref = direct_stats(probe['ann'], probe['dts'], REF_SIGMAS)
    assert res['AP'] == pytest.approx(ref[0], abs=1e-12)
    assert res['AR'] == pytest.approx(ref[5], abs=1e-12)
    groups = dict(REF['groups'], hand=REF['groups']['left_hand'] + REF['groups']['right_hand'])
    for name in ('body', 'foot', 'face', 'hand', 'left_hand', 'right_hand'):
        assert res[f'{name}/AP'] == pytest.approx(keypoint_oks_eval(
            probe['gt'], probe['dts'], groups[name], REF_SIGMAS)[0], abs=1e-12), name

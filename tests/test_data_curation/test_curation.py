"""Human-image curation: decisions against the known boxes, unreadable files, resuming after a
crash, a SIGKILL and a cut-off ledger line, extra filters, and a real (tiny) mmdet detector."""
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from sapiens_mm.data_curation import (CocoBoxDetector, CurationCriteria, LedgerMismatchError,
                                      curate_images, decide, read_image_checked)
from tests.helpers.curation_data import BROKEN, CountingDetector, make_curation_split

CRIT = CurationCriteria(score_thr=0.9, min_box_side=90)  # 128x96 images: a smaller side


@pytest.fixture(scope='module')
def split(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('split'))
    return root, make_curation_split(root)


def expected_decisions(root, criteria):
    """Kept/reason per image computed straight from the COCO file (not through the tool)."""
    coco = json.load(open(osp.join(root, 'coco.json')))
    out = {}
    for im in coco['images']:
        anns = [a for a in coco['annotations'] if a['image_id'] == im['id']]
        scores = [float((np.array(a['keypoints']).reshape(-1, 3)[:, 2] > 0).mean())
                  for a in anns]
        sides = [max(a['bbox'][2], a['bbox'][3]) for a in anns]
        name = osp.basename(im['file_name'])
        if not anns:
            out[name] = 'no_person'
        elif not any(s > criteria.score_thr for s in scores):
            out[name] = 'low_score'
        elif any(s > criteria.score_thr and d > criteria.min_box_side
                 for s, d in zip(scores, sides)):
            out[name] = 'kept'
        else:
            out[name] = 'small_box'
    for name in BROKEN:
        out[name] = 'unreadable'
    return out


def run(split, out, detector=None, **kw):
    root, paths = split
    det = detector or CocoBoxDetector(osp.join(root, 'coco.json'))
    kw.setdefault('criteria', CRIT)
    return curate_images(paths, osp.join(root, 'images'), str(out), det, progress=False, **kw)


def test_decisions_match_the_known_boxes(split, tmp_path):
    report = run(split, tmp_path)
    want = expected_decisions(split[0], CRIT)
    got = {p: decide(r, CRIT)[1] for p, r in zip(
        split[1], (json.loads(l) for l in open(tmp_path / 'decisions.jsonl').readlines()[1:]))}
    assert got == want
    # every outcome occurs in this split, so each branch of the rule is exercised
    assert set(want.values()) == {'kept', 'no_person', 'low_score', 'small_box', 'unreadable'}
    kept = (tmp_path / 'kept.txt').read_text().split()
    assert kept == [p for p in split[1] if want[p] == 'kept']
    assert report['num_kept'] == len(kept) and report['num_images'] == len(split[1])
    rejected = [line.split('\t') for line in (tmp_path / 'rejected.tsv').read_text().splitlines()]
    assert {r[0]: r[1] for r in rejected} == {p: r for p, r in want.items() if r != 'kept'}
    detail = {r[0]: r[2] for r in rejected}
    for name, reason in BROKEN.items():
        assert reason in detail[name]
    summary = json.loads((tmp_path / 'report.json').read_text())
    assert summary['reasons'] == {r: list(want.values()).count(r) for r in set(want.values())}
    assert len(summary['unreadable_examples']) == 2
    assert cv2.imread(str(tmp_path / 'histograms.png')).shape[1] > 500
    # thresholds are applied when the outputs are written: the paper's defaults keep nothing
    # of 128x96 images, and no detector call is needed to see it
    det = CountingDetector(osp.join(split[0], 'coco.json'))
    strict = run(split, tmp_path, det, criteria=CurationCriteria())
    assert det.calls == [] and strict['num_kept'] == 0
    assert (tmp_path / 'kept.txt').read_text() == ''


def test_paper_defaults_and_side_definition():
    assert CurationCriteria() == CurationCriteria(0.9, 300.0, 'max')
    rec = dict(path='a', boxes=[[0, 0, 400, 100]], scores=[0.95], filters={})
    assert decide(rec, CurationCriteria()) == (True, 'kept')  # max(w, h) = 400 > 300
    assert decide(rec, CurationCriteria(box_side='min')) == (False, 'small_box')
    assert decide(dict(rec, scores=[0.9]), CurationCriteria()) == (False, 'low_score')  # strict
    assert decide(dict(rec, boxes=[[0, 0, 300, 300]]), CurationCriteria()) == (False,
                                                                                'small_box')
    # a big box with a low score and a confident small box do not add up
    two = dict(path='a', boxes=[[0, 0, 500, 500], [0, 0, 50, 50]], scores=[0.5, 0.99])
    assert decide(two, CurationCriteria()) == (False, 'small_box')
    with pytest.raises(ValueError, match='box_side'):
        CurationCriteria(box_side='area')


def test_unreadable_images_are_detected(tmp_path, split):
    root = osp.join(split[0], 'images')
    for name, reason in BROKEN.items():
        with pytest.raises(Exception, match=reason):
            read_image_checked(osp.join(root, name))
    jpg = str(tmp_path / 'a.jpg')
    cv2.imwrite(jpg, np.full((64, 64, 3), 128, np.uint8))
    assert read_image_checked(jpg).shape == (64, 64, 3)
    data = open(jpg, 'rb').read()
    open(jpg, 'wb').write(data[:-200])
    with pytest.raises(Exception, match='truncated JPEG'):
        read_image_checked(jpg)
    (tmp_path / 'b.png').write_bytes(b'this is text')
    with pytest.raises(Exception, match='not a decodable'):
        read_image_checked(str(tmp_path / 'b.png'))


def test_resume_after_a_crash_skips_done_images(split, tmp_path):
    root, paths = split
    ann = osp.join(root, 'coco.json')
    run(split, tmp_path / 'full')
    crashing = CountingDetector(ann, fail_at=6)
    with pytest.raises(RuntimeError, match='simulated crash'):
        run(split, tmp_path / 'resumed', crashing)
    lines = (tmp_path / 'resumed' / 'decisions.jsonl').read_text().splitlines()
    recorded = [json.loads(l)['path'] for l in lines[1:]]
    assert len(crashing.calls) == 5 and set(crashing.calls) <= set(recorded)
    assert not (tmp_path / 'resumed' / 'kept.txt').exists()
    again = CountingDetector(ann)
    report = run(split, tmp_path / 'resumed', again)
    readable = [p for p in paths if p not in BROKEN]
    assert sorted(again.calls + crashing.calls) == sorted(readable)  # nothing done twice
    assert report['this_run']['processed'] == len(paths) - len(recorded)
    for name in ('kept.txt', 'rejected.tsv'):
        assert (tmp_path / 'resumed' / name).read_text() == (tmp_path / 'full' / name).read_text()


def test_cut_off_last_line_is_dropped_and_redone(split, tmp_path):
    root, paths = split
    run(split, tmp_path)
    ledger = tmp_path / 'decisions.jsonl'
    lines = ledger.read_text().splitlines(keepends=True)
    ledger.write_text(''.join(lines[:5]) + lines[5][:17])  # killed while writing record 5
    det = CountingDetector(osp.join(root, 'coco.json'))
    report = run(split, tmp_path, det)
    last = json.loads(lines[5])['path']
    assert report['this_run']['processed'] == len(paths) - 4
    assert det.calls[0] == last and len(ledger.read_text().splitlines()) == len(paths) + 1
    # a broken line elsewhere is not silently skipped
    text = ledger.read_text().splitlines(keepends=True)
    ledger.write_text(''.join(text[:2]) + '{"path": oops\n' + ''.join(text[3:]))
    with pytest.raises(ValueError, match='line 3 is not valid JSON'):
        run(split, tmp_path)


def test_ledger_of_another_detector_is_refused(split, tmp_path):
    run(split, tmp_path)
    other = CocoBoxDetector(osp.join(split[0], 'coco.json'), score_rule='one')
    with pytest.raises(LedgerMismatchError, match='--restart'):
        run(split, tmp_path, other)
    report = run(split, tmp_path, other, restart=True)
    assert report['this_run']['processed'] == len(split[1])


def test_extra_filter_rejects_with_its_name(split, tmp_path):
    root, paths = split
    img_dir = osp.join(root, 'images')

    def bright(img):
        return float(img.mean()) > 110

    report = run(split, tmp_path, extra_filters={'bright': bright})
    base = expected_decisions(root, CRIT)
    for path, reason in base.items():
        if reason == 'kept' and not bright(cv2.imread(osp.join(img_dir, path))):
            base[path] = 'filter:bright'
    assert 'filter:bright' in base.values() and 'kept' in base.values()
    assert report['reasons'] == {r: list(base.values()).count(r) for r in set(base.values())}


def test_cli_killed_mid_run_then_rerun(split, tmp_path, repo_root):
    """SIGKILL the tool after a few images; the same command finishes with the same result."""
    root, paths = split
    ann = osp.join(root, 'coco.json')
    out = tmp_path / 'out'
    cmd = [sys.executable, 'tools/curate_human_images.py', osp.join(root, 'images'),
           '--out-dir', str(out), '--min-box-side', '90', '--no-progress', '--detector',
           'tests.helpers.curation_data:SlowCocoBoxDetector']
    # the detector arguments are part of the ledger's detector id: the rerun repeats them
    cmd += ['--detector-args', json.dumps(dict(ann_file=ann, delay=0.3))]
    proc = subprocess.Popen(cmd,
                            cwd=repo_root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ledger = out / 'decisions.jsonl'
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if ledger.exists() and len(ledger.read_text().splitlines()) >= 5:
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read().decode()[-2000:]  # still running
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(ledger.read_text().splitlines()) - 1
    assert 4 <= done_before < len(paths)
    res = subprocess.run(cmd,
                         cwd=repo_root, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert f'this run: {len(paths) - done_before} images' in res.stdout
    run(split, tmp_path / 'direct')
    assert (out / 'kept.txt').read_text() == (tmp_path / 'direct' / 'kept.txt').read_text()


def test_detector_outputs_are_checked(split, tmp_path):
    """Any callable works if it returns (boxes, scores) or (N, 5); boxes alone are refused
    (curation needs scores), and so are boxes and scores of different lengths."""
    root, paths = split
    known = CocoBoxDetector(osp.join(root, 'coco.json'))
    table = {}
    for p in paths:
        if p not in BROKEN:
            boxes, scores = known.lookup(osp.join(root, 'images', p))
            table[cv2.imread(osp.join(root, 'images', p)).tobytes()] = np.concatenate(
                [boxes, scores[:, None]], axis=1)

    def by_pixels(img):  # a plain function detector: (N, 5) rows x0, y0, x1, y1, score
        return table[img.tobytes()]

    report = run(split, tmp_path / 'a', by_pixels)
    assert report['detector'] == 'test_detector_outputs_are_checked.<locals>.by_pixels'
    reference = run(split, tmp_path / 'b')
    assert report['kept'] == reference['kept'] and report['reasons'] == reference['reasons']
    with pytest.raises(TypeError, match='needs the scores'):
        run(split, tmp_path / 'c', lambda img: table[img.tobytes()][:, :4])
    with pytest.raises(ValueError, match='2 boxes but 1 scores'):
        run(split, tmp_path / 'd', lambda img: (np.zeros((2, 4)), np.ones(1)))

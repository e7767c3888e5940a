"""PersonTracker: IDs kept through a crossing and through short misses, new IDs for new people."""
import sys

import numpy as np
import pytest

from sapiens_mm.apis.video.tracker import PersonTracker, box_iou, keypoint_oks


def _box(cx, cy, w=40, h=100):
    return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]


def _crossing(n_frames=21, speed=8.0):
    """Two people walking towards each other on one line and past each other. Frame t:
    person A at x = 40 + speed t, B at 192 - speed t; from frame 9 to 10 they swap places
    exactly (A: 112 -> 120, B: 120 -> 112)."""
    frames = []
    for t in range(n_frames):
        a, b = _box(40 + speed * t, 120), _box(192 - speed * t, 120)
        frames.append((np.array([a, b]), np.array([0, 1])))  # true identity per row
    return frames


@pytest.mark.parametrize('order', ['fixed', 'shuffled'])
@pytest.mark.parametrize('solver', ['hungarian', 'greedy'])
def test_two_people_crossing_keep_their_ids(order, solver, monkeypatch):
    if solver == 'greedy':  # as without scipy
        monkeypatch.setitem(sys.modules, 'scipy.optimize', None)
    rng = np.random.default_rng(0)
    tracker = PersonTracker(thr=0.1, max_missed=3)
    seen = {}  # true identity -> track id
    for t, (boxes, who) in enumerate(_crossing()):
        if order == 'shuffled':  # the detector's order says nothing about identity
            perm = rng.permutation(len(boxes))
            boxes, who = boxes[perm], who[perm]
        ids = tracker.update(boxes)
        for person, tid in zip(who, ids):
            assert seen.setdefault(int(person), int(tid)) == tid, f'frame {t}: ID switch'
    assert sorted(seen.values()) == [0, 1]


def test_matching_by_the_previous_box_alone_would_switch():
    """The crossing is a real test: from frame 9 to 10 the two people swap places, so the
    wrong pairing of the previous boxes overlaps perfectly and the right one does not; only
    the motion tells them apart."""
    prev, cur = _crossing()[9][0], _crossing()[10][0]
    iou = box_iou(prev, cur)
    assert iou[0, 1] == pytest.approx(1) and iou[1, 0] == pytest.approx(1)
    assert iou[0, 0] < 0.9 and iou[1, 1] < 0.9


def test_reentering_within_the_miss_limit_keeps_the_id():
    tracker = PersonTracker(max_missed=5)
    first = tracker.update(np.array([_box(100, 100), _box(300, 100)]))
    for _ in range(4):  # person 0 hidden for 4 frames, person 1 still seen
        assert list(tracker.update(np.array([_box(300, 100)]))) == [first[1]]
    back = tracker.update(np.array([_box(302, 100), _box(104, 101)]))
    assert list(back) == [first[1], first[0]]


def test_reentering_after_the_miss_limit_gets_a_new_id():
    tracker = PersonTracker(max_missed=2)
    first = tracker.update(np.array([_box(100, 100)]))
    for _ in range(3):
        tracker.update(np.zeros((0, 4)))
    again = tracker.update(np.array([_box(100, 100)]))
    assert again[0] != first[0] and again[0] == 1


def test_new_person_gets_a_new_id_and_ids_are_not_reused():
    tracker = PersonTracker(max_missed=0)
    assert list(tracker.update(np.array([_box(100, 100)]))) == [0]
    assert list(tracker.update(np.array([_box(100, 100), _box(400, 100)]))) == [0, 1]
    assert list(tracker.update(np.array([_box(400, 100)]))) == [1]
    assert list(tracker.update(np.array([_box(100, 100)]))) == [2]  # 0 expired


def test_oks_matching_follows_keypoints():
    rng = np.random.default_rng(1)
    k1 = rng.uniform(0, 100, (5, 2))
    k2 = k1 + 300
    boxes = np.array([[0, 0, 100, 100], [300, 300, 400, 400]], float)
    tracker = PersonTracker(metric='oks', thr=0.5)
    ids = tracker.update(boxes, np.stack([k1, k2]))
    ids2 = tracker.update(boxes[::-1], np.stack([k2 + 1, k1 - 1]))
    assert list(ids2) == [ids[1], ids[0]]
    oks = keypoint_oks(k1[None], np.stack([k1, k2]), np.array([1e4, 1e4]), np.full(5, 0.1))
    assert oks[0, 0] == pytest.approx(1.0) and oks[0, 1] < 1e-6


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match='metric'):
        PersonTracker(metric='euclid')
    with pytest.raises(ValueError, match='max_missed'):
        PersonTracker(max_missed=-1)

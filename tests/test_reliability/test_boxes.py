"""Person boxes given to the inferencer (``--bboxes``, ``bboxes=``): rows of 4 or 5 values,
malformed files, keys matched to the inputs, and each image's boxes checked against it.

On 2654df0: 5-value rows were reshaped into garbage 4-value boxes; a list with an unreadable
first image shifted every later image's boxes; NaN boxes aborted the whole run; inverted,
outside and unmatched boxes were taken silently; malformed JSON gave a bare traceback."""
import json

import cv2
import numpy as np
import pytest

from sapiens_mm.apis.inferencers.boxes import (BoxError, PersonBoxes, boxes_for_image,
                                                load_bboxes_file)
from sapiens_mm.apis.inferencers.inputs import inputs_to_list


# ---------------------------------------------------------------- parsing, no model
def test_rows_of_four_or_five_values_and_nothing_else(tmp_path):
    table = PersonBoxes({'a': [[1, 2, 30, 40, 0.7]], 'b': [[1, 2, 30, 40]], 'c': [1, 2, 3, 4],
                         'd': [], 'e': None}, source='b.json')
    np.testing.assert_array_equal(table.by_key['a'], [[1, 2, 30, 40, 0.7]])  # score kept
    np.testing.assert_array_equal(table.by_key['b'], [[1, 2, 30, 40, 1]])
    np.testing.assert_array_equal(table.by_key['c'], [[1, 2, 3, 4, 1]])  # one flat box
    assert table.by_key['d'].shape == (0, 5) and table.by_key['e'] is None
    for bad in ([[1, 2, 3]], [[1, 2, 3, 4, 5, 6]], [1, 2, 3, 4, 5, 6, 7, 8], [[[1, 2, 3, 4]]]):
        with pytest.raises(ValueError, match=r"b\.json: boxes of 'img7'.*4 values.*5 .*shape"):
            PersonBoxes({'img7': bad}, source='b.json')
    with pytest.raises(ValueError, match=r"b\.json: boxes of 'x' are not rows of numbers"):
        PersonBoxes({'x': [['a', 1, 2, 3]]}, source='b.json')
    with pytest.raises(ValueError, match=r"b\.json: boxes of 1 are not rows of numbers"):
        PersonBoxes([[[0, 0, 4, 4]], [[1, 2], [1, 2, 3, 4]]], source='b.json')  # ragged
    with pytest.raises(ValueError, match=r'b\.json: expected .*got str'):
        PersonBoxes('boxes', source='b.json')


def test_malformed_json_is_named_with_its_position(tmp_path):
    path = tmp_path / 'boxes.json'
    path.write_text('{"x.png": [[0, 0, 10, 10]],\n "y.png": [[0, 0, 10 10]]}')
    with pytest.raises(ValueError, match=r'boxes\.json: not valid JSON at line 2 column 22 '
                                         r"\(character 49\): Expecting ',' delimiter"):
        load_bboxes_file(str(path))
    with pytest.raises(FileNotFoundError, match='nothing.json: cannot be read'):
        load_bboxes_file(str(tmp_path / 'nothing.json'))
    path.write_text(json.dumps({'x.png': [[0, 0, 10, 10, 0.5]]}))
    assert load_bboxes_file(str(path)).source == str(path)


def _listing(tmp_path):
    img = np.zeros((20, 16, 3), np.uint8)
    for rel in ('a/x.png', 'b/x.png', 'b/y.png', 'z.jpg'):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(tmp_path / rel), img)
    writer = cv2.VideoWriter(str(tmp_path / 'clip.avi'), cv2.VideoWriter_fourcc(*'MJPG'), 5,
                             (16, 20))
    for _ in range(3):
        writer.write(img)
    writer.release()
    return inputs_to_list(str(tmp_path))


def test_keys_match_exactly_one_input(tmp_path):
    items = _listing(tmp_path)
    assert sorted(it.name for it in items) == ['a/x', 'b/x', 'b/y', 'clip', 'z']
    box = [[0, 0, 5, 5]]
    table = PersonBoxes({'a/x': box, 'b/x.png': box, 'y': box, 'z.jpg': box,
                         'clip_000002': box}).resolve(items, {'clip': 3})
    assert sorted(table.by_name) == ['a/x', 'b/x', 'b/y', 'clip_000002', 'z']
    with pytest.raises(ValueError, match=r"b\.json: 2 key\(s\) match no input image: "
                                         r"\['w\.png', 'clip_000003'\]"):
        PersonBoxes({'w.png': box, 'z': box, 'clip_000003': box}, 'b.json').resolve(
            items, {'clip': 3})
    with pytest.raises(ValueError, match=r"b\.json: key\(s\) matching several inputs by base "
                                         r"name: 'x\.png' \(a/x, b/x\)"):
        PersonBoxes({'x.png': box}, 'b.json').resolve(items)
    with pytest.raises(ValueError, match=r"b\.json: keys \['b/y', 'y\.png'\] all give the "
                                         r"boxes of input 'b/y'"):
        PersonBoxes({'b/y': box, 'y.png': box}, 'b.json').resolve(items)


def test_each_image_boxes_checked_against_the_image():
    rows = np.array([[2, 3, 10, 12, 0.9]])
    boxes, warnings = boxes_for_image(rows, (20, 16), 'im')
    np.testing.assert_allclose(boxes, rows) and warnings == []
    boxes, warnings = boxes_for_image(np.array([[-4, 2, 30, 12, 1], [1, 1, 5, 5, 1]]),
                                      (20, 16), 'im')
    np.testing.assert_allclose(boxes[0], [0, 2, 16, 12, 1])
    assert warnings == ['im: 1 box(es) reaching outside the 16x20 image clipped to it']
    with pytest.raises(BoxError, match=r'im: box 1 \[nan, 0.0, 5.0, 5.0, 1.0\] has a '
                                       'non-finite value'):
        boxes_for_image(np.array([[0, 0, 5, 5, 1], [np.nan, 0, 5, 5, 1]]), (20, 16), 'im')
    with pytest.raises(BoxError, match=r'im: box 0 \[10.0, 2.0, 4.0, 12.0\] is inverted'):
        boxes_for_image(np.array([[10, 2, 4, 12, 1]]), (20, 16), 'im')
    with pytest.raises(BoxError, match=r'im: box 0 \[20.0, 2.0, 40.0, 12.0\] lies wholly '
                                       r'outside the 16x20 image'):
        boxes_for_image(np.array([[20, 2, 40, 12, 1]]), (20, 16), 'im')
    with pytest.raises(BoxError, match='non-finite'):
        boxes_for_image(np.array([[0, 0, 5, 5, np.inf]]), (20, 16), 'im')


# ---------------------------------------------------------------- through the inferencer
@pytest.fixture(scope='module')
def pose(tmp_path_factory):
    from sapiens_mm.apis import SapiensInferencer
    from tests.helpers.tiny_task_models import tiny_config, write_task_checkpoints
    d = tmp_path_factory.mktemp('pose_ckpt')
    cfg = tiny_config('pose', padding=2)
    path = write_task_checkpoints(str(d), {'pose': cfg})['pose']
    return SapiensInferencer([(cfg, path)], batch_size=2, flip_test=False)


def _kpts(result):
    return np.asarray(result['predictions'][0]['pose'][0]['keypoints'])


def test_five_value_rows_are_boxes_with_their_score(pose):
    img = np.random.default_rng(0).integers(0, 256, (80, 60, 3), np.uint8)
    four = pose(img, bboxes=[[[5, 8, 40, 70]]])
    five = pose(img, bboxes=[[[5, 8, 40, 70, 0.25]]])
    rec = five['predictions'][0]['pose']
    assert len(rec) == 1 and np.allclose(rec[0]['bbox'], [[5, 8, 40, 70]])
    assert np.isclose(rec[0]['bbox_score'], 0.25)  # the given score, kept
    np.testing.assert_allclose(_kpts(five), _kpts(four), atol=1e-4)


def test_list_boxes_stay_aligned_after_an_unreadable_image(pose, tmp_path):
    rng = np.random.default_rng(1)
    (tmp_path / 'a.png').write_bytes(b'junk')  # unreadable, first
    for name in ('b', 'c'):
        cv2.imwrite(str(tmp_path / f'{name}.png'), rng.integers(0, 256, (80, 60, 3), np.uint8))
    boxes = [[[0, 0, 20, 20]], [[10, 10, 50, 70]], [[2, 4, 30, 60]]]
    got = pose(str(tmp_path), bboxes=boxes)
    assert got['names'] == ['b', 'c'] and got['failed'][0][0] == 'a'
    for i, name in enumerate(('b', 'c')):
        alone = pose(str(tmp_path / f'{name}.png'), bboxes=[boxes[i + 1]])
        assert np.allclose(got['predictions'][i]['pose'][0]['bbox'], [boxes[i + 1][0]])
        np.testing.assert_allclose(np.asarray(got['predictions'][i]['pose'][0]['keypoints']),
                                   _kpts(alone), atol=1e-4)


def test_bad_boxes_fail_their_image_only_and_clipping_is_counted(pose, tmp_path):
    rng = np.random.default_rng(2)
    for name in ('a', 'b', 'c', 'd'):
        cv2.imwrite(str(tmp_path / f'{name}.png'), rng.integers(0, 256, (80, 60, 3), np.uint8))
    boxes = {'a.png': [[0, 0, float('nan'), 20]], 'b': [[40, 10, 5, 70]],
             'c': [[-10, 5, 50, 90]], 'd': [[5, 5, 30, 30, 0.5]]}
    got = pose(str(tmp_path), bboxes=boxes)
    assert got['names'] == ['c', 'd']  # the run went on
    failed = dict(got['failed'])
    assert 'a: box 0' in failed['a'] and 'non-finite' in failed['a']
    assert 'b: box 0' in failed['b'] and 'inverted' in failed['b']
    assert got['warnings'] == [('c', 'c: 1 box(es) reaching outside the 60x80 image clipped '
                                     'to it')]
    assert np.allclose(got['predictions'][0]['pose'][0]['bbox'], [[0, 5, 50, 80]])
    with pytest.raises(ValueError, match=r"bboxes: 1 key\(s\) match no input image: "
                                         r"\['e\.png'\]"):
        pose(str(tmp_path), bboxes={'e.png': [[0, 0, 5, 5]]})


def test_cli_names_a_malformed_bboxes_file(tmp_path):
    from sapiens_mm.cli.infer import main
    cv2.imwrite(str(tmp_path / 'x.png'), np.zeros((20, 16, 3), np.uint8))
    bad = tmp_path / 'boxes.json'
    bad.write_text('{"x.png": [[0, 0, 5, 5]]')
    with pytest.raises(ValueError, match=r'--bboxes .*boxes\.json: not valid JSON at line 1'):
        main([str(tmp_path / 'x.png'), '--out', str(tmp_path / 'out'), '--task',
              'sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py', 'none',
              '--bboxes', str(bad), '--device', 'cpu'])
    assert not (tmp_path / 'out').exists()


def test_sharded_run_matches_keys_to_the_whole_listing(pose, tmp_path):
    from sapiens_mm.apis.dist_inference import run_sharded
    src = tmp_path / 'in'
    src.mkdir()
    rng = np.random.default_rng(3)
    for name in ('a', 'b', 'c'):
        cv2.imwrite(str(src / f'{name}.png'), rng.integers(0, 256, (80, 60, 3), np.uint8))
    with pytest.raises(ValueError, match=r"bboxes: 1 key\(s\) match no input image: "
                                         r"\['q\.png'\]"):
        run_sharded(pose, str(src), str(tmp_path / 'out'), bboxes={'q.png': [[0, 0, 5, 5]]},
                    rank=0, world_size=1)
    with pytest.raises(ValueError, match='sharded inference takes the boxes as a dict'):
        run_sharded(pose, str(src), str(tmp_path / 'out'), bboxes=[[[0, 0, 5, 5]]],
                    rank=0, world_size=1)
    s = run_sharded(pose, str(src), str(tmp_path / 'out'), pictures=False, rank=0,
                    world_size=1, bboxes={'b.png': [[4, 6, 30, 50, 0.5]],
                                          'c': [[float('nan'), 0, 5, 5]]})
    assert s['images'] == 2 and s['failed'][0][0] == 'c' and 'non-finite' in s['failed'][0][1]
    rec = json.loads((tmp_path / 'out' / 'b.json').read_text())
    assert rec[0]['bbox'] == [[4, 6, 30, 50]] and rec[0]['bbox_score'] == 0.5

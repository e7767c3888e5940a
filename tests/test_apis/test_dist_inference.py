"""Sharded inference pieces in one process: how inputs are split, and the merge of the part
files (order, image ids, the checks on the parts). The 2-process run is
tests/test_tools/test_dist_infer_cpu.py."""
import json

import cv2
import numpy as np
import pytest

from sapiens_mm.apis.dist_inference import InputShard, merge_shards


def _images(folder, n):
    folder.mkdir()
    for i in range(n):
        cv2.imwrite(str(folder / f'{i:02d}.png'), np.full((8, 6, 3), i, np.uint8))


def test_input_shards_split_a_folder_and_a_video(tmp_path):
    _images(tmp_path / 'imgs', 5)
    shards = [InputShard(str(tmp_path / 'imgs'), r, 2) for r in (0, 1)]
    got = [[(i, n.rsplit('/', 1)[1], int(img[0, 0, 0])) for i, n, img in s] for s in shards]
    assert got == [[(0, '00.png', 0), (2, '02.png', 2), (4, '04.png', 4)],
                   [(1, '01.png', 1), (3, '03.png', 3)]]
    assert shards[0].total == shards[1].total == 5

    video = str(tmp_path / 'clip.avi')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'MJPG'), 5, (32, 24))
    for i in range(5):
        writer.write(np.full((24, 32, 3), 40 * i, np.uint8))
    writer.release()
    shards = [InputShard(video, r, 3) for r in range(3)]
    frames = [[(i, n, round(float(img.mean()) / 40)) for i, n, img in s] for s in shards]
    assert frames == [[(0, 'frame_000000', 0), (3, 'frame_000003', 3)],
                      [(1, 'frame_000001', 1), (4, 'frame_000004', 4)],
                      [(2, 'frame_000002', 2)]]
    assert [s.total for s in shards] == [5, 5, 5]
    with pytest.raises(ValueError, match='rank 2 outside 0..1'):
        InputShard(video, 2, 2)
    with pytest.raises(FileNotFoundError, match='missing.avi'):
        InputShard(str(tmp_path / 'missing.avi'), 0, 1)


def _part(out, rank, world, items, total, **over):
    (out / 'shards').mkdir(parents=True, exist_ok=True)
    part = dict(rank=rank, world_size=world, source='/data/x', total=total, pose=True,
                items=items)
    part.update(over)
    (out / 'shards' / f'rank{rank}-of-{world}.json').write_text(json.dumps(part))


def _kpt(score):
    return dict(image_id=0, category_id=1, keypoints=[1.0, 2.0, score], score=score,
                bbox=[0.0, 0.0, 4.0, 4.0])


def test_merge_orders_inputs_and_numbers_readable_images(tmp_path):
    _part(tmp_path, 0, 2, [dict(index=0, name='a/0', keypoints=[_kpt(0.5)]),
                           dict(index=2, name='a/2', failed=True, reason='truncated'),
                           dict(index=4, name='a/4', keypoints=[_kpt(0.1), _kpt(0.2)])], 5)
    _part(tmp_path, 1, 2, [dict(index=1, name='a/1', keypoints=[]),
                           dict(index=3, name='a/3', keypoints=[_kpt(0.3)])], 5)
    summary = merge_shards(str(tmp_path), 2)
    assert summary['images'] == 4 and summary['failed'] == [('a/2', 'truncated')]
    ids = json.loads((tmp_path / 'image_ids.json').read_text())  # output names, as run() has
    assert ids == [dict(id=1, file_name='a/0'), dict(id=2, file_name='a/1'),
                   dict(id=3, file_name='a/3'), dict(id=4, file_name='a/4')]
    kpts = json.loads((tmp_path / 'keypoints.json').read_text())
    assert [(k['image_id'], k['score']) for k in kpts] == [(1, 0.5), (3, 0.3), (4, 0.1),
                                                           (4, 0.2)]
    assert list(kpts[0]) == list(_kpt(0.5))  # the key order of SapiensInferencer.run


def test_merge_names_a_missing_or_inconsistent_part(tmp_path):
    _part(tmp_path, 0, 2, [dict(index=0, name='0.png', keypoints=[])], 2)
    with pytest.raises(FileNotFoundError, match='rank1-of-2.json: the part file of rank 1'):
        merge_shards(str(tmp_path), 2)
    _part(tmp_path, 1, 2, [dict(index=0, name='0.png', keypoints=[])], 2)
    with pytest.raises(ValueError, match=r'missing \[1\], twice \[0\]'):
        merge_shards(str(tmp_path), 2)
    _part(tmp_path, 1, 2, [dict(index=1, name='1.png', keypoints=[])], 3)
    with pytest.raises(ValueError, match="disagree on 'total'"):
        merge_shards(str(tmp_path), 2)
    (tmp_path / 'shards' / 'rank1-of-2.json').write_text('{"rank": 1, "world')
    with pytest.raises(ValueError, match='rank1-of-2.json: unreadable part file'):
        merge_shards(str(tmp_path), 2)
    (tmp_path / 'shards' / 'rank1-of-2.json').write_text(json.dumps(
        dict(rank=0, world_size=2, source='/data/x', total=2, pose=True, items=[])))
    with pytest.raises(ValueError, match='holds rank 0 of 2, expected rank 1 of 2'):
        merge_shards(str(tmp_path), 2)


def test_merge_keeps_an_earlier_runs_results_in_the_folder(tmp_path):
    """A sharded run into a folder holding an earlier run's results merges with them (an
    image run again replaces its own records), as a single-process run does."""
    (tmp_path / 'image_ids.json').write_text(json.dumps([dict(id=1, file_name='old'),
                                                         dict(id=2, file_name='a/1')]))
    (tmp_path / 'keypoints.json').write_text(json.dumps([dict(_kpt(0.9), image_id=1),
                                                         dict(_kpt(0.8), image_id=2)]))
    _part(tmp_path, 0, 1, [dict(index=0, name='a/0', keypoints=[_kpt(0.5)]),
                           dict(index=1, name='a/1', keypoints=[_kpt(0.3)])], 2,
          warnings=[['clip', 'clip.avi: decoded 2 frames of the 3 its header declares']])
    summary = merge_shards(str(tmp_path), 1)
    assert summary['images'] == 2 and summary['warnings'] == [
        ('clip', 'clip.avi: decoded 2 frames of the 3 its header declares')]
    ids = json.loads((tmp_path / 'image_ids.json').read_text())
    assert ids == [dict(id=1, file_name='old'), dict(id=2, file_name='a/1'),
                   dict(id=3, file_name='a/0')]
    kpts = json.loads((tmp_path / 'keypoints.json').read_text())
    assert [(k['image_id'], k['score']) for k in kpts] == [(1, 0.9), (2, 0.3), (3, 0.5)]
    (tmp_path / 'image_ids.json').unlink()  # one file without the other: refused
    with pytest.raises(ValueError, match=r'keypoints\.json: found without .*image_ids\.json'):
        merge_shards(str(tmp_path), 1)

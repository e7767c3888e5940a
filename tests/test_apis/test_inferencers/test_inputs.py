"""Input listing and output names: sub-paths kept, collisions resolved, videos prefixed."""
import cv2
import numpy as np
import pytest

from sapiens_mm.apis.inferencers.inputs import inputs_to_list


def write_video(path, n=2, hw=(32, 24)):
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), 5, hw[::-1])
    for i in range(n):
        w.write(np.full(hw + (3, ), 40 * i, np.uint8))
    w.release()


def test_names_keep_sub_paths_and_never_collide(tmp_path):
    img = np.zeros((8, 6, 3), np.uint8)
    (tmp_path / 'sub').mkdir()
    for rel in ('x.png', 'sub/x.png', 'x.jpg', 'y.png'):
        cv2.imwrite(str(tmp_path / rel), img)
    names = {it.path.replace(str(tmp_path) + '/', ''): it.name for it in inputs_to_list(str(tmp_path))}
    assert names == {'sub/x.png': 'sub/x', 'x.jpg': 'x.jpg', 'x.png': 'x.png', 'y.png': 'y'}
    # loose files are named relative to their common folder
    items = inputs_to_list([str(tmp_path / 'sub' / 'x.png'), str(tmp_path / 'y.png')])
    assert [it.name for it in items] == ['sub/x', 'y']
    # the same file twice: numbered
    items = inputs_to_list([str(tmp_path / 'y.png')] * 2)
    assert [it.name for it in items] == ['y', 'y_2']


def test_single_inputs_arrays_and_videos(tmp_path):
    arr = np.zeros((8, 6, 3), np.uint8)
    assert [it.name for it in inputs_to_list(arr)] == ['00000000']
    assert [it.name for it in inputs_to_list([arr, arr])] == ['00000000', '00000001']
    (tmp_path / 'a').mkdir()
    (tmp_path / 'b').mkdir()
    write_video(tmp_path / 'a' / 'clip.avi')
    write_video(tmp_path / 'b' / 'clip.avi')
    items = inputs_to_list([str(tmp_path / 'a' / 'clip.avi'), str(tmp_path / 'b' / 'clip.avi')])
    assert [it.name for it in items] == ['a/clip', 'b/clip'] and all(it.video for it in items)
    with pytest.raises(FileNotFoundError, match='nope.png: no such'):
        inputs_to_list(str(tmp_path / 'nope.png'))
    with pytest.raises(TypeError, match=r'\(H, W, 3\)'):
        inputs_to_list(np.zeros((4, 4)))

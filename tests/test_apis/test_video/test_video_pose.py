"""Pose on generated videos and streams through SapiensInferencer and sapiens-infer: track IDs
through a crossing with boxes given per frame, smoothing and formats in the written files,
cameras and streams that do not answer, a stream cut mid-way, Ctrl-C."""
import json
import os
import signal
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np
import pytest

from sapiens_mm.apis import SapiensInferencer
from sapiens_mm.apis.video import PersonTracker, PoseTemporal, TrackSmoother
from sapiens_mm.apis.video.streams import (STOP, StreamError, StreamFrames, is_stream_source,
                                           stop_on_interrupt, stream_item)
from tests.helpers.tiny_task_models import tiny_config

W, H = 160, 96


def _people_video(path, n=12, fourcc='MJPG'):
    """Two grey 'people' (filled boxes) crossing; returns their boxes per frame (true order
    A, B)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 10, (W, H))
    boxes = []
    for t in range(n):
        frame = np.full((H, W, 3), 30, np.uint8)
        ax, bx = 20 + 10 * t, 140 - 10 * t
        a = [ax - 10, 20, ax + 10, 80]
        b = [bx - 10, 22, bx + 10, 82]
        for (x0, y0, x1, y1), c in ((a, 200), (b, 120)):
            cv2.rectangle(frame, (x0, y0), (x1, y1), (c, c, c), -1)
        writer.write(frame)
        boxes.append((a, b))
    writer.release()
    return boxes


@pytest.fixture(scope='module')
def pose_inferencer():
    return SapiensInferencer([(tiny_config('pose'), None)], device='cpu', precision='fp32',
                             batch_size=2, num_workers=0)


def test_crossing_people_keep_ids_in_the_written_records(tmp_path, pose_inferencer):
    video = tmp_path / 'walk.avi'
    truth = _people_video(video)
    bboxes = {}
    for t, (a, b) in enumerate(truth):  # per frame, in a changing order
        bboxes[f'walk_{t:06d}'] = [a, b] if t % 2 else [b, a]
    inf = pose_inferencer
    inf.temporal = PoseTemporal(PersonTracker(max_missed=2), TrackSmoother(fps=10))
    inf.keypoint_format = 'coco17'
    try:
        out = inf.run(str(video), str(tmp_path / 'out'), bboxes=bboxes, pictures=True)
    finally:
        inf.temporal, inf.keypoint_format = None, None
    assert out['images'] == len(truth) and not out['failed']
    ids = {}
    for t, (a, b) in enumerate(truth):
        records = json.loads((tmp_path / 'out' / f'walk_{t:06d}.json').read_text())
        assert len(records) == 2
        for r in records:
            assert len(r['keypoints']) == 17  # the chosen format
            who = 'A' if np.allclose(r['bbox'][0], a) else 'B'
            assert ids.setdefault(who, r['track_id']) == r['track_id'], f'frame {t}'
    assert sorted(ids.values()) == [0, 1]
    coco = json.loads((tmp_path / 'out' / 'keypoints.json').read_text())
    assert len(coco) == 2 * len(truth) and len(coco[0]['keypoints']) == 17 * 3
    assert (tmp_path / 'out' / 'walk_000005_pose.jpg').is_file()


def test_det_every_takes_boxes_from_the_previous_keypoints(tmp_path, pose_inferencer):
    video = tmp_path / 'one.avi'
    _people_video(video, n=5)
    calls = []

    def detector(img):
        calls.append(1)
        return np.array([[10, 10, 60, 90]], np.float32)

    inf = pose_inferencer
    inf.detector = detector
    inf.temporal = PoseTemporal(det_every=3)
    inf.keypoint_format = 'openpose18'
    try:
        out = inf.run(str(video), str(tmp_path / 'out'), pictures=False)
        out1 = inf(str(video), batch_size=1)
    finally:
        inf.detector, inf.temporal, inf.keypoint_format = None, None, None
    assert out['images'] == 5
    doc = json.loads((tmp_path / 'out' / 'one_000001.json').read_text())
    assert doc['version'] == 1.3 and len(doc['people'][0]['pose_keypoints_2d']) == 18 * 3
    assert doc['people'][0]['person_id'] == [0]
    # batches of 2 (run): the detector on frames 0, 1 (no keypoints yet) and 3 (frame 2 takes
    # frame 1's keypoints, frame 4 frame 3's); one at a time (__call__): frames 0 and 3
    assert len(calls) == 3 + 2
    boxes = [p['pose'][0]['bbox'][0] for p in out1['predictions']]
    assert boxes[0] == boxes[3] == [10, 10, 60, 90]
    assert boxes[1] != boxes[0]  # from frame 0's keypoints


def test_stream_sources_are_recognised(tmp_path):
    assert is_stream_source(0) and is_stream_source('1') and is_stream_source('rtsp://h/x')
    assert is_stream_source('http://h:8080/v.mjpg') and not is_stream_source('a.mp4')
    (tmp_path / '3').write_bytes(b'')
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert not is_stream_source('3')  # a file of that name
    finally:
        os.chdir(cwd)


def _infer_cli(argv, capsys):
    from sapiens_mm.cli.errors import run_cli
    from sapiens_mm.cli.infer import main
    rc = run_cli(lambda: main(argv), ['sapiens-infer'] + argv)
    return rc, capsys.readouterr()


@pytest.mark.parametrize('source,message', [
    ('7', 'camera 7: cannot be opened'),
    ('rtsp://127.0.0.1:9/x', 'rtsp://127.0.0.1:9/x: cannot be opened as a stream'),
])
def test_missing_camera_and_silent_stream_fail_clearly(tmp_path, capsys, source, message):
    rc, out = _infer_cli([source, '--out', str(tmp_path / 'o'), '--task',
                          'configs/sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py',
                          'none', '--det', 'none', '--stream-timeout', '3'], capsys)
    assert rc != 0 and message in out.err
    assert not (tmp_path / 'o').exists()  # failed before any model ran


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def http_folder(tmp_path):
    server = ThreadingHTTPServer(('127.0.0.1', 0), partial(_Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{server.server_address[1]}'
    server.shutdown()


def test_stream_cut_midway_leaves_valid_outputs(tmp_path, http_folder, pose_inferencer):
    full = tmp_path / 'full.avi'
    _people_video(full, n=30)
    data = full.read_bytes()
    (tmp_path / 'cut.avi').write_bytes(data[:len(data) // 2])  # the connection ends mid-way
    item = stream_item(f'{http_folder}/cut.avi', open_timeout_s=5)
    inf = pose_inferencer
    inf.temporal = PoseTemporal(smoother=TrackSmoother(fps=10))
    try:
        out = inf.run([item], str(tmp_path / 'out'), bboxes=None, pictures=False)
    finally:
        inf.temporal = None
    n = out['images']
    assert 5 < n < 30 and not out['failed'], out
    coco = json.loads((tmp_path / 'out' / 'keypoints.json').read_text())
    ids = json.loads((tmp_path / 'out' / 'image_ids.json').read_text())
    assert len(coco) == len(ids) == n
    for i in range(n):
        records = json.loads((tmp_path / 'out' / f'stream_{i:06d}.json').read_text())
        assert records[0]['track_id'] == 0 and len(records[0]['keypoints']) == 308


def test_max_frames_and_ctrl_c_stop_a_stream(tmp_path, http_folder):
    _people_video(tmp_path / 'v.avi', n=20)
    item = stream_item(f'{http_folder}/v.avi', max_frames=4, open_timeout_s=5)
    assert [s['name'] for s in StreamFrames(item)] == [f'stream_{i:06d}' for i in range(4)]
    item.max_frames = None
    with stop_on_interrupt():
        names = []
        for s in StreamFrames(item):
            names.append(s['name'])
            if len(names) == 3:
                os.kill(os.getpid(), signal.SIGINT)  # first Ctrl-C: stop after this frame
        assert len(names) == 3 and STOP.is_set()
        with pytest.raises(KeyboardInterrupt):  # a second one interrupts at once
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_stream_item_refuses_an_unreadable_source(tmp_path, http_folder):
    with pytest.raises(StreamError, match='missing.avi'):
        stream_item(f'{http_folder}/missing.avi', open_timeout_s=3)

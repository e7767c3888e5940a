"""The inferencer's outputs: never an input replaced, never two inputs under one name, never an
earlier call's results dropped; float arrays and truncated videos not taken silently.

On 2654df0: ``--out`` equal to the input folder overwrote the input ``x_seg.png`` with
``x.png``'s label map; ``clip.mp4`` beside ``clip_000000.png`` gave 5 inputs and 4 output sets;
folders ``a/{x}`` and ``b/{x, x_2}`` renamed ``x`` to the real ``x_2``'s name; a second call
into ``out/`` replaced ``keypoints.json``; a float array in [0, 1] was taken as pixels; a
truncated video was processed from its partial decode without a word."""
import json

import cv2
import numpy as np
import pytest

from sapiens_mm.apis import SapiensInferencer
from sapiens_mm.apis.inferencers.inputs import inputs_to_list
from sapiens_mm.utils.fileio import OutputOverwritesInputError
from tests.helpers.tiny_task_models import tiny_config, write_task_checkpoints


@pytest.fixture(scope='module')
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp('ckpts')
    cfgs = {t: tiny_config(t, padding=2) for t in ('pose', 'seg')}
    paths = write_task_checkpoints(str(d), cfgs)
    seg = SapiensInferencer([(cfgs['seg'], paths['seg'])], batch_size=2, num_workers=0)
    pose = SapiensInferencer([(cfgs['pose'], paths['pose'])], batch_size=2, num_workers=0,
                             flip_test=False)
    return seg, pose


def _img(seed, hw=(40, 30)):
    return np.random.default_rng(seed).integers(0, 256, hw + (3, ), np.uint8)


def _video(path, n, hw=(40, 32)):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), 5, hw[::-1])
    for i in range(n):
        writer.write(_img(100 + i, hw))
    writer.release()


def _snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob('*')
            if p.is_file()}


def test_out_equal_to_the_input_folder_is_refused_before_any_write(models, tmp_path):
    from sapiens_mm.apis.dist_inference import run_sharded
    seg, _ = models
    src = tmp_path / 'photos'
    src.mkdir()
    cv2.imwrite(str(src / 'x.png'), _img(0))
    cv2.imwrite(str(src / 'x_seg.png'), _img(1))  # an input, and x.png's label-map name
    before = _snapshot(src)
    with pytest.raises(OutputOverwritesInputError,
                       match=rf'output {src}/x_seg\.png would replace the input file '
                             rf'{src}/x_seg\.png'):
        seg.run(str(src), str(src))
    with pytest.raises(OutputOverwritesInputError, match=r'x_seg\.png would replace'):
        run_sharded(seg, str(src), str(src), rank=0, world_size=1)
    assert _snapshot(src) == before  # nothing written, nothing replaced
    # a picture name too (pictures only)
    cv2.imwrite(str(tmp_path / 'y.png'), _img(2))
    cv2.imwrite(str(tmp_path / 'y_panel.jpg'), _img(3))
    with pytest.raises(OutputOverwritesInputError, match=r'y_panel\.jpg would replace'):
        seg([str(tmp_path / 'y.png'), str(tmp_path / 'y_panel.jpg')],
            vis_out_dir=str(tmp_path))
    # another folder: fine
    assert seg.run(str(src), str(tmp_path / 'out'))['images'] == 2


def test_a_video_beside_an_image_named_like_its_frame(models, tmp_path):
    seg, _ = models
    src = tmp_path / 'in'
    src.mkdir()
    _video(src / 'clip.avi', 4)
    cv2.imwrite(str(src / 'clip_000000.png'), _img(0))
    names = [it.name for it in inputs_to_list(str(src))]
    assert names == ['clip', 'clip_000000_2']  # the image does not take frame 0's name
    s = seg.run(str(src), str(tmp_path / 'out'), pictures=False)
    written = sorted(p.name for p in (tmp_path / 'out').glob('*_seg.png'))
    assert s['images'] == 5 and len(written) == 5 and 'clip_000000_2_seg.png' in written


def test_renamed_inputs_do_not_take_a_real_input_name(tmp_path):
    for rel in ('a/x.png', 'b/x.png', 'b/x_2.png'):
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        cv2.imwrite(str(tmp_path / rel), _img(0))
    items = inputs_to_list([str(tmp_path / 'a'), str(tmp_path / 'b')])
    assert [(it.path.split('/')[-2] + '/' + it.path.split('/')[-1], it.name) for it in items] \
        == [('a/x.png', 'x'), ('b/x.png', 'x_3'), ('b/x_2.png', 'x_2')]
    # the per-call files' names are taken too
    cv2.imwrite(str(tmp_path / 'keypoints.png'), _img(0))
    assert [it.name for it in inputs_to_list(str(tmp_path / 'keypoints.png'))] == \
        ['keypoints_2']


def test_results_of_several_calls_into_one_folder_are_merged(models, tmp_path):
    _, pose = models
    for name in ('a', 'b', 'c'):
        cv2.imwrite(str(tmp_path / f'{name}.png'), _img(ord(name)))
    out = tmp_path / 'out'
    pose([str(tmp_path / 'a.png'), str(tmp_path / 'b.png')], pred_out_dir=str(out))
    pose(str(tmp_path / 'c.png'), pred_out_dir=str(out))
    ids = json.loads((out / 'image_ids.json').read_text())
    kpts = json.loads((out / 'keypoints.json').read_text())
    assert ids == [dict(id=1, file_name='a'), dict(id=2, file_name='b'),
                   dict(id=3, file_name='c')]
    assert sorted(k['image_id'] for k in kpts) == [1, 2, 3]
    # a re-run of b with two boxes replaces b's own records, keeps the others
    pose(str(tmp_path / 'b.png'), pred_out_dir=str(out),
         bboxes=[[[0, 0, 20, 30], [5, 5, 25, 35]]])
    kpts = json.loads((out / 'keypoints.json').read_text())
    assert json.loads((out / 'image_ids.json').read_text()) == ids
    assert sorted(k['image_id'] for k in kpts) == [1, 2, 2, 3]
    # an earlier file that cannot be merged: refused before anything runs
    (out / 'keypoints.json').write_text('[{"image_id": 1,')
    before = _snapshot(out)
    with pytest.raises(ValueError, match=r'keypoints\.json: an earlier run\'s COCO keypoint '
                                         'results that cannot be read'):
        pose(str(tmp_path / 'a.png'), pred_out_dir=str(out))
    assert _snapshot(out) == before


def test_float_arrays_are_refused(models):
    seg, _ = models
    img = _img(0).astype(np.float64) / 255
    with pytest.raises(TypeError, match=r'input array 0: dtype float64; expected uint8 BGR '
                                        r'pixel values 0-255'):
        seg(img)
    with pytest.raises(TypeError, match=r'input array 1: dtype float32'):
        seg([_img(1), img.astype(np.float32)])


def test_a_truncated_video_is_processed_with_a_warning(models, tmp_path):
    seg, _ = models
    video = tmp_path / 'clip.avi'
    _video(video, 12)
    data = video.read_bytes()
    video.write_bytes(data[:len(data) // 2])  # cut: the header still says 12 frames
    cap = cv2.VideoCapture(str(video))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 12
    cap.release()
    s = seg.run(str(video), str(tmp_path / 'out'), pictures=False)
    assert 0 < s['images'] < 12
    assert s['warnings'] == [('clip', f'{video}: decoded {s["images"]} frames of the 12 its '
                                      'header declares (truncated or damaged video); the '
                                      'frames decoded were processed')]
    full = tmp_path / 'full.avi'
    _video(full, 3)
    assert seg.run(str(full), str(tmp_path / 'out2'), pictures=False)['warnings'] == []

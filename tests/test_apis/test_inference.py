"""SapiensInferencer: every task on images, folders and videos; the shared backbone pass gives
the separate runs' results with one backbone forward; outputs on disk; bf16."""
import functools
import json
import os

import cv2
import numpy as np
import pytest
import torch

from sapiens_mm.apis.inference import SapiensInferencer as _SapiensInferencer
from sapiens_mm.apis.inferencers.decode import pose_to_coco
from sapiens_mm.checkpoint import CheckpointError
from tests.helpers.tiny_task_models import tiny_config, write_task_checkpoints

# these tests check the torch engine's own machinery (shared backbone modules, the fused fast
# path, bf16 against fp32); the OpenVINO engine has its own (tests/.../test_engines/)
SapiensInferencer = functools.partial(_SapiensInferencer, engine='torch')

DENSE = ('seg', 'depth', 'normal')


@pytest.fixture(scope='module')
def ckpts(tmp_path_factory):
    """Tiny pose/seg/depth/normal checkpoints (64x48 inputs, patch padding 2 everywhere) on
    one common backbone, and a seg checkpoint with a backbone of its own."""
    d = tmp_path_factory.mktemp('task_ckpts')
    cfgs = {t: tiny_config(t, padding=2) for t in ('pose', ) + DENSE}
    paths = write_task_checkpoints(str(d), cfgs)
    other = d / 'other'
    other.mkdir()
    paths['seg_other'] = write_task_checkpoints(str(other), {'seg': cfgs['seg']}, seed=1)['seg']
    return cfgs, paths


@pytest.fixture(scope='module')
def images():
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (70 + 10 * i, 50, 3), dtype=np.uint8) for i in range(3)]


def count_backbone_calls(inferencer):
    calls = []
    modules = {id(tm.model.backbone): tm.model.backbone for tm in inferencer.models.values()}
    for m in modules.values():  # models with equal backbones hold one module
        m.register_forward_hook(lambda m, i, o: calls.append(m))
    return calls


def test_equal_backbones_are_one_module_and_subsets_reuse_it(ckpts, images):
    cfgs, paths = ckpts
    specs = [(cfgs[t], paths[t]) for t in ('pose', ) + DENSE]
    inf = SapiensInferencer(specs, batch_size=3, flip_test=False)
    backbones = {id(tm.model.backbone) for tm in inf.models.values()}
    assert len(backbones) == 1  # pose too: same config and weights, one copy in memory
    apart = SapiensInferencer(specs, batch_size=3, flip_test=False, share_backbone=False)
    assert len({id(tm.model.backbone) for tm in apart.models.values()}) == 4
    other = SapiensInferencer([(cfgs['seg'], paths['seg_other']),
                               (cfgs['depth'], paths['depth'])])
    assert other.models['seg'].model.backbone is not other.models['depth'].model.backbone
    # a subset runs the same modules and gives what a separate inferencer gives
    sub = inf.subset(['depth', 'seg'])
    assert sub.tasks == ['seg', 'depth'] and sub.groups == [['seg', 'depth']]
    assert sub.models['seg'] is inf.models['seg']
    got = sub(images[:2])['predictions']
    ref = apart.subset(['seg', 'depth'])(images[:2])['predictions']
    for g, r in zip(got, ref):
        assert set(g) == {'seg', 'depth'}
        np.testing.assert_array_equal(g['seg'], r['seg'])
        assert np.abs(g['depth'] - r['depth']).max() == 0
    pose = inf.subset(['pose'])(images[:1])['predictions'][0]['pose'][0]['keypoints']
    ref = apart.subset(['pose'])(images[:1])['predictions'][0]['pose'][0]['keypoints']
    np.testing.assert_array_equal(np.asarray(pose), np.asarray(ref))
    with pytest.raises(ValueError, match='not all among'):
        inf.subset(['seg', 'albedo'])


def test_shared_pass_equals_separate_runs(ckpts, images):
    cfgs, paths = ckpts
    specs = [(cfgs[t], paths[t]) for t in DENSE]
    shared = SapiensInferencer(specs, batch_size=3)
    separate = SapiensInferencer(specs, batch_size=3, share_backbone=False)
    assert shared.groups == [list(DENSE)] and len(separate.groups) == 3
    n_shared, n_sep = count_backbone_calls(shared), count_backbone_calls(separate)
    a = shared(images, return_datasamples=True)['predictions']
    b = separate(images, return_datasamples=True)['predictions']
    assert len(n_shared) == 1 and len(n_sep) == 3  # one batch of 3 images
    for ra, rb, img in zip(a, b, images):
        h, w = img.shape[:2]
        assert ra['seg'].shape == (h, w) and ra['depth'].shape == (h, w)
        assert ra['normal'].shape == (h, w, 3)
        np.testing.assert_array_equal(ra['seg'], rb['seg'])
        assert np.abs(ra['depth'] - rb['depth']).max() == 0
        assert np.abs(ra['normal'] - rb['normal']).max() == 0
        np.testing.assert_allclose(np.linalg.norm(ra['normal'], axis=-1), 1, atol=1e-4)


def test_different_backbone_weights_or_padding_are_not_shared(ckpts):
    cfgs, paths = ckpts
    inf = SapiensInferencer([(cfgs['seg'], paths['seg_other']), (cfgs['depth'], paths['depth'])])
    assert inf.groups == [['seg'], ['depth']]
    depth0 = tiny_config('depth', padding=0)  # same weights, other patch padding
    inf = SapiensInferencer([(cfgs['seg'], paths['seg']), (depth0, paths['depth'])])
    assert inf.groups == [['seg'], ['depth']]


def test_pose_topdown_and_on_dense_features(ckpts, images):
    cfgs, paths = ckpts
    specs = [(cfgs['pose'], paths['pose']), (cfgs['seg'], paths['seg'])]
    topdown = SapiensInferencer(specs)
    on_dense = SapiensInferencer(specs, pose_on_dense=True)
    assert topdown.pose_group is None and on_dense.pose_group == 0
    calls = count_backbone_calls(on_dense)
    # an image at the input size, and the same image with every pixel doubled: the model
    # sees the same tensor, so keypoints must map to (x + 0.5) * 2 - 0.5 in the big one
    small = images[0][:64, :48]
    big = np.repeat(np.repeat(small, 2, axis=0), 2, axis=1)
    res = on_dense([small, big], return_datasamples=True)['predictions']
    assert len(calls) == 1  # one pass for pose and segmentation
    k_small = res[0]['pose'].pred_instances.keypoints
    k_big = res[1]['pose'].pred_instances.keypoints
    assert k_small.shape == (1, 308, 2) and np.isfinite(k_small).all()
    np.testing.assert_allclose(k_big, (k_small + 0.5) * 2 - 0.5, rtol=1e-4, atol=1e-3)
    assert res[1]['pose'].pred_instances.bboxes.tolist() == [[0, 0, 96, 128]]
    # given boxes: one person per box, keypoints in image pixels
    r = topdown([images[0]], bboxes=[np.array([[0, 0, 25, 35], [20, 30, 50, 70]])],
                return_datasamples=True)['predictions'][0]
    assert r['pose'].pred_instances.keypoints.shape == (2, 308, 2)
    coco = pose_to_coco(r['pose'], image_id=7)
    assert len(coco) == 2 and len(coco[0]['keypoints']) == 308 * 3
    assert coco[1]['bbox'] == [20.0, 30.0, 30.0, 40.0] and coco[0]['image_id'] == 7


def test_run_on_folder_writes_results_and_pictures(ckpts, images, tmp_path):
    cfgs, paths = ckpts
    src = tmp_path / 'in'
    src.mkdir()
    for i, img in enumerate(images):
        cv2.imwrite(str(src / f'im{i}.png'), img)
    (src / 'broken.jpg').write_bytes(b'not an image')
    inf = SapiensInferencer([(cfgs[t], paths[t]) for t in ('pose', ) + DENSE], batch_size=2)
    out = tmp_path / 'out'
    summary = inf.run(str(src), str(out))
    assert summary['images'] == 3 and len(summary['failed']) == 1
    assert summary['failed'][0][0] == 'broken' and 'broken.jpg: unreadable' in summary['failed'][0][1]
    ref = inf(str(src / 'im1.png'))['predictions'][0]
    np.testing.assert_array_equal(cv2.imread(str(out / 'im1_seg.png'), cv2.IMREAD_UNCHANGED),
                                  ref['seg'])
    np.testing.assert_allclose(np.load(out / 'im1_depth.npy'), ref['depth'], atol=1e-6)
    assert np.load(out / 'im1_normal.npy').shape == images[1].shape[:2] + (3, )
    for name in ('pose', 'seg', 'depth', 'normal'):
        assert cv2.imread(str(out / f'im1_{name}.jpg')).shape == images[1].shape
    panel = cv2.imread(str(out / 'im1_panel.jpg'))
    assert panel.shape == (images[1].shape[0], images[1].shape[1] * 5, 3)
    kpts = json.loads((out / 'keypoints.json').read_text())
    ids = json.loads((out / 'image_ids.json').read_text())
    assert len(kpts) == 3 and {k['image_id'] for k in kpts} == {1, 2, 3}
    assert [i['file_name'] for i in ids] == ['im0', 'im1', 'im2']
    per_image = json.loads((out / 'im1.json').read_text())  # mmpose's per-image records
    assert len(per_image) == 1 and np.array(per_image[0]['keypoints']).shape == (308, 2)


def test_run_on_video(ckpts, tmp_path):
    cfgs, paths = ckpts
    video = str(tmp_path / 'clip.avi')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'MJPG'), 5, (48, 64))
    rng = np.random.default_rng(1)
    for _ in range(3):
        writer.write(rng.integers(0, 256, (64, 48, 3), dtype=np.uint8))
    writer.release()
    inf = SapiensInferencer([(cfgs['depth'], paths['depth'])], batch_size=2)
    summary = inf.run(video, str(tmp_path / 'out'), video_out=True)
    assert summary['images'] == 3
    for i in range(3):
        assert np.load(tmp_path / 'out' / f'clip_{i:06d}_depth.npy').shape == (64, 48)
    cap = cv2.VideoCapture(str(tmp_path / 'out' / 'clip_panel.mp4'))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 3
    cap.release()


def test_bf16_close_to_fp32(ckpts, images):
    cfgs, paths = ckpts
    specs = [(cfgs[t], paths[t]) for t in DENSE]
    fp32 = SapiensInferencer(specs, precision='fp32')(images[0])['predictions'][0]
    bf16 = SapiensInferencer(specs, precision='bf16')(images[0])['predictions'][0]
    assert bf16['depth'].dtype == np.float32
    rel = np.abs(bf16['depth'] - fp32['depth']).max() / np.abs(fp32['depth']).max()
    assert 0 < rel < 0.1
    cos = (bf16['normal'] * fp32['normal']).sum(-1).clip(-1, 1)
    assert np.degrees(np.arccos(cos)).mean() < 10


def test_bad_inputs_are_named(ckpts, tmp_path):
    cfgs, paths = ckpts
    with pytest.raises(CheckpointError, match='pose.pth: has no weights'):
        SapiensInferencer([(cfgs['seg'], paths['pose'])])
    with pytest.raises(ValueError, match='two seg models'):
        SapiensInferencer([(cfgs['seg'], None), (cfgs['seg'], None)])
    bad = tmp_path / 'x.png'
    bad.write_bytes(b'junk')
    res = SapiensInferencer([(cfgs['seg'], None)])(str(bad))
    assert res['predictions'] == [] and res['failed'] == [
        ('x', f'{bad}: unreadable image (not a decodable image)')]
    with pytest.raises(FileNotFoundError, match='nothing.png: no such'):
        SapiensInferencer([(cfgs['seg'], None)])(str(tmp_path / 'nothing.png'))


def test_released_name_not_cached_fails_fast_without_building(monkeypatch, tmp_path, ckpts):
    import time
    from sapiens_mm.apis.inferencers import sapiens_inferencer as si
    built = []
    monkeypatch.setattr(si, 'build_task_model', lambda *a, **k: built.append(a))
    monkeypatch.setenv('SAPIENS_MM_CHECKPOINTS', str(tmp_path))
    monkeypatch.delenv('SAPIENS_CHECKPOINT_ROOT', raising=False)
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    cfgs, paths = ckpts
    t = time.perf_counter()
    with pytest.raises(CheckpointError, match='sapiens_0.3b_seg_goliath: released checkpoint'):
        # the local pair first: nothing is built before every checkpoint is found
        SapiensInferencer([(cfgs['depth'], paths['depth']), 'sapiens_0.3b_seg_goliath'])
    assert time.perf_counter() - t < 2 and built == []


def test_single_array_and_list_inputs(ckpts, images):
    cfgs, paths = ckpts
    inf = SapiensInferencer([(cfgs['depth'], paths['depth'])])
    one = inf(images[0])
    assert len(one['predictions']) == 1 and one['names'] == ['00000000']
    assert one['predictions'][0]['depth'].shape == images[0].shape[:2]
    many = inf(images, return_vis=True, batch_size=2)
    assert len(many['predictions']) == 3 and len(many['visualization']) == 3
    np.testing.assert_array_equal(many['predictions'][0]['depth'], one['predictions'][0]['depth'])
    assert many['visualization'][1]['panel'].shape == (80, 100, 3)


def test_two_videos_and_same_stem_images_into_one_folder(ckpts, tmp_path):
    cfgs, paths = ckpts
    rng = np.random.default_rng(2)
    src = tmp_path / 'in'
    for sub in ('a', 'b'):
        (src / sub).mkdir(parents=True)
        writer = cv2.VideoWriter(str(src / sub / 'clip.avi'), cv2.VideoWriter_fourcc(*'MJPG'),
                                 5, (48, 64))
        for _ in range(2):
            writer.write(rng.integers(0, 256, (64, 48, 3), dtype=np.uint8))
        writer.release()
    for rel in ('x.png', 'x.jpg', 'a/x.png'):
        cv2.imwrite(str(src / rel), rng.integers(0, 256, (40, 30, 3), dtype=np.uint8))
    inf = SapiensInferencer([(cfgs['seg'], paths['seg'])], batch_size=2, num_workers=1)
    out = tmp_path / 'out'
    s = inf.run(str(src), str(out), video_out=True)
    assert s['images'] == 7 and s['failed'] == []
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob('*_seg.png'))
    assert written == ['a/clip_000000_seg.png', 'a/clip_000001_seg.png', 'a/x_seg.png',
                       'b/clip_000000_seg.png', 'b/clip_000001_seg.png', 'x.jpg_seg.png',
                       'x.png_seg.png']
    assert (out / 'a' / 'clip_panel.mp4').is_file() and (out / 'b' / 'clip_panel.mp4').is_file()
    (src / 'broken.mp4').write_bytes(b'not a video')
    s = inf.run(str(src / 'broken.mp4'), str(tmp_path / 'b'))
    assert s['images'] == 0 and len(s['failed']) == 1 and 'broken.mp4' in s['failed'][0][1]
    # without pictures / raw maps
    s = inf.run(str(src / 'x.png'), str(tmp_path / 'lean'), pictures=False, raw=False)
    assert s['images'] == 1 and not any((tmp_path / 'lean').rglob('*.*'))

"""tools/benchmark/benchmark_inference.py on the tiny arch, and the inferencer's fp32 outputs
against the release's lite-demo post-processing of the same head outputs."""
import os
import sys

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tools', 'benchmark'))

import benchmark_inference  # noqa: E402
from lite_pipeline import lite_dense  # noqa: E402


def test_fp32_outputs_equal_lite_post_processing(tmp_path):
    from mmengine.dataset import pseudo_collate
    from sapiens_mm.apis import SapiensInferencer
    from tests.helpers.tiny_task_models import tiny_config, write_task_checkpoints
    cfgs = {t: tiny_config(t, padding=2) for t in ('seg', 'depth', 'normal')}
    paths = write_task_checkpoints(str(tmp_path), cfgs)
    img = np.random.default_rng(0).integers(0, 256, (150, 97, 3), dtype=np.uint8)
    inf = SapiensInferencer([(cfgs[t], paths[t]) for t in cfgs], precision='fp32')
    ours = inf(img)['predictions'][0]
    for t in cfgs:
        tm = inf.models[t]
        data = tm.model.data_preprocessor(pseudo_collate([tm.pipeline(dict(img=img))]), False)
        with torch.no_grad():
            out = tm.model.decode_head.forward(tm.model.extract_feat(data['inputs']))[0]
        ref = lite_dense(t, out, img.shape[:2])
        if t == 'seg':
            assert (ref == ours[t]).mean() >= 0.999
        elif t == 'normal':  # the lite demo divides by |n| + 1e-5: same direction, length < 1
            unit = ref / np.linalg.norm(ref, axis=-1, keepdims=True)
            assert np.abs(unit - ours[t]).max() <= 1e-4
        else:
            assert np.abs(ref - ours[t]).max() <= 1e-4 * np.abs(ref).max()


def test_benchmark_runs_on_tiny_arch(tmp_path):
    md = tmp_path / 'bench.md'
    report = benchmark_inference.main([
        '--arch', 'sapiens_tiny', '--num-images', '1', '--repeats', '1', '--pictures', 'off',
        '--markdown', str(md)])
    text = md.read_text()
    assert '| all4 | off |' in text and 'x lite' in text and 'native bf16' in text
    assert any('vs lite post-processing' in n and '100.00 %' in n for n in report['notes'])
    assert len(report['times']) == 3 * 4 + 2  # lite per task, ours x2 per task + all4


def test_pose_decode_equals_lite_decode_on_well_conditioned_heatmaps():
    """The 0.3B pose config's codec (batched UDP + DARK, torch) against the lite demo's decode
    (mmpose's numpy UDPHeatmap, blur kernel 11) of the same heatmaps: Gaussian peaks at random
    sub-pixel places, well inside the map; the identity crop makes both image pixels."""
    from mmengine.config import Config
    from mmpose.registry import KEYPOINT_CODECS

    import sapiens_mm  # noqa: F401
    from lite_pipeline import lite_pose_decode
    cfg = Config.fromfile(os.path.join(ROOT, 'configs', 'sapiens_pose', 'goliath',
                                       'sapiens_0.3b-210e_goliath-1024x768.py'))
    codec = KEYPOINT_CODECS.build(cfg.codec)
    (in_w, in_h), (w, h) = codec.input_size, codec.heatmap_size
    rng = np.random.default_rng(0)
    k = 308
    peaks = np.stack([rng.uniform(8, w - 8, k), rng.uniform(8, h - 8, k)], -1)
    ys, xs = np.mgrid[0:h, 0:w]
    heatmaps = np.exp(-((xs[None] - peaks[:, 0, None, None]) ** 2 +
                        (ys[None] - peaks[:, 1, None, None]) ** 2) / (2 * 2.0 ** 2))
    ours, _ = codec.batch_decode(torch.from_numpy(heatmaps[None].astype(np.float32)))
    center = np.array([in_w / 2, in_h / 2], np.float32)
    scale = np.array([in_w, in_h], np.float32)
    lite, _ = lite_pose_decode(heatmaps.astype(np.float32), center, scale, (in_w, in_h))
    err = np.linalg.norm(ours[0][0] - lite, axis=-1)
    assert err.max() <= 0.5, err.max()
    # and both find the peaks (UDP: heatmap pixel i is input pixel i * (in - 1) / (hm - 1))
    truth = peaks * (np.array([in_w - 1, in_h - 1]) / np.array([w - 1, h - 1]))
    assert np.linalg.norm(lite - truth, axis=-1).mean() < 1.0  # 0.79 px: a quarter heatmap px


def test_benchmark_openvino_variant_on_tiny_arch(tmp_path):
    import pytest
    pytest.importorskip('openvino')
    report = benchmark_inference.main([
        '--arch', 'sapiens_tiny', '--input-size', '64', '48', '--num-images', '1',
        '--repeats', '1', '--pictures', 'off', '--tasks', 'depth', '--variants',
        'ours fp32,openvino fp32', '--overhead-repeats', '1', '--no-second-process'])
    assert len(report['times']) == 2
    assert any('depth graph converted+cached' in n for n in report['engine_notes'])
    assert any('engine / bare' in n for n in report['engine_notes'])
    note = next(n for n in report['notes'] if 'openvino fp32 (f32) vs ours fp32' in n)
    assert float(note.rsplit('rel ', 1)[1]) <= 1e-4


def small_image(tmp_path, hw=(150, 110)):
    """A small photo-like image file (the benchmark resizes every output to it)."""
    import cv2
    rng = np.random.default_rng(0)
    img = cv2.GaussianBlur(rng.integers(0, 256, (*hw, 3), dtype=np.uint8), (7, 7), 2)
    path = str(tmp_path / 'small.jpg')
    cv2.imwrite(path, img)
    return path


def test_benchmark_sapiens2_tiny_default_variants_share_normal_pointmap_pass(tmp_path, capsys):
    """Sapiens2 without --tasks / --variants: the four v2 tasks, ours fp32 and auto only (the
    default's lite variant dropped with a note); normals and pointmaps share one pass."""
    md, js = tmp_path / 'bench.md', tmp_path / 'bench.json'
    report = benchmark_inference.main([
        '--arch', 'sapiens2_tiny', '--input-size', '96', '64', '--images',
        small_image(tmp_path), '--num-images', '1', '--repeats', '1', '--pictures', 'off',
        '--no-agreement', '--markdown', str(md), '--json', str(js)])
    assert "no 'lite fp32' variant for sapiens2_tiny" in capsys.readouterr().out
    assert report['args']['tasks'] == 'pose,seg,normal,pointmap'
    assert report['args']['variants'] == 'ours fp32,ours auto'
    assert len(report['times']) == 2 * (4 + 1)  # (4 tasks + all4) x 2 variants
    text = md.read_text()
    for row in ('pose', 'seg', 'normal', 'pointmap', 'all4'):
        assert f'| {row} | off |' in text
    assert 'x lite' not in text and 'lite fp32' not in text
    assert "ours fp32 all4 groups: dense [['seg'], ['normal', 'pointmap']]" in text
    assert 'sapiens2_tiny (all layers), model input 96x64,' in text
    import json
    assert json.loads(js.read_text())['args']['arch'] == 'sapiens2_tiny'


def test_benchmark_openvino_variant_on_sapiens2_tiny(tmp_path):
    pytest = __import__('pytest')
    pytest.importorskip('openvino')
    md = tmp_path / 'bench.md'
    report = benchmark_inference.main([
        '--arch', 'sapiens2_tiny', '--input-size', '96', '64', '--images',
        small_image(tmp_path), '--num-images', '1', '--repeats', '1', '--pictures', 'off',
        '--tasks', 'seg,pointmap', '--variants', 'ours fp32,openvino fp32',
        '--overhead-repeats', '1', '--no-second-process', '--markdown', str(md), '--json',
        str(tmp_path / 'bench.json')])
    import json
    assert json.loads((tmp_path / 'bench.json').read_text())['times'] == report['times']
    assert sorted(report['times']) == sorted(
        f'{v}|{t}|False' for v in ('ours fp32', 'openvino fp32')
        for t in ('seg', 'pointmap', 'all4'))
    text = md.read_text()
    assert '| pointmap | off |' in text and '| all4 | off |' in text and 'model input 96x64' in text
    assert any('pointmap graph converted+cached' in n for n in report['engine_notes'])
    seg = next(n for n in report['notes'] if n.startswith('seg, openvino fp32 (f32) vs ours'))
    assert float(seg.split(': ')[1].split(' %')[0]) >= 99.0
    pm = next(n for n in report['notes'] if n.startswith('pointmap, openvino fp32 (f32) vs'))
    assert float(pm.rsplit('rel ', 1)[1]) <= 1e-3  # metric XYZ, relative to the largest |xyz|


def test_benchmark_refuses_what_sapiens2_has_not(capsys):
    """lite fp32 (the v1 release's pipeline), depth (no v2 model), and a pointmap input its
    scale branch cannot take are argparse errors naming the argument, before any model."""
    import pytest
    cases = [(['--variants', 'lite fp32,ours fp32'], "--variants: 'lite fp32'"),
             (['--tasks', 'seg,depth'], '--tasks: depth not among the sapiens2_tiny tasks'),
             (['--tasks', 'pointmap', '--input-size', '64', '48'],
              '--input-size: pointmap at input 64x48'),
             (['--arch', 'vit_base'], '--arch:')]
    for extra, message in cases:
        with pytest.raises(SystemExit) as e:
            benchmark_inference.main(['--arch', 'sapiens2_tiny'] + extra)
        assert e.value.code == 2 and message in capsys.readouterr().err, extra


def test_sapiens2_checkpoints_release_layout_shared_backbone(tmp_path):
    """write_checkpoints writes Sapiens2 task files with the release's keys (flat safetensors,
    decode_head.*, pose's conv_pose) and one backbone; they load strictly."""
    from safetensors.torch import load_file
    from sapiens_mm.apis.inferencers import build_task_model
    cfgs = benchmark_inference.make_configs('sapiens2_tiny', 2, (96, 64), ['pose', 'pointmap'])
    paths = benchmark_inference.write_checkpoints(cfgs, str(tmp_path))
    files = {t: load_file(p) for t, p in paths.items()}
    assert paths['pose'].endswith('.safetensors')
    assert 'decode_head.conv_pose.weight' in files['pose']
    assert not any(k.startswith('head.') for k in files['pose'])
    back = [k for k in files['pose'] if k.startswith('backbone.')]
    assert back and all(torch.equal(files['pose'][k], files['pointmap'][k]) for k in back)
    assert not any(k.startswith('backbone.blocks.2.') for k in back)  # --layers 2
    for t in paths:
        tm = build_task_model(cfgs[t], paths[t])
        assert torch.equal(tm.model.backbone.cls_token, files[t]['backbone.cls_token'])
    assert tm.model.decode_head.input_size == (96, 64)


def test_sapiens2_normal_letterbox_step_equals_fit_and_centre_pad():
    """The benchmark gives Sapiens2 normals the pointmap's letterbox step (so that the two
    share a pass): the same pixels and padding as the normal config's FitAndCentrePad."""
    from mmseg.registry import TRANSFORMS
    import sapiens_mm  # noqa: F401
    rng = np.random.default_rng(1)
    for shape in ((150, 110), (97, 301), (1052, 1152), (64, 48)):
        img = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
        a = TRANSFORMS.build(dict(type='FitAndCentrePad', size=(128, 96)))(dict(img=img))
        b = TRANSFORMS.build(benchmark_inference.letterbox_step(128, 96))(dict(img=img))
        np.testing.assert_array_equal(a['img'], b['img'])
        assert list(a['img_padding_size']) == list(b['img_padding_size'])


def test_sized_config_sapiens2_sizes():
    """task_configs.sized_config on the 0.4B Sapiens2 configs: every place of the input size
    follows (crop warp and codec, stretch, letterbox, pointmap head)."""
    from task_configs import config_path, sized_config
    steps = lambda c: {s['type']: s for s in c.test_dataloader.dataset.pipeline}  # noqa: E731
    pose = sized_config('pose', 'sapiens2_0.4b', (256, 192))
    assert steps(pose)['ReleaseInterpolationTopdownAffine']['input_size'] == (192, 256)
    assert pose.model.head.decoder.heatmap_size == (48, 64)
    assert pose.model.backbone.img_size == (256, 192) and pose.model.backbone.init_cfg is None
    seg = sized_config('seg', 'sapiens2_0.4b', (256, 192))
    assert steps(seg)['AreaOrCubicResize']['scale'] == (192, 256)
    assert seg.model.data_preprocessor.size == (256, 192)
    assert steps(sized_config('normal', 'sapiens2_0.4b', (256, 192)))['FitAndCentrePad'][
        'size'] == (256, 192)
    pm = sized_config('pointmap', 'sapiens2_0.4b', (256, 192))
    assert (steps(pm)['PointmapResize']['height'], steps(pm)['PointmapResize']['width']) == \
        (256, 192)
    assert pm.model.decode_head.input_size == (256, 192)
    assert config_path('pointmap', 'sapiens2_tiny').endswith('_tiny_pointmap_synthetic-128x96.py')
    import pytest
    with pytest.raises(ValueError, match='depth'):
        config_path('depth', 'sapiens2_0.4b')
    with pytest.raises(ValueError, match='pointmap at input 80x48'):
        sized_config('pointmap', 'sapiens2_0.4b', (80, 48))  # 5x3 features -> 1x1


def test_all4_only_leaves_out_the_single_task_rows_and_their_graphs(tmp_path):
    import pytest
    pytest.importorskip('openvino')
    md = tmp_path / 'b.md'
    report = benchmark_inference.main([
        '--arch', 'sapiens_tiny', '--input-size', '64', '48', '--images', small_image(tmp_path),
        '--num-images', '1', '--repeats', '1', '--pictures', 'off', '--tasks', 'seg,depth',
        '--variants', 'lite fp32,openvino fp32', '--all4-only', '--overhead-repeats', '0',
        '--no-second-process', '--no-agreement', '--markdown', str(md)])
    # lite runs its two tasks (its all4 is their sum); the engine only the two at once
    assert sorted(report['times']) == ['lite fp32|depth|False', 'lite fp32|seg|False',
                                       'openvino fp32|all4|False']
    graphs = report['engine_notes'][0]
    assert 'seg+depth graph' in graphs and 'seg graph' not in graphs.replace('seg+depth', '')
    rows = {line.split(' | ')[0]: line for line in md.read_text().splitlines()
            if line.startswith('| ')}
    seg = rows['| seg'].split(' | ')
    assert seg[3] == 'nan'  # no single-task openvino row
    all4 = rows['| all4'].split(' | ')
    assert float(all4[2]) > 0 and float(all4[3]) > 0  # lite's sum, openvino's all4
    assert 'against the sum of the four separate runs' not in md.read_text()  # no singles

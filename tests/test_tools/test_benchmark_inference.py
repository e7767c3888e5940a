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

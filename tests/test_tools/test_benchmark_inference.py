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

"""The benchmark scripts run end to end on a tiny arch and write their tables (figures are
printed, never asserted; what is checked is the report's content and consistency)."""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tools', 'benchmark'))

import benchmark_backbone  # noqa: E402
from markdown_section import write_section  # noqa: E402


def test_write_section_replaces_only_its_block(tmp_path):
    path = str(tmp_path / 'docs' / 'bench.md')
    write_section(path, 'a', 'table A v1')
    write_section(path, 'b', 'table B')
    with open(path, 'a') as f:
        f.write('hand-written note\n')
    write_section(path, 'a', 'table A v2')
    text = open(path).read()
    assert 'table A v2' in text and 'table A v1' not in text
    assert text.count('<!-- begin a -->') == 1 and 'table B' in text
    assert 'hand-written note' in text and text.index('table A v2') < text.index('table B')


def test_backbone_benchmark_tiny(tmp_path):
    md, js = str(tmp_path / 'b.md'), str(tmp_path / 'b.json')
    report = benchmark_backbone.main([
        '--archs', 'sapiens_tiny', '--img-size', '64', '48', '--repeats', '1', '--levers',
        '--json', js, '--markdown', md])
    variants = report['archs'][0]['variants']
    assert set(variants) == {
        'reference fp32', 'ours fp32 (fused layers)', 'reference bf16 autocast',
        'ours bf16 weights, upstream forward', 'ours bf16 fused, no prepack',
        'ours bf16 (fused layers)'}
    # same weights: our fp32 forward agrees with the upstream reference to rounding, the bf16
    # ones closely (each compared with the reference fp32 output, a different computation)
    ours32 = variants['ours fp32 (fused layers)']
    assert ours32['rel_err'] < 1e-4 and ours32['cosine'] > 1 - 1e-6
    for name in ('ours bf16 (fused layers)', 'reference bf16 autocast'):
        assert 1e-6 < variants[name]['rel_err'] < 0.1 and variants[name]['cosine'] > 0.99
    # speed-ups are the reference's median time over the variant's
    ref32, ref16 = variants['reference fp32'], variants['reference bf16 autocast']
    for res in variants.values():
        assert res['x_ref_fp32'] == ref32['seconds'] / res['seconds']
        assert res['x_ref_bf16_autocast'] == ref16['seconds'] / res['seconds']
        assert res['seconds'] == sorted(res['times'])[len(res['times']) // 2]
    assert report['archs'][0]['flops'] == 2 * (4 * (12 * 12 * 128 ** 2 + 2 * 12 ** 2 * 128)
                                               + 12 * 128 * 768)
    assert set(report['rates']) >= {'fp32', 'bf16'}
    assert set(report['archs'][0]['matmul_gflops_in_run']) == {'fp32', 'bf16'}
    with open(js) as f:
        assert json.load(f)['archs'][0]['arch'] == 'sapiens_tiny'
    text = open(md).read()
    assert '| ours bf16 (fused layers) |' in text and 'load average' in text


def test_sapiens2_backbone_benchmark_tiny(tmp_path):
    import benchmark_sapiens2_backbone
    md = str(tmp_path / 'b.md')
    report = benchmark_sapiens2_backbone.main([
        '--arch', 'sapiens2_tiny', '--img-size', '64', '48', '--repeats', '1', '--warmup', '0',
        '--markdown', md])
    rows = {r['variant']: r for r in report['rows']}
    assert set(rows) == {'eager fp32', 'eager bf16 autocast', 'ours fp32', 'ours bf16'}
    assert rows['eager fp32']['rel_max_err'] == 0 and rows['eager fp32']['vs_eager_fp32'] == 1
    # same weights: the fused paths agree with the eager module (the bf16 RoPE rounding bounds
    # the fp32 agreement, see tests/test_apis/test_fast_inference_sapiens2.py)
    assert rows['ours fp32']['cosine'] > 1 - 1e-5 and rows['ours bf16']['cosine'] > 0.99
    assert 'native bf16 flags' in open(md).read()


def test_train_step_benchmark_levers(tmp_path):
    """One fresh process per lever; the same model (same parameter count) under each, and the
    table names the lever of each row."""
    import benchmark_train_step
    md, js = str(tmp_path / 't.md'), str(tmp_path / 't.json')
    report = benchmark_train_step.main([
        '--settings', 'pose_tiny', '--levers', 'fp32', 'bf16+cp', '--iters', '1', '--warmup',
        '0', '--threads', '1', '--data-dir', str(tmp_path / 'data'), '--json', js,
        '--markdown', md])
    fp32, bf16_cp = report['results']
    assert (fp32['precision'], bf16_cp['precision']) == ('fp32', 'bf16+cp')
    assert fp32['params'] == bf16_cp['params'] and fp32['arch'] == 'sapiens_tiny'
    assert all(r['peak_rss_mib'] >= r['rss_before_steps_mib'] > 0 for r in (fp32, bf16_cp))
    assert '| bf16+cp |' in open(md).read()


def test_multitask_benchmark_schedules_follow_epochs():
    """benchmark_multitask sets every model's schedule to --epochs, longer or shorter than the
    config's: the epoch-based decay ends at --epochs (a config of 5 epochs trained for 20
    used to run its last 15 at a zero learning rate)."""
    from mmengine.config import Config
    import benchmark_multitask as bm
    for cfg_path in list(bm.SINGLE.values()) + [bm.MULTI]:
        cfg = Config.fromfile(os.path.join(bm.ROOT, cfg_path))
        for epochs in (cfg.train_cfg.max_epochs // 2, cfg.train_cfg.max_epochs * 3):
            opts = bm.schedule_options(cfg_path, epochs)
            cfg2 = Config.fromfile(os.path.join(bm.ROOT, cfg_path))
            cfg2.merge_from_dict(dict(o.split('=', 1) for o in opts))
            assert int(cfg2.train_cfg.max_epochs) == epochs
            by_epoch = [s for s in cfg2.param_scheduler if s.get('by_epoch', True)]
            assert max(int(s['end']) for s in by_epoch) == epochs, cfg_path
            assert all(int(s.get('T_max', epochs)) == epochs for s in by_epoch)

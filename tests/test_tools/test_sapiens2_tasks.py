"""Sapiens2 pose, 29-class segmentation and normals through the stock runners: each tiny v2
config trains and then scores better than untrained on a held-out split of the built-in
synthetic humans; the trained weights, rewritten in the release's task-checkpoint layout
(flat safetensors, ``backbone.*`` + ``decode_head.*``, the pose head's ``conv_pose``), load
strictly in ``tools/test.py`` (same figures) and ``tools/infer.py``; a v1 checkpoint is refused."""
import json

import pytest
import torch
from safetensors.torch import save_file

from tests.helpers.tool_runs import logged, run

CONFIGS = {
    'seg': ('configs/sapiens2_seg/synthetic/sapiens2_tiny_seg_synthetic-128x96.py', 'mIoU',
            'greater'),
    'normal': ('configs/sapiens2_normal/synthetic/sapiens2_tiny_normal_synthetic-128x96.py',
               'normal/mean', 'less'),
    'pose': ('configs/sapiens2_pose/synthetic/sapiens2_tiny_pose_synthetic-128x96.py',
             'PCK', 'greater'),
}
ITERS = {'seg': 60, 'normal': 60, 'pose': 80}


@pytest.fixture(scope='module')
def synthetic(tmp_path_factory, repo_root):
    root = tmp_path_factory.mktemp('synthetic')
    for split, num, seed in (('train', 24, 0), ('val', 6, 1)):
        run(['tools/make_synthetic_humans.py', '--out', root / split, '--num', num, '--seed',
             seed, '--size', 128, 96, '--max-people', 1, '--max-view-yaw', 45,
             '--close-up-prob', 0, '--pitch-range', 10, 25, '--previews', 0], repo_root)
    return root


def _data_opts(task, root):
    if task == 'pose':
        return [f'train_dataloader.dataset.data_root={root}/train/',
                f'val_dataloader.dataset.data_root={root}/val/',
                f'test_dataloader.dataset.data_root={root}/val/',
                f'val_evaluator.0.ann_file={root}/val/annotations/goliath_308.json',
                f'test_evaluator.0.ann_file={root}/val/annotations/goliath_308.json']
    return [f'{s}_dataloader.dataset.data_root={root}/{d}'
            for s, d in (('train', 'train'), ('val', 'val'), ('test', 'val'))]


def release_layout(pth, out, task):
    """A sapiens_mm checkpoint rewritten with the release's task-file key names."""
    sd = torch.load(pth, map_location='cpu', weights_only=False)['state_dict']
    rel = {}
    for k, v in sd.items():
        if task == 'pose' and k.startswith('head.'):
            k = 'decode_head.' + k[len('head.'):].replace('final_layer.', 'conv_pose.')
        rel[k] = v.contiguous()
    save_file(rel, str(out))
    return out


@pytest.mark.parametrize('task', sorted(CONFIGS))
def test_tiny_v2_config_trains_tests_and_infers(tmp_path, repo_root, synthetic, task):
    config, key, rule = CONFIGS[task]
    opts = _data_opts(task, synthetic)
    n = ITERS[task]
    work = tmp_path / 'train'
    run(['tools/train.py', config, '--work-dir', work, '--cfg-options', *opts,
         f'train_cfg.max_iters={n}', f'train_cfg.val_interval={n}',
         f'default_hooks.checkpoint.interval={n}', 'default_hooks.logger.interval=5',
         'train_dataloader.batch_size=8', 'train_dataloader.num_workers=0'], repo_root)
    records = logged(work)
    losses = [r['loss'] for r in records if 'loss' in r]
    assert losses[-1] < losses[0]
    trained = [r[key] for r in records if key in r][-1]

    untrained_work = tmp_path / 'untrained'
    run(['tools/test.py', config, 'none', '--work-dir', untrained_work, '--cfg-options', *opts],
        repo_root)
    untrained = [r[key] for r in logged(untrained_work) if key in r][-1]
    better = trained > untrained if rule == 'greater' else trained < untrained
    assert better, (task, key, 'untrained', untrained, 'trained', trained)

    ckpt = (work / 'last_checkpoint').read_text().strip()
    release = release_layout(ckpt, tmp_path / f'sapiens2_tiny_{task}.safetensors', task)
    test_work = tmp_path / 'test'
    run(['tools/test.py', config, release, '--work-dir', test_work, '--cfg-options', *opts],
        repo_root)
    again = [r[key] for r in logged(test_work) if key in r][-1]
    assert again == pytest.approx(trained, rel=1e-4, abs=1e-4)  # strict load, same weights

    image = synthetic / 'val' / 'images' / sorted(p.name for p in
                                                  (synthetic / 'val' / 'images').iterdir())[0]
    out = tmp_path / 'infer'
    run(['tools/infer.py', image, '--out', out, '--task', config, release, '--device', 'cpu',
         '--precision', 'fp32', '--no-pictures', '--det', 'none'], repo_root)
    stem = image.stem
    expected = {'seg': f'{stem}_seg.png', 'normal': f'{stem}_normal.npy', 'pose': f'{stem}.json'}
    assert (out / expected[task]).is_file(), sorted(p.name for p in out.iterdir())
    if task == 'pose':
        record = json.loads((out / expected[task]).read_text())
        people = record if isinstance(record, list) else record.get('instances', record)
        assert len(json.dumps(people)) > 100  # 308 keypoints written

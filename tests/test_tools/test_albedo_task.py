"""The tiny Sapiens2 albedo config trains and evaluates through tools/train.py and
tools/test.py on a fixture in the release's layout (images in images/, as the generator)."""
import numpy as np
import pytest

from tests.helpers.albedo_data import write_albedo_humans
from tests.helpers.tool_runs import logged, run

CONFIG = 'configs/sapiens2_albedo/synthetic/sapiens2_tiny_albedo_synthetic-128x96.py'
KEYS = [f'albedo/{k}' for k in ('mae', 'rmse', 'psnr', 'ssim', 'grad_l1')]


def test_tiny_albedo_config_trains_and_evaluates(tmp_path, repo_root):
    data = tmp_path / 'data'
    write_albedo_humans(data / 'train', 4, size=(96, 72), seed=0, image_dir='images')
    write_albedo_humans(data / 'val', 2, size=(80, 64), seed=1, image_dir='images')
    data_opts = [f'train_dataloader.dataset.data_root={data}/train',
                 f'val_dataloader.dataset.data_root={data}/val',
                 f'test_dataloader.dataset.data_root={data}/val']
    work = tmp_path / 'train'
    run(['tools/train.py', CONFIG, '--work-dir', str(work), '--cfg-options', *data_opts,
         'train_cfg.max_iters=2', 'train_cfg.val_interval=2', 'train_dataloader.batch_size=2',
         'train_dataloader.num_workers=0', 'default_hooks.checkpoint.interval=2',
         'default_hooks.logger.interval=1'], repo_root)
    ckpt = (work / 'last_checkpoint').read_text().strip()
    records = logged(work)
    train = [r for r in records if 'loss' in r]
    assert len(train) == 2
    for r in train:
        parts = [r[f'decode.{k}'] for k in ('loss_l1', 'loss_grad_l1', 'loss_chroma_l1')]
        assert np.isfinite(parts).all() and sum(parts) == pytest.approx(r['loss'], rel=1e-3)
    val = [r for r in records if KEYS[0] in r]
    assert len(val) == 1 and all(np.isfinite(val[0][k]) for k in KEYS)
    test_work = tmp_path / 'test'
    run(['tools/test.py', CONFIG, ckpt, '--work-dir', str(test_work), '--cfg-options',
         *data_opts], repo_root)
    test = [r for r in logged(test_work) if KEYS[0] in r]
    assert len(test) == 1
    for key in KEYS:
        assert test[0][key] == pytest.approx(val[0][key], rel=1e-4, abs=1e-4)

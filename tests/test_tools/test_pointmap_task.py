"""The tiny Sapiens2 pointmap config trains and evaluates through tools/train.py and
tools/test.py on a fixture in the release's layout (images in images/, as the generator)."""
import numpy as np
import pytest

from tests.helpers.pointmap_data import write_pointmap_humans
from tests.helpers.tool_runs import logged, run

CONFIG = 'configs/sapiens2_pointmap/synthetic/sapiens2_tiny_pointmap_synthetic-128x96.py'
KEYS = [f'pointmap/{k}' for k in ('l2_mean', 'x_mae', 'y_mae', 'z_mae', 'rmse', 'normal_mae',
                                  'normal_rmse', 'within_05_cm', 'within_10_cm',
                                  'within_20_cm', 'within_5_0_deg', 'within_11_25_deg',
                                  'within_22_5_deg', 'within_30_0_deg')]
LOSSES = ['decode.loss_l1', 'decode.loss_multiscale_l1_2', 'decode.loss_silog',
          'decode.loss_K_consistency', 'decode.loss_shift_invariant', 'decode.loss_normal',
          'decode.loss_scale_l1']


def test_tiny_pointmap_config_trains_and_evaluates(tmp_path, repo_root):
    data = tmp_path / 'data'
    write_pointmap_humans(data / 'train', 4, size=(96, 72), seed=0, image_dir='images')
    write_pointmap_humans(data / 'val', 2, size=(80, 64), seed=1, image_dir='images')
    data_opts = [f'train_dataloader.dataset.data_root={data}/train',
                 f'val_dataloader.dataset.data_root={data}/val',
                 f'test_dataloader.dataset.data_root={data}/val']
    work = tmp_path / 'train'
    run(['tools/train.py', CONFIG, '--work-dir', str(work), '--cfg-options', *data_opts,
         'train_cfg.max_iters=2', 'train_cfg.val_interval=2', 'train_dataloader.batch_size=2',
         'train_dataloader.num_workers=0', 'default_hooks.checkpoint.interval=2',
         'default_hooks.logger.interval=1'], repo_root)
    ckpt = (work / 'last_checkpoint').read_text().strip()
    assert ckpt.endswith('iter_2.pth')
    records = logged(work)
    train = [r for r in records if 'loss' in r]
    assert len(train) == 2
    for r in train:  # the seven losses, each finite, summing to the total
        assert all(np.isfinite(r[k]) for k in LOSSES)
        assert sum(r[k] for k in LOSSES) == pytest.approx(r['loss'], rel=1e-3)
    val = [r for r in records if KEYS[0] in r]
    assert len(val) == 1 and all(np.isfinite(val[0][k]) for k in KEYS)
    pictures = sorted(p.name for p in work.glob('*/vis_data/vis_image/*.png'))
    assert pictures == ['val_000000.png_2.png', 'val_000001.png_2.png']

    test_work = tmp_path / 'test'
    run(['tools/test.py', CONFIG, ckpt, '--work-dir', str(test_work), '--cfg-options',
         *data_opts], repo_root)
    test = [r for r in logged(test_work) if KEYS[0] in r]
    assert len(test) == 1
    for key in KEYS:
        assert test[0][key] == pytest.approx(val[0][key], rel=1e-4, abs=1e-4)

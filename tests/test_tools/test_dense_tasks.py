"""Each dense task's tiny config trains and evaluates through tools/train.py and tools/test.py
on a fixture data directory (stock mmseg runner, default_scope='mmseg'), and learns: on one
fixed batch (2 training images, batch 2, the config's seed, augmentation, optimizer and
schedule shortened to the run) the logged loss of the last iterations is clearly below that of
the first ones, which a model whose weights never change (or change without learning) fails."""

import numpy as np
import pytest

from tests.helpers.dense_data import write_dense_humans
from tests.helpers.tool_runs import assert_loss_falls, logged, run

ITERS = 16  # 2 images, batch 2: one iteration per epoch

TASKS = {
    'seg': ('configs/sapiens_seg/synthetic/sapiens_tiny_seg_synthetic-128x96.py',
            ['aAcc', 'mIoU', 'mAcc']),
    'depth': ('configs/sapiens_depth/synthetic/sapiens_tiny_depth_synthetic-128x96.py',
              [f'depth/{a}_{e}' for a in ('aligned', 'unaligned')
               for e in ('rmse', 'abs_rel', 'delta1', 'delta2', 'delta3')]),
    'normal': ('configs/sapiens_normal/synthetic/sapiens_tiny_normal_synthetic-256x192.py',
               [f'normal/{k}' for k in ('mean', 'median', 'rmse', 'a11.25', 'a22.5', 'a30')]),
}


@pytest.mark.parametrize('task', sorted(TASKS))
def test_tiny_config_trains_and_evaluates(tmp_path, repo_root, task):
    config, metric_keys = TASKS[task]
    data = tmp_path / 'data'
    write_dense_humans(data / 'train', 2, size=(96, 72), seed=0)
    write_dense_humans(data / 'val', 2, size=(80, 64), seed=1)
    data_opts = [f'train_dataloader.dataset.data_root={data}/train',
                 f'val_dataloader.dataset.data_root={data}/val',
                 f'test_dataloader.dataset.data_root={data}/val',
                 'model.decode_head.channels=16']  # CPU time: the heads dominate

    work = tmp_path / 'train'
    run(['tools/train.py', config, '--work-dir', str(work), '--cfg-options', *data_opts,
         f'train_cfg.max_epochs={ITERS}', f'train_cfg.val_interval={ITERS}',
         'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
         f'param_scheduler.1.end={ITERS}',  # the linear decay ends with this run
         f'default_hooks.checkpoint.interval={ITERS}', 'default_hooks.logger.interval=1'],
        repo_root)
    ckpt = (work / 'last_checkpoint').read_text().strip()
    assert ckpt.endswith(f'epoch_{ITERS}.pth')
    records = logged(work)
    losses = [r['loss'] for r in records if 'loss' in r]
    assert len(losses) == ITERS
    assert_loss_falls(losses, k=4, ratio=RATIO[task], what=f'{task} loss')
    val = [r for r in records if metric_keys[0] in r]
    assert len(val) == 1 and all(np.isfinite(val[0][k]) for k in metric_keys)
    # the visualisation hook, 2 val images after the last iteration, through the
    # LocalVisBackend
    pictures = sorted(p.name for p in work.glob('*/vis_data/vis_image/*.png'))
    assert pictures == [f'val_000000.png_{ITERS}.png', f'val_000001.png_{ITERS}.png']

    test_work = tmp_path / 'test'
    run(['tools/test.py', config, ckpt, '--work-dir', str(test_work), '--cfg-options',
         *data_opts], repo_root)
    test = [r for r in logged(test_work) if metric_keys[0] in r]
    assert len(test) == 1
    for key in metric_keys:  # same weights and data as the validation after epoch 1
        assert test[0][key] == pytest.approx(val[0][key], rel=1e-4, abs=1e-4)

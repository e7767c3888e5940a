"""Faults during training through tools/train.py, on the tiny pose config (CPU, seconds):

* a run SIGKILLed mid-epoch and restarted with ``--resume`` logs the same per-iteration losses
  as an uninterrupted run from its last checkpoint on;
* a NaN loss stops training through the default runtime's ``NonFiniteLossHook`` with an error
  naming the iteration and the loss term.

(In-process tests of the hooks: tests/test_engine/test_hooks/test_fault_hooks.py.)

The faults come from ``fault_injection.py`` (test-only hooks and loss). Data: 8 person crops,
batch 2, so 4 iterations per epoch; fixed seed; the tiny config's data loader worker re-seeds
each epoch, so the augmentation of an epoch does not depend on what ran before it.
"""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.helpers.pose_data import write_goliath_coco

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
TINY_POSE = REPO / 'configs/sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py'


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    """(root, config) with 8 person crops and a tiny pose config reading them."""
    root = tmp_path_factory.mktemp('faults')
    write_goliath_coco(str(root / 'data'), num_images=4, persons=2, size=(96, 128))
    config = root / 'tiny_pose_faults.py'
    config.write_text(f"""
_base_ = {str(TINY_POSE)!r}
custom_imports = dict(imports=['sapiens_mm', 'fault_injection'], allow_failed_imports=False)
train_dataloader = dict(batch_size=2, dataset=dict(data_root={str(root / 'data')!r},
                                                   ann_file='annotations.json'))
val_dataloader = None
val_cfg = None
val_evaluator = None
train_cfg = dict(max_epochs=2)
randomness = dict(seed=0)
log_processor = dict(window_size=1)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=1, save_best=None, max_keep_ckpts=1))
""")
    return root, config


def with_hook(config: Path, hook: str) -> Path:
    """A config inheriting ``config`` with one more custom hook (a dict written as source)."""
    path = config.with_name(f'{config.stem}_{abs(hash(hook))}.py')
    path.write_text(f"_base_ = {str(config)!r}\n"
                    f"custom_hooks = [dict(type='SyncBuffersHook'), dict(type='NonFiniteLossHook'),"
                    f" {hook}]\n")
    return path


def train(config, work_dir, *args, check=True):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE), str(REPO)]),
               OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, str(REPO / 'tools/train.py'), str(config),
                           '--work-dir', str(work_dir), *map(str, args)], cwd=REPO, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=300)
    if check:
        assert proc.returncode == 0, proc.stdout[-6000:]
    return proc


def logged_losses(work_dir):
    """{iteration: loss} from every run's ``{timestamp}/vis_data/scalars.json`` in work_dir
    (a later run's record of an iteration replaces an earlier one)."""
    losses = {}
    for path in sorted(Path(work_dir).glob('*/vis_data/scalars.json')):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if 'loss' in record:
                losses[record['iter']] = record['loss']
    return losses


@pytest.fixture(scope='module')
def uninterrupted(setup):
    root, config = setup
    train(config, root / 'run_a')
    losses = logged_losses(root / 'run_a')
    assert sorted(losses) == list(range(1, 9))
    return losses


def test_sigkill_mid_epoch_then_resume_reproduces_losses(setup, uninterrupted):
    root, config = setup
    kill_config = with_hook(config, "dict(type='KillAtIterHook', iter=6)")
    work = root / 'run_b'
    killed = train(kill_config, work, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stdout[-3000:]
    # Killed in epoch 2 (iterations 5-8) after iteration 6: epoch 1's checkpoint is the last.
    assert (work / 'last_checkpoint').read_text().strip().endswith('epoch_1.pth')
    assert not (work / 'epoch_2.pth').exists()
    assert sorted(logged_losses(work)) == list(range(1, 7))

    resumed = train(config, work, '--resume')
    assert 'resumed epoch: 1, iter: 4' in resumed.stdout
    losses = logged_losses(work)
    assert sorted(losses) == list(range(1, 9))
    for it in range(5, 9):  # iterations 5, 6 ran twice: before the kill and after the resume
        assert losses[it] == pytest.approx(uninterrupted[it], rel=1e-6, abs=1e-9), it
    a = torch.load(root / 'run_a/epoch_2.pth', weights_only=True)['state_dict']
    c = torch.load(work / 'epoch_2.pth', weights_only=True)['state_dict']
    for name in a:
        torch.testing.assert_close(c[name], a[name], rtol=1e-5, atol=1e-7, msg=name)


def test_nan_loss_stops_with_iteration_and_term(setup):
    root, config = setup
    proc = train(config, root / 'run_nan', '--cfg-options',
                 'model.head.loss.type=NaNAtCallKeypointLoss', 'model.head.loss.nan_at_call=3',
                 check=False)
    assert proc.returncode != 0
    assert 'NonFiniteLossError: Non-finite loss at iteration 3 (epoch 1): loss_kpt=nan' \
        in proc.stdout, proc.stdout[-3000:]
    assert sorted(logged_losses(root / 'run_nan')) == [1, 2]  # iteration 3 never logged

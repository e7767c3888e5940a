"""AtomicCheckpointHook and NonFiniteLossHook in an in-process mmengine Runner (toy model).

The interruption of a checkpoint save is simulated where the bytes hit the disk: mmengine's
local file back end writes half of the checkpoint and the "process dies" (a BaseException that
no code in between catches, like the SystemExit of a signal handler).
"""
import math
import os

import pytest
import torch
from mmengine.fileio import LocalBackend
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

from sapiens_mm.engine import AutocastOptimWrapper
from sapiens_mm.engine.hooks import NonFiniteLossError, non_finite_terms


class Toy(Dataset):
    """8 samples of y = x0 - 2 x1; ``nan_index``: that sample's input is NaN."""

    def __init__(self, nan_index=None):
        gen = torch.Generator().manual_seed(0)
        self.x = torch.rand(8, 2, generator=gen)
        self.y = self.x @ torch.tensor([[1.], [-2.]])
        if nan_index is not None:
            self.x[nan_index] = float('nan')

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return dict(inputs=self.x[i], labels=self.y[i])


class ToyModel(BaseModel):
    """Linear regression; the loss dict also carries a non-loss entry, like mmpose's acc."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, inputs, labels, mode='tensor'):
        pred = self.linear(inputs)
        if mode == 'loss':
            return dict(loss_mse=(pred - labels).pow(2).mean(), acc=torch.tensor(float('nan')))
        return pred


class RecordParams(Hook):
    """Keeps a copy of the parameters after every training iteration."""

    def __init__(self):
        self.after = {}

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.after[runner.iter + 1] = [p.detach().clone() for p in runner.model.parameters()]


def make_runner(work_dir, name, dataset=None, checkpoint='AtomicCheckpointHook', resume=False,
                custom_hooks=(), max_epochs=2, optim_wrapper=None):
    return Runner(
        model=ToyModel(), work_dir=str(work_dir), experiment_name=name,
        train_dataloader=dict(dataset=dataset or Toy(), batch_size=2, num_workers=0,
                              sampler=dict(type='DefaultSampler', shuffle=False),
                              collate_fn=dict(type='default_collate')),
        optim_wrapper=optim_wrapper or dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type=checkpoint, interval=1, max_keep_ckpts=1),
                           logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=list(custom_hooks), resume=resume, randomness=dict(seed=0),
        default_scope='mmengine')


class SimulatedKill(BaseException):
    pass


def die_on_second_save(monkeypatch):
    """From now on, the 2nd file written by mmengine's local back end is cut off half-way."""
    original = LocalBackend.put
    calls = []

    def put(self, obj, filepath):
        calls.append(filepath)
        if len(calls) == 2:
            with open(filepath, 'wb') as f:
                f.write(obj[:len(obj) // 2])
            raise SimulatedKill(filepath)
        return original(self, obj, filepath)

    monkeypatch.setattr(LocalBackend, 'put', put)
    return calls


def test_kill_during_save_leaves_a_resumable_checkpoint(tmp_path, monkeypatch):
    calls = die_on_second_save(monkeypatch)
    with pytest.raises(SimulatedKill):
        make_runner(tmp_path, 'killed').train()
    assert [os.path.basename(c) for c in calls] == ['.epoch_1.pth.tmp', '.epoch_2.pth.tmp']
    # The pointer names the complete epoch-1 checkpoint; the cut-off file is a stray .tmp.
    pointer = (tmp_path / 'last_checkpoint').read_text()
    assert pointer == str(tmp_path / 'epoch_1.pth')
    assert torch.load(pointer, weights_only=False)['meta']['epoch'] == 1
    assert not (tmp_path / 'epoch_2.pth').exists()
    assert (tmp_path / '.epoch_2.pth.tmp').stat().st_size < os.path.getsize(pointer)

    monkeypatch.undo()
    make_runner(tmp_path, 'resumed', resume=True, max_epochs=3).train()
    assert (tmp_path / 'last_checkpoint').read_text() == str(tmp_path / 'epoch_3.pth')
    assert torch.load(tmp_path / 'epoch_3.pth', weights_only=False)['meta']['epoch'] == 3
    # max_keep_ckpts=1: the older ones went after the new one was complete; no .tmp left.
    assert sorted(p.name for p in tmp_path.glob('*.pth*')) == ['epoch_3.pth']
    assert not list(tmp_path.glob('.*.tmp'))


def test_stock_checkpoint_hook_loses_the_run_in_the_same_kill(tmp_path, monkeypatch):
    """The failure AtomicCheckpointHook prevents: mmengine's CheckpointHook deletes the kept
    checkpoint before writing the new one, so the pointer names a file that is gone."""
    die_on_second_save(monkeypatch)
    with pytest.raises(SimulatedKill):
        make_runner(tmp_path, 'stock', checkpoint='CheckpointHook').train()
    monkeypatch.undo()
    pointer = (tmp_path / 'last_checkpoint').read_text()
    assert not os.path.exists(pointer)
    with pytest.raises(FileNotFoundError):
        make_runner(tmp_path, 'stock_resumed', checkpoint='CheckpointHook', resume=True).train()


def test_non_finite_terms():
    losses = dict(loss_a=torch.tensor(1.0), loss_b=[torch.tensor(2.0), torch.tensor(float('inf'))],
                  loss_c=torch.tensor([0.5, float('nan')]), acc=torch.tensor(float('nan')))
    bad = non_finite_terms(losses)
    assert set(bad) == {'loss_b', 'loss_c'}  # 'acc' is no loss term
    assert bad['loss_b'] == float('inf') and math.isnan(bad['loss_c'])
    assert non_finite_terms(dict(loss=torch.ones(3), acc=torch.tensor(float('nan')))) == {}


@pytest.mark.parametrize('guarded', [True, False])
def test_nan_loss_stops_before_the_weights_change(tmp_path, guarded):
    record = RecordParams()
    hooks = [record] + ([dict(type='NonFiniteLossHook')] if guarded else [])
    # Batch 2, no shuffling: sample 5 is in iteration 3.
    runner = make_runner(tmp_path, f'nan_{guarded}', dataset=Toy(nan_index=5),
                         custom_hooks=hooks)
    if not guarded:  # without the hook the NaN goes through the step into the weights
        runner.train()
        assert not torch.isfinite(record.after[3][0]).all()
        return
    with pytest.raises(NonFiniteLossError,
                       match=r'Non-finite loss at iteration 3 \(epoch 1\): loss_mse=nan\.'):
        runner.train()
    assert sorted(record.after) == [1, 2]
    for now, after_2 in zip(runner.model.parameters(), record.after[2]):
        assert torch.isfinite(now).all()
        torch.testing.assert_close(now.detach(), after_2, rtol=0, atol=0)


def test_nan_in_bf16_autocast_is_caught_too(tmp_path):
    runner = make_runner(tmp_path, 'nan_bf16', dataset=Toy(nan_index=0),
                         custom_hooks=[dict(type='NonFiniteLossHook')],
                         optim_wrapper=dict(type='AutocastOptimWrapper',
                                            optimizer=dict(type='SGD', lr=0.1)))
    with pytest.raises(NonFiniteLossError, match='iteration 1 '):
        runner.train()
    assert isinstance(runner.optim_wrapper, AutocastOptimWrapper)

"""tools/dist_train.sh on CPU: 2 torchrun processes, gloo, DDP on the tiny pose model.

Each rank trains on its own half of the data (DefaultSampler splits it), so the ranks end with
the same weights only if DDP averaged their gradients. A test hook (param_dump_hook.py) makes
every rank write its parameters before and after training.
"""
import os
import socket
import subprocess
import sys
from pathlib import Path

import torch

from tests.helpers.pose_data import write_goliath_coco

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
TINY_POSE = REPO / 'configs/sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def write_config(root: Path) -> Path:
    """The tiny pose config with the parameter-dump hook and no validation."""
    config = root / 'tiny_pose_ddp.py'
    config.write_text(f"""
_base_ = {str(TINY_POSE)!r}
custom_imports = dict(imports=['sapiens_mm', 'param_dump_hook'], allow_failed_imports=False)
custom_hooks = [dict(type='SyncBuffersHook'), dict(type='NonFiniteLossHook'),
                dict(type='ParamDumpHook')]
val_dataloader = None
val_cfg = None
val_evaluator = None
default_hooks = dict(checkpoint=dict(save_best=None), logger=dict(interval=1))
""")
    return config


def test_two_process_ddp_on_cpu_agrees(tmp_path):
    data = tmp_path / 'data'
    write_goliath_coco(str(data), num_images=4, persons=2, size=(96, 128))  # 8 person crops
    work = tmp_path / 'work'
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port()),
               PYTHONPATH=os.pathsep.join([str(HERE), str(REPO)]), OMP_NUM_THREADS='1')
    proc = subprocess.run(
        ['bash', str(REPO / 'tools/dist_train.sh'), str(write_config(tmp_path)), '2',
         '--work-dir', str(work), '--cfg-options', f'train_dataloader.dataset.data_root={data}',
         'train_dataloader.dataset.ann_file=annotations.json', 'train_dataloader.batch_size=2',
         'train_dataloader.num_workers=0', 'train_cfg.max_epochs=2'],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=240)
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert 'gloo process group, rank 0 of 2' in proc.stdout
    # 8 samples / 2 ranks / batch 2 = 2 iterations per epoch on each rank.
    assert 'Epoch(train) [2][2/2]' in proc.stdout
    assert (work / 'last_checkpoint').read_text().strip().endswith('epoch_2.pth')

    before = [torch.load(work / f'params_before_rank{r}.pt') for r in (0, 1)]
    after = [torch.load(work / f'params_after_rank{r}.pt') for r in (0, 1)]
    assert before[0].keys() == after[1].keys() and len(before[0]) > 50
    for name in before[0]:
        torch.testing.assert_close(before[0][name], before[1][name], rtol=0, atol=0)
        torch.testing.assert_close(after[0][name], after[1][name], rtol=0, atol=0, msg=name)
    changed = [n for n in before[0] if not torch.equal(before[0][n], after[0][n])]
    assert len(changed) == len(before[0])  # every parameter trained

"""tools/dist_train.sh with FSDP on CPU: 2 torchrun processes, gloo, FlexibleRunner +
FSDPStrategy with the released ``*_fsdp.py`` strategy block (one FSDP unit per ViT layer, bf16
FSDP mixed precision, activation checkpointing, full state dicts on rank 0).

The tiny configs inherit ``configs/_base_/strategies/fsdp_bf16_vit.py`` itself, as the 1B/2B
``*_fsdp.py`` configs do. Augmentation is off and the seed fixed so the losses of a resumed run
can be compared with those of the uninterrupted one. Test hooks (param_dump_hook.py) write each
rank's gathered full parameters, its losses and how its model is wrapped.
"""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from tests.helpers.dense_data import write_dense_humans
from tests.helpers.pose_data import write_goliath_coco
from tests.test_tools.test_dist_train_cpu import free_port

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
FSDP_BASE = REPO / 'configs/_base_/strategies/fsdp_bf16_vit.py'
TINY = dict(pose=REPO / 'configs/sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py',
            seg=REPO / 'configs/sapiens_seg/synthetic/sapiens_tiny_seg_synthetic-128x96.py')
# deterministic training pipelines (the tiny configs' val pipelines + targets)
PIPELINES = dict(
    pose="""[dict(type='LoadImage'), dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=(96, 128), use_udp=True),
    dict(type='GenerateTarget', encoder={{_base_.codec}}), dict(type='PackPoseInputs')]""",
    seg="""[dict(type='LoadImageFromFile'), dict(type='LoadBodyPartAnnotations'),
    dict(type='Resize', scale=(96, 128), keep_ratio=False), dict(type='PackSegInputs')]""")


def write_config(root: Path, task: str) -> Path:
    config = root / f'tiny_{task}_fsdp.py'
    config.write_text(f"""
_base_ = [{str(TINY[task])!r}, {str(FSDP_BASE)!r}]
custom_imports = dict(imports=['sapiens_mm', 'param_dump_hook'], allow_failed_imports=False)
custom_hooks = [dict(type='ParamDumpHook'), dict(type='LossRecordHook')]
train_dataloader = dict(batch_size=1, num_workers=0, dataset=dict(pipeline={PIPELINES[task]}))
val_dataloader = None
val_cfg = None
val_evaluator = None
param_scheduler = []
randomness = dict(seed=0)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=-1, save_best=None),
                     logger=dict(interval=1))
""")
    return config


def dist_train(config: Path, work: Path, *options: str, resume: str = None) -> str:
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port()),
               PYTHONPATH=os.pathsep.join([str(HERE), str(REPO)]), OMP_NUM_THREADS='1')
    args = ['bash', str(REPO / 'tools/dist_train.sh'), str(config), '2', '--work-dir', str(work)]
    if resume:
        args += ['--resume', resume]
    proc = subprocess.run(args + ['--cfg-options', *options], cwd=REPO, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=420)
    assert proc.returncode == 0, proc.stdout[-8000:]
    assert 'gloo process group, rank 0 of 2' in proc.stdout
    return proc.stdout


def tool_main(tool: str, *args):
    """What ``main(argv)`` of ``tools/<tool>`` returns, called in this process."""
    spec = importlib.util.spec_from_file_location(Path(tool).stem, REPO / 'tools' / tool)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main([str(a) for a in args])


def losses(work: Path):
    """Per rank ``{iter: loss}``."""
    return [dict(map(tuple, json.loads((work / f'losses_rank{r}.json').read_text())))
            for r in (0, 1)]


def plain_state_dict(task: str) -> dict:
    """The state dict of the plain (non-FSDP) tiny model of ``task``."""
    if task == 'pose':
        from mmpose.apis import init_model
    else:
        from mmseg.apis import init_model
    return init_model(str(TINY[task]), None, device='cpu').state_dict()


def check_fsdp_run(work: Path, task: str, loss_factor: float, num_layers: int = 4):
    """FSDP wrapping as configured; the mean loss of the last epoch below ``loss_factor`` x
    that of the first (both over the same 4 samples); both ranks with equal, trained weights;
    the last checkpoint a full state dict (one file, rank 0) equal to the gathered weights."""
    for r in (0, 1):
        wrap = json.loads((work / f'wrap_rank{r}.json').read_text())
        assert wrap['wrapper'] == 'MMFullyShardedDataParallel'
        assert wrap['fsdp_units'] == num_layers + 1  # one per ViT layer + the root
        assert wrap['checkpointed'] == num_layers
        assert wrap['param_dtype'] == 'torch.bfloat16' and wrap['sharded'] is True
    per_rank = losses(work)
    iters = sorted(per_rank[0])
    assert len(iters) == 8  # 4 epochs of 2 iterations
    epochs = [np.mean([per_rank[r][i] for r in (0, 1) for i in iters[e:e + 2]])
              for e in range(0, 8, 2)]
    assert np.isfinite(epochs).all()
    assert epochs[-1] < loss_factor * epochs[0], epochs

    before = [torch.load(work / f'params_before_rank{r}.pt') for r in (0, 1)]
    after = [torch.load(work / f'params_after_rank{r}.pt') for r in (0, 1)]
    assert before[0].keys() == after[1].keys() and len(before[0]) > 50
    for name in before[0]:
        assert after[0][name].dtype == torch.float32  # fp32 master weights
        torch.testing.assert_close(before[0][name], before[1][name], rtol=0, atol=0)
        torch.testing.assert_close(after[0][name], after[1][name], rtol=0, atol=0, msg=name)
    changed = [n for n in before[0] if not torch.equal(before[0][n], after[0][n])]
    assert len(changed) == len(before[0])

    ckpt_path = Path((work / 'last_checkpoint').read_text().strip())
    assert ckpt_path.is_file()  # a full state dict: one file, not a folder of rank shards
    ckpt = torch.load(ckpt_path, map_location='cpu', weights_only=True)
    sd = ckpt['state_dict']
    plain = plain_state_dict(task)  # the keys and shapes of the plain model, buffers included
    assert sd.keys() == plain.keys() and set(after[0]) <= set(sd)
    assert all(sd[k].shape == plain[k].shape for k in sd)
    assert not any('_fsdp' in k or '_checkpoint_wrapped' in k or '_flat_param' in k for k in sd)
    for name, value in after[0].items():
        torch.testing.assert_close(sd[name], value, rtol=0, atol=0, msg=name)
    # the full AdamW state of every parameter, its two moments distinct (torch aliases them on
    # CPU with offload_to_cpu, see sapiens_mm/engine/fsdp_strategy.py)
    state = ckpt['optimizer']['state']
    assert set(state) == set(after[0])
    for name, s in state.items():
        assert s['exp_avg'].shape == after[0][name].shape
        assert not torch.equal(s['exp_avg'], s['exp_avg_sq']), name
    return ckpt_path


@pytest.mark.skipif(torch.cuda.is_available(), reason='the CPU path only runs without CUDA')
def test_fsdp_pose_trains_saves_full_weights_and_resumes(tmp_path, capsys):
    data = tmp_path / 'data'
    write_goliath_coco(str(data), num_images=2, persons=2, size=(96, 128))  # 4 person crops
    config = write_config(tmp_path, 'pose')
    data_opts = [f'train_dataloader.dataset.data_root={data}',
                 'train_dataloader.dataset.ann_file=annotations.json']
    work = tmp_path / 'work'
    # 4 crops / 2 ranks / batch 1 = 2 iterations per epoch on each rank
    out = dist_train(config, work, *data_opts, 'train_cfg.max_epochs=4')
    assert 'Epoch(train) [4][2/2]' in out
    # the heatmap loss of random keypoints falls slowly: from 0.0163 to 0.0155 in this run
    ckpt = check_fsdp_run(work, 'pose', loss_factor=0.97)
    assert ckpt.name == 'epoch_4.pth'

    # --resume from the epoch-2 checkpoint under FSDP: epochs 3-4 again, the same losses
    resumed = tmp_path / 'resumed'
    out = dist_train(config, resumed, *data_opts, 'train_cfg.max_epochs=4',
                     resume=str(work / 'epoch_2.pth'))
    assert 'resumed epoch: 2, iter: 4' in out
    full, again = losses(work), losses(resumed)
    for r in (0, 1):
        assert sorted(again[r]) == [4, 5, 6, 7]
        for i in again[r]:
            assert again[r][i] == pytest.approx(full[r][i], rel=1e-5, abs=1e-7), (r, i)
    final = [torch.load(d / 'params_after_rank0.pt') for d in (work, resumed)]
    for name in final[0]:
        torch.testing.assert_close(final[1][name], final[0][name], rtol=1e-5, atol=1e-6)

    # the FSDP checkpoint in the plain (non-FSDP) config: tools/test.py and tools/infer.py
    from tests.test_tools.test_inference_tools import run
    metrics = tool_main('test.py', TINY['pose'], ckpt, '--work-dir', tmp_path / 'test',
                  '--cfg-options', f'test_dataloader.dataset.data_root={data}',
                  'test_dataloader.dataset.ann_file=annotations.json',
                  f'test_evaluator.ann_file={data}/annotations.json',
                  'test_dataloader.num_workers=0')
    assert np.isfinite(metrics['goliath/AP'])
    infer_out = tmp_path / 'infer'
    log = run('infer.py', data / 'images', '--out', infer_out, '--task', TINY['pose'], ckpt,
              '--det', 'none', capsys=capsys)
    assert '2 images (pose, ' in log
    assert len(json.loads((infer_out / 'keypoints.json').read_text())) == 2  # whole image


@pytest.mark.skipif(torch.cuda.is_available(), reason='the CPU path only runs without CUDA')
def test_fsdp_dense_trains_and_saves_full_weights(tmp_path, capsys):
    data = tmp_path / 'data'
    write_dense_humans(str(data), 4, size=(128, 96), seed=0)
    work = tmp_path / 'work'
    out = dist_train(write_config(tmp_path, 'seg'), work,
                     f'train_dataloader.dataset.data_root={data}', 'train_cfg.max_epochs=4')
    assert 'Epoch(train) [4][2/2]' in out
    # cross-entropy over 28 parts: 2.27, 2.23, 2.18, 2.11 per epoch in this run
    ckpt = check_fsdp_run(work, 'seg', loss_factor=0.95)
    from tests.test_tools.test_inference_tools import run
    img = cv2.imread(str(next((data / 'images').glob('*.png'))))
    cv2.imwrite(str(tmp_path / 'person.png'), img)
    run('infer.py', tmp_path / 'person.png', '--out', tmp_path / 'infer', '--task', TINY['seg'],
        ckpt, capsys=capsys)
    labels = cv2.imread(str(tmp_path / 'infer' / 'person_seg.png'), cv2.IMREAD_UNCHANGED)
    assert labels.shape == img.shape[:2] and labels.max() < 28

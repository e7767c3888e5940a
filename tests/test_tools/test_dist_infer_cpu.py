"""tools/dist_infer.sh on CPU: 2 torchrun processes share a folder (and a video) and write the
same files as one tools/infer.py run, with one merged COCO keypoint file.

Models: the tiny pose and segmentation configs with saved random weights (every process must
load the same ones). Batch size 1 and one thread per process in both runs, so each image goes
through the very same computation and the outputs can be compared byte for byte (with random
weights the heatmaps are flat: float noise of 1e-7 moves a decoded keypoint by a pixel).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from tests.test_tools.test_dist_train_cpu import free_port
from tests.test_tools.test_inference_tools import POSE, SEG

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def task_args(tmp_path_factory):
    """``--task CONFIG CKPT`` for tiny pose and segmentation models with fixed weights."""
    from mmpose.apis import init_model as init_pose
    from mmseg.apis import init_model as init_seg
    folder = tmp_path_factory.mktemp('models')
    torch.manual_seed(0)
    args = []
    for config, init in ((POSE, init_pose), (SEG, init_seg)):
        model = init(str(REPO / config), None, device='cpu')
        path = folder / (Path(config).stem + '.pth')
        torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
        args += ['--task', config, str(path)]
    return args + ['--det', 'none']  # whole-image pose (no detector weights here)


def infer(source, out, task_args, ok=True, nproc=2):
    """tools/dist_infer.sh with ``nproc`` processes, or tools/infer.py for ``nproc=1``."""
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port()), OMP_NUM_THREADS='1',
               PYTHONPATH=str(REPO))
    cmd = ['bash', str(REPO / 'tools/dist_infer.sh'), str(source), str(nproc)] if nproc > 1 \
        else [sys.executable, str(REPO / 'tools/infer.py'), str(source)]
    proc = subprocess.run(
        cmd + ['--out', str(out), '--batch-size', '1', *task_args], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    assert (proc.returncode == 0) == ok, proc.stdout[-6000:]
    return proc.stdout


def same_outputs(single: Path, sharded: Path):
    """Every file of the single-process run, byte for byte; besides them only the parts."""
    files = sorted(p.relative_to(single) for p in single.rglob('*') if p.is_file())
    extra = sorted(p.relative_to(sharded) for p in sharded.rglob('*') if p.is_file()
                   and p.relative_to(sharded) not in files)
    assert extra == [Path('shards/rank0-of-2.json'), Path('shards/rank1-of-2.json')]
    for name in files:
        assert (sharded / name).read_bytes() == (single / name).read_bytes(), name
    return files


def test_dist_infer_folder_matches_single_process(tmp_path, task_args):
    images = tmp_path / 'images'
    images.mkdir()
    rng = np.random.default_rng(0)
    for i in range(5):  # 5 images: 3 on rank 0, 2 on rank 1
        cv2.imwrite(str(images / f'img{i}.png'),
                    rng.integers(0, 256, (70 + 4 * i, 50, 3), dtype=np.uint8))
    (images / 'img2b.png').write_bytes(b'not an image')  # input 3: on rank 1
    single = tmp_path / 'single'
    infer(images, single, task_args, ok=False, nproc=1)
    log = infer(images, tmp_path / 'sharded', task_args, ok=False)
    assert 'skipped' in log and 'img2b.png' in log and '5 images (pose, seg, ' in log
    files = same_outputs(single, tmp_path / 'sharded')
    assert len([f for f in files if f.name.endswith('_seg.png')]) == 5
    ids = json.loads((tmp_path / 'sharded' / 'image_ids.json').read_text())
    assert [i['file_name'] for i in ids] == [f'img{i}' for i in range(5)]
    kpts = json.loads((tmp_path / 'sharded' / 'keypoints.json').read_text())
    assert [k['image_id'] for k in kpts] == [1, 2, 3, 4, 5]  # whole-image box per image
    parts = [json.loads((tmp_path / 'sharded' / 'shards' / f'rank{r}-of-2.json').read_text())
             for r in (0, 1)]
    assert [[it['index'] for it in p['items']] for p in parts] == [[0, 2, 4], [1, 3, 5]]


def test_dist_infer_video_matches_single_process(tmp_path, task_args):
    video = tmp_path / 'clip.avi'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'MJPG'), 5, (48, 64))
    rng = np.random.default_rng(1)
    for _ in range(3):
        writer.write(rng.integers(0, 256, (64, 48, 3), dtype=np.uint8))
    writer.release()
    single = tmp_path / 'single'
    infer(video, single, task_args, nproc=1)
    infer(video, tmp_path / 'sharded', task_args)
    files = same_outputs(single, tmp_path / 'sharded')
    assert Path('clip_000002_panel.jpg') in files
    log = infer(video, tmp_path / 'refused', task_args + ['--video-out'], ok=False)
    assert '--video-out is not available with tools/dist_infer.sh' in log

"""Tiny MAE pretraining through tools/train.py, then its cleaned checkpoint in a backbone.

The pretraining learns: on one fixed set of 4 images in batches of 4 (every iteration sees all
four, through the config's random crops and masks; its seed, optimizer, warm-up and a cosine
decay ending with the 12-iteration run) the mean reconstruction loss of the last 3 iterations is
below 0.9 x that of the first 3 (measured, window of 10: 1.14 -> 0.87)."""
import json
import os
import subprocess
import sys

import numpy as np
import torch

from sapiens_mm.synthetic import write_procedural_images
from sapiens_mm.models.backbones import SapiensViT
from tests.helpers.tool_runs import assert_loss_falls

MAE_CFG = 'configs/sapiens_mae/mae_sapiens_tiny-p16_1xb16-8e_demo-128.py'
ITERS = 12  # 4 images, batch 4: one iteration per epoch


def run(args, cwd):
    out = subprocess.run([sys.executable] + args, capture_output=True, text=True, cwd=cwd,
                         timeout=900)
    assert out.returncode == 0, (out.stdout[-3000:], out.stderr[-3000:])
    return out


def test_mae_pretrain_clean_load_and_extract(tmp_path, repo_root):
    images = tmp_path / 'images'
    write_procedural_images(str(images), 4, seed=1, size=(160, 128))
    work = tmp_path / 'work'
    run(['tools/train.py', MAE_CFG, '--work-dir', str(work), '--cfg-options',
         f'train_dataloader.dataset.data_root={images}', f'train_cfg.max_epochs={ITERS}',
         'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
         # warm-up as configured (2 epochs), the cosine decay ends with this run
         f'param_scheduler.1.T_max={ITERS - 2}', f'param_scheduler.1.end={ITERS}',
         f'default_hooks.checkpoint.interval={ITERS}', 'default_hooks.logger.interval=1',
         'log_processor.window_size=1'],  # per-iteration losses
        repo_root)
    ckpt = (work / 'last_checkpoint').read_text().strip()
    assert ckpt.endswith(f'epoch_{ITERS}.pth')
    records = [json.loads(line) for root, _, fs in os.walk(work) for f in fs
               if f == 'scalars.json' for line in open(os.path.join(root, f))]
    losses = [r['loss'] for r in records if 'loss' in r]
    assert len(losses) == ITERS
    assert_loss_falls(losses, k=3, ratio=0.9, what='MAE loss')

    clean = tmp_path / 'sapiens_tiny_clean.pth'
    run(['tools/misc/clean_pretrain_checkpoint.py', ckpt, str(clean)], repo_root)
    flat = torch.load(clean, weights_only=True)
    raw = torch.load(ckpt, weights_only=True)['state_dict']
    assert set(flat) == {k[len('backbone.'):] for k in raw if k.startswith('backbone.')}
    assert flat['pos_embed'].shape == (1, 1 + 64, 128)

    backbone = SapiensViT(arch='sapiens_tiny', img_size=(128, 96),
                          init_cfg=dict(type='Pretrained', checkpoint=str(clean)))
    backbone.init_weights()
    assert torch.equal(backbone.layers[3].ffn.layers[1].weight,
                       raw['backbone.layers.3.ffn.layers.1.weight'])
    assert backbone.pos_embed.shape == (1, 8 * 6, 128)
    assert backbone(torch.randn(1, 3, 128, 96))[0].shape == (1, 128, 8, 6)

    feats = tmp_path / 'feats'
    run(['tools/extract_features.py', MAE_CFG, str(clean), str(images), '--out', str(feats)],
        repo_root)
    arr = np.load(feats / 'img_00000.npy')
    assert arr.shape == (128, 8, 8) and np.isfinite(arr).all()
    assert (feats / 'img_00000_pca.png').stat().st_size > 0

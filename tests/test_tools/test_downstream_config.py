"""A downstream lab's config, outside the repo, inheriting a sapiens_mm pose config from the
checkout, by path and with the ``sapiens_mm::`` prefix (the installed wheel: test_packaging)."""
import os
import subprocess
import sys
import textwrap

import pytest

from tests.helpers.pose_data import write_goliath_coco


@pytest.mark.parametrize('form', ['path', 'package'])
def test_inherit_pose_config_and_train(tmp_path, repo_root, form):
    data = tmp_path / 'lab_data'
    write_goliath_coco(data, num_images=2, persons=2, size=(128, 96))
    rel = 'sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py'
    base = os.path.join(repo_root, 'configs', rel) if form == 'path' else f'sapiens_mm::{rel}'
    cfg = tmp_path / 'lab_configs' / 'my_pose.py'
    cfg.parent.mkdir()
    cfg.write_text(textwrap.dedent(f"""
        _base_ = [{base!r}]
        custom_imports = dict(imports=['sapiens_mm'], allow_failed_imports=False)
        train_dataloader = dict(batch_size=2, num_workers=0,
                                dataset=dict(data_root={str(data) + '/'!r},
                                             ann_file='annotations.json'))
        train_cfg = dict(max_epochs=1, val_interval=100)
        val_dataloader = None
        val_cfg = None
        val_evaluator = None
        test_dataloader = None
        test_cfg = None
        test_evaluator = None
        default_hooks = dict(logger=dict(interval=1),
                             checkpoint=dict(interval=1, save_best=None))
        """))
    work = tmp_path / 'work'
    # sapiens_mm comes from the environment's (editable) install, as a lab's would
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    out = subprocess.run([sys.executable, os.path.join(repo_root, 'tools', 'train.py'),
                          str(cfg), '--work-dir', str(work)], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert 'Epoch(train) [1][2/2]' in out.stdout + out.stderr
    assert (work / 'epoch_1.pth').exists()

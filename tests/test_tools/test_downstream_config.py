"""A downstream lab's config, outside the repo, inheriting a sapiens_mm pose config from the
checkout, by path and with the ``sapiens_mm::`` prefix (the installed wheel: test_packaging)."""
import os
import subprocess
import sys

import pytest

from tests.helpers.pose_data import write_downstream_pose_config, write_goliath_coco


@pytest.mark.parametrize('form', ['path', 'package'])
def test_inherit_pose_config_and_train(tmp_path, repo_root, form):
    data = tmp_path / 'lab_data'
    write_goliath_coco(data, num_images=2, persons=2, size=(128, 96))
    rel = 'sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py'
    base = os.path.join(repo_root, 'configs', rel) if form == 'path' else f'sapiens_mm::{rel}'
    cfg = write_downstream_pose_config(tmp_path / 'lab_configs' / 'my_pose.py', base, data)
    work = tmp_path / 'work'
    # sapiens_mm comes from the environment's (editable) install, as a lab's would
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    out = subprocess.run([sys.executable, os.path.join(repo_root, 'tools', 'train.py'),
                          cfg, '--work-dir', str(work)], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert 'Epoch(train) [1][2/2]' in out.stdout + out.stderr
    assert (work / 'epoch_1.pth').exists()

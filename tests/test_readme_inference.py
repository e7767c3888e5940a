"""The README's Python inference example runs as written, with the model lines pointing at
tiny local (config, checkpoint) pairs and the files it names created in a scratch folder; the
pose results of every call into ``out/`` are in ``keypoints.json`` at the end."""
import json
import os
import re

import cv2
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def readme_example() -> str:
    text = open(os.path.join(ROOT, 'README.md')).read()
    section = text[text.index('## Inference on your images'):]
    return re.search(r'```python\n(.*?)```', section, re.S).group(1)


def test_readme_inference_example_runs(tmp_path, monkeypatch):
    from tests.helpers.tiny_task_models import tiny_config, write_task_checkpoints
    cfgs = {t: tiny_config(t, padding=2) for t in ('pose', 'seg', 'depth', 'normal')}
    paths = write_task_checkpoints(str(tmp_path), cfgs)
    rng = np.random.default_rng(0)
    (tmp_path / 'photos' / 'sub').mkdir(parents=True)
    cv2.imwrite(str(tmp_path / 'photo.jpg'), rng.integers(0, 256, (90, 70, 3), np.uint8))
    cv2.imwrite(str(tmp_path / 'photos' / 'sub' / 'a.png'),
                rng.integers(0, 256, (60, 50, 3), np.uint8))
    writer = cv2.VideoWriter(str(tmp_path / 'clip.mp4'), cv2.VideoWriter_fourcc(*'mp4v'), 5,
                             (48, 64))
    for _ in range(2):
        writer.write(rng.integers(0, 256, (64, 48, 3), np.uint8))
    writer.release()
    code = readme_example()
    models = {'POSE': 'pose', 'SEG': 'seg', 'DEPTH, NORMAL': None}
    lines = []
    for line in code.splitlines():
        key = next((k for k in models if line.startswith(k + ' = ')), None)
        if key == 'DEPTH, NORMAL':
            line = 'DEPTH, NORMAL = TINY["depth"], TINY["normal"]'
        elif key:
            line = f'{key} = TINY["{models[key]}"]'
        lines.append(line)
    assert sum(line.startswith(('POSE =', 'SEG =', 'DEPTH, NORMAL =')) for line in lines) == 3
    monkeypatch.chdir(tmp_path)
    ns = dict(TINY={t: (cfgs[t], paths[t]) for t in cfgs})
    exec('\n'.join(lines), ns)
    assert ns['labels'].shape == (90, 70) and ns['labels'].dtype == np.uint8
    assert ns['depth'].shape == (90, 70) and ns['normal'].shape == (90, 70, 3)
    assert np.array(ns['first']).shape == (308, 2)
    assert ns['keypoints'].shape == (1, 308, 2) and ns['panel'].shape[0] == 90
    assert (tmp_path / 'out' / 'photo_seg.png').is_file()
    assert (tmp_path / 'out' / 'sub' / 'a_seg.png').is_file()
    assert (tmp_path / 'out' / 'clip_panel.mp4').is_file()
    assert (tmp_path / 'out' / 'clip_000001_depth.npy').is_file()
    # the example writes into out/ twice: both calls' pose results are kept (on 2654df0 the
    # last call's replaced the first's)
    ids = json.loads((tmp_path / 'out' / 'image_ids.json').read_text())
    assert [i['file_name'] for i in ids] == ['photo', 'sub/a', 'clip_000000', 'clip_000001']
    assert [i['id'] for i in ids] == [1, 2, 3, 4]
    kpts = json.loads((tmp_path / 'out' / 'keypoints.json').read_text())
    assert sorted(k['image_id'] for k in kpts) == [1, 2, 3, 4]  # one person (whole image) each
    assert all(len(k['keypoints']) == 308 * 3 for k in kpts)

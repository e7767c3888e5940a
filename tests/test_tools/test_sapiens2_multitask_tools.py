"""The Sapiens2 multi-task model (configs/sapiens2_multitask/) through the stock tools: the tiny
config trains with tools/train.py and then scores better than untrained (tools/test.py CONFIG
none) on a held-out split on every task; tools/infer.py on the multi-task checkpoint writes
every task's output from one backbone pass, the parts with the 29-class palette; tools/export.py
exports it as one graph; a Sapiens2 seg teacher's distillation labels are v1 classes."""
import json

import cv2
import numpy as np
import pytest
import torch

from tests.helpers.multitask_data import tiny_v2_multitask_config, write_multitask_humans
from tests.helpers.tool_runs import logged, run

#: metric -> 'greater' / 'less' is better
KEYS = {'seg/mIoU': 'greater', 'normal/mean': 'less', 'pose/PCK': 'greater'}
ITERS = 30


@pytest.fixture(scope='module')
def trained(tmp_path_factory, repo_root):
    """Held-out data, the tiny v2 config at 128x96 and a checkpoint trained by tools/train.py
    (30 iterations of batch 4 on 16 images: about 25 s of CPU)."""
    tmp = tmp_path_factory.mktemp('mt2_tools')
    data = tmp / 'data'
    write_multitask_humans(str(data / 'train'), 16, size=(128, 96), seed=0)
    write_multitask_humans(str(data / 'val'), 4, size=(128, 96), seed=1)
    cfg = tiny_v2_multitask_config(hw=(128, 96), data_root=str(data))
    cfg.train_dataloader.batch_size = 4
    cfg.train_cfg.max_iters = cfg.train_cfg.val_interval = ITERS
    cfg.param_scheduler[0].end = cfg.param_scheduler[1].begin = 5
    cfg.param_scheduler[1].end = ITERS
    cfg.default_hooks.checkpoint.interval = ITERS
    cfg.default_hooks.logger.interval = 5
    config = str(tmp / 'tiny_v2_multitask.py')
    cfg.dump(config)
    work = tmp / 'train'
    run(['tools/train.py', config, '--work-dir', work], repo_root)
    ckpt = (work / 'last_checkpoint').read_text().strip()
    return dict(tmp=tmp, data=data, config=config, ckpt=ckpt, work=work)


def test_tiny_v2_multitask_trains_and_beats_untrained(trained, repo_root):
    records = logged(trained['work'])
    train = [r for r in records if 'loss' in r]
    assert train[-1]['loss'] < train[0]['loss']
    for name in ('pose.loss_kpt', 'seg.loss_ce', 'seg.loss_dice', 'normal.loss_normal_cos'):
        assert train[-1][name] < train[0][name], name
    after = [r for r in records if 'seg/mIoU' in r][-1]
    untrained_work = trained['tmp'] / 'untrained'
    run(['tools/test.py', trained['config'], 'none', '--work-dir', untrained_work], repo_root)
    before = [r for r in logged(untrained_work) if 'seg/mIoU' in r][-1]
    for key, rule in KEYS.items():
        better = after[key] > before[key] if rule == 'greater' else after[key] < before[key]
        assert better, (key, 'untrained', before[key], 'trained', after[key])


def test_infer_v2_multitask_checkpoint(trained, tmp_path):
    from sapiens_mm.apis import SapiensInferencer
    from sapiens_mm.cli.infer import main as infer_main  # tools/infer.py's code
    from sapiens_mm.datasets.body_parts_29 import load_body_parts_29
    img_dir = trained['data'] / 'val' / 'images'
    inf = SapiensInferencer([(trained['config'], trained['ckpt'])], device='cpu',
                            precision='fp32', engine='torch')
    assert inf.tasks == ['pose', 'seg', 'normal']
    assert inf.groups == [['seg', 'normal']] and inf.pose_group == 0  # one backbone pass
    meta = inf.models['seg'].model.dataset_meta
    parts = load_body_parts_29()
    assert meta['classes'] == parts['classes'] and [tuple(c) for c in meta['palette']] == \
        list(parts['palette'])
    pred = inf(str(img_dir), batch_size=4)['predictions'][0]

    out = tmp_path / 'out'
    assert infer_main([str(img_dir), '--out', str(out), '--task', trained['config'],
                       trained['ckpt'], '--device', 'cpu', '--precision', 'fp32',
                       '--engine', 'torch', '--det', 'none']) in (0, None)
    stem = sorted(p.stem for p in img_dir.iterdir())[0]
    labels = cv2.imread(str(out / f'{stem}_seg.png'), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(labels, pred['seg'])
    assert labels.shape == (128, 96) and labels.max() < 29
    normal = np.load(out / f'{stem}_normal.npy')
    assert normal.shape == (128, 96, 3)
    np.testing.assert_allclose(normal, pred['normal'], atol=1e-5)
    people = json.loads((out / f'{stem}.json').read_text())
    assert len(people) == 1 and len(people[0]['keypoints']) == 308  # whole-image pose
    np.testing.assert_allclose(people[0]['keypoints'], pred['pose'][0]['keypoints'], atol=1e-3)
    for pic in ('seg', 'normal', 'pose', 'panel'):
        assert (out / f'{stem}_{pic}.jpg').is_file(), pic


def test_distillation_writes_a_v2_seg_teachers_labels_in_v1_classes(tmp_path, repo_root):
    """tools/distill_multitask.py's teacher pass: a Sapiens2 (29-class) seg teacher's labels are
    written in the layout's v1 classes (``v2_to_v1_labels``: Eyeglass -> 255), so that a v2
    student's ``map_seg_v1_to_v2`` maps them back exactly once."""
    from mmengine.config import Config
    from sapiens_mm.apis import SapiensInferencer
    from sapiens_mm.apis.multitask_distillation import write_teacher_labels
    from sapiens_mm.datasets.body_parts_29 import v1_to_v2_labels, v2_to_v1_labels
    cfg = Config.fromfile(f'{repo_root}/configs/sapiens2_seg/synthetic/'
                          'sapiens2_tiny_seg_synthetic-128x96.py')
    cfg.model.backbone.init_cfg = None
    write_multitask_humans(str(tmp_path / 'data'), 4, size=(128, 96), seed=3)
    teacher = str(tmp_path / 'v2_seg_teacher.py')
    cfg.dump(teacher)
    from mmengine.registry import MODELS, init_default_scope
    init_default_scope('mmseg')
    model = MODELS.build(cfg.model)
    model.init_weights()  # random weights, one file for both runs below
    ckpt = str(tmp_path / 'v2_seg_teacher.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
    images = tmp_path / 'data' / 'images'
    out = tmp_path / 'v2_teacher_labels'
    write_teacher_labels([('seg', teacher, ckpt)], str(images), str(out))
    inf = SapiensInferencer([(teacher, ckpt)], device='cpu', precision='fp32')
    preds = inf(str(images), batch_size=4)['predictions']
    names = sorted(p.stem for p in images.iterdir())
    assert len(preds) == len(names) == 4
    v2 = np.stack([p['seg'] for p in preds])
    assert (v2 > 2).any()  # classes the mapping moves
    for name, pred in zip(names, v2):
        written = cv2.imread(str(out / 'seg' / f'{name}.png'), cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(written, v2_to_v1_labels(pred.astype(np.uint8)))
        back = v1_to_v2_labels(written)  # what the v2 student trains on
        np.testing.assert_array_equal(back[pred != 2], pred[pred != 2])


def test_export_v2_multitask_checkpoint(trained, tmp_path):
    """tools/export.py: one TorchScript graph, the three heads' outputs of the model's own."""
    from mmengine.config import Config
    from mmengine.registry import MODELS, init_default_scope
    from sapiens_mm.checkpoint import load_model_weights
    from sapiens_mm.cli.export import main as export_main  # tools/export.py's code
    export_main(['--config', trained['config'], '--checkpoint', trained['ckpt'],
                 '--out', str(tmp_path), '--format', 'torchscript'])
    ts = torch.jit.load(str(tmp_path / 'tiny_v2_multitask_torchscript.pt'))
    init_default_scope('mmseg')
    model = MODELS.build(Config.fromfile(trained['config']).model)
    load_model_weights(model, trained['ckpt'], strict=True)
    model.eval()
    x = torch.randn(1, 3, 128, 96)
    with torch.no_grad():
        raw = model(x, mode='tensor')
        outs = ts(x)
    assert len(outs) == 3
    for got, task in zip(outs, ('pose', 'seg', 'normal')):
        torch.testing.assert_close(got, raw[task], atol=1e-4, rtol=1e-4)

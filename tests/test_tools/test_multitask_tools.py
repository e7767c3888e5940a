"""The multi-task model through the stock tools: tools/train.py (joint fine-tuning) and
tools/test.py (every task's metric in one run), tools/infer.py and tools/export.py on the
multi-task checkpoint (one backbone pass / one graph), tools/distill_multitask.py (teachers
label unlabelled images, the student trains on their outputs)."""
import json
import os

import numpy as np
import pytest
import torch

from tests.helpers.multitask_data import tiny_multitask_config, write_multitask_humans
from tests.helpers.tiny_task_models import tiny_config
from tests.helpers.tool_runs import logged, run

KEYS = ('pose/goliath/AP', 'seg/mIoU', 'depth/aligned_rmse', 'normal/mean')


@pytest.fixture(scope='module')
def trained(tmp_path_factory, repo_root):
    """Data, the tiny config file and a checkpoint trained by tools/train.py (2 iterations)."""
    tmp = tmp_path_factory.mktemp('mt_tools')
    data = tmp / 'data'
    write_multitask_humans(str(data / 'train'), 4, size=(80, 60), seed=0,
                           drop=dict(depth=[1], pose=[2]))
    write_multitask_humans(str(data / 'val'), 2, size=(80, 60), seed=1)
    cfg = tiny_multitask_config(data_root=str(data))
    cfg.train_cfg.max_epochs = 1
    cfg.train_cfg.val_interval = 1
    cfg.train_dataloader.batch_size = 2
    cfg.default_hooks.checkpoint.interval = 1
    cfg.default_hooks.logger.interval = 1
    config = str(tmp / 'tiny_multitask.py')
    cfg.dump(config)
    work = tmp / 'train'
    run(['tools/train.py', config, '--work-dir', str(work)], repo_root)
    ckpt = (work / 'last_checkpoint').read_text().strip()
    return dict(tmp=tmp, data=data, config=config, ckpt=ckpt, work=work)


def test_train_then_test_report_every_task(trained, repo_root):
    records = logged(trained['work'])
    train = [r for r in records if 'loss' in r]
    assert len(train) == 2  # 4 images, batch 2
    for name in ('pose.loss_kpt', 'seg.loss_ce', 'normal.loss_normal_cos'):
        assert all(np.isfinite(r[name]) for r in train if name in r)
    assert any('depth.loss_silog' in r for r in train)
    val = [r for r in records if 'seg/mIoU' in r]
    assert len(val) == 1 and all(np.isfinite(val[0][k]) for k in KEYS)

    test_work = trained['tmp'] / 'test'
    pics = test_work / 'pics'
    run(['tools/test.py', trained['config'], trained['ckpt'], '--work-dir', str(test_work),
         '--show-dir', str(pics)], repo_root)
    test = [r for r in logged(test_work) if 'seg/mIoU' in r]
    assert len(test) == 1
    # --show-dir: one picture per validation image, a row [image | truth | prediction] per
    # task (80x60 images, all four labels)
    import cv2
    files = sorted(pics.rglob('*.png'))
    assert len(files) == 2, files
    assert all(cv2.imread(str(f)).shape == (4 * 80, 3 * 60, 3) for f in files)
    for key in KEYS:  # same weights, same data as the validation after the epoch
        assert test[0][key] == pytest.approx(val[0][key], rel=1e-4, abs=1e-4)


def test_dist_test_equals_single_process(trained, repo_root, tmp_path):
    """tools/dist_test.sh with 2 CPU processes reports the single-process figures when the
    ranks hold different numbers of a task's labels: 3 images, depth on 0 and 2, pose on 0
    and 1; the sampler gives rank 0 images 0 and 2, rank 1 image 1 and image 0 again."""
    import subprocess
    import sys
    from tests.test_tools.test_dist_train_cpu import free_port
    data = tmp_path / 'val'
    write_multitask_humans(str(data), 3, size=(80, 60), seed=2, drop=dict(depth=[1], pose=[2]))
    opts = ['--cfg-options', f'test_dataloader.dataset.data_root={data}',
            f'test_evaluator.metrics.pose.ann_file={data}/annotations/goliath_308.json']
    run(['tools/test.py', trained['config'], trained['ckpt'], '--work-dir',
         str(tmp_path / 'single'), *opts], repo_root)
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port()), OMP_NUM_THREADS='1')
    proc = subprocess.run(['bash', 'tools/dist_test.sh', trained['config'], trained['ckpt'], '2',
                           '--work-dir', str(tmp_path / 'dist'), *opts], cwd=repo_root,
                          env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode:  # the whole output, in pytest's captured-output section
        print(proc.stdout, proc.stderr, sep='\n')
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:])
    single = [r for r in logged(tmp_path / 'single') if 'seg/mIoU' in r]
    dist = [r for r in logged(tmp_path / 'dist') if 'seg/mIoU' in r]
    assert len(single) == len(dist) == 1
    for key in KEYS + ('depth/aligned_abs_rel', 'normal/median'):
        assert dist[0][key] == pytest.approx(single[0][key], rel=1e-5, abs=1e-6), key


def test_layer_decay_groups():
    """Layer-wise lr decay as the single-task configs: heads at the base lr, the patch
    embedding at base * 0.85^(L + 1) (L = 4 layers)."""
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import MODELS, init_default_scope
    cfg = tiny_multitask_config()
    init_default_scope('mmseg')
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    lrs = {}
    names = {id(p): n for n, p in model.named_parameters()}
    for g in wrapper.optimizer.param_groups:
        for p in g['params']:
            lrs[names[id(p)]] = g['lr']
    base = cfg.optim_wrapper.optimizer.lr
    assert lrs['heads.seg.conv_seg.weight'] == pytest.approx(base)
    assert lrs['heads.pose.final_layer.weight'] == pytest.approx(base)
    assert lrs['backbone.patch_embed.projection.weight'] == pytest.approx(base * 0.85**5)


def test_infer_and_export_multitask_checkpoint(trained, repo_root, tmp_path):
    from sapiens_mm.apis import SapiensInferencer
    img_dir = trained['data'] / 'val' / 'images'
    inf = SapiensInferencer([(trained['config'], trained['ckpt'])], device='cpu',
                            precision='fp32', engine='torch')  # backbone forwards counted
    assert inf.tasks == ['pose', 'seg', 'depth', 'normal']
    assert inf.groups == [['seg', 'depth', 'normal']] and inf.pose_group == 0  # one pass
    # and one backbone module in memory for the four task models
    assert len({id(tm.model.backbone) for tm in inf.models.values()}) == 1
    calls = []
    backbone = inf.models['seg'].model.backbone
    handle = backbone.register_forward_hook(lambda *a: calls.append(1))
    out = inf(str(img_dir), batch_size=2)
    handle.remove()
    assert len(calls) == 1  # two images, one batch, one backbone pass for all four tasks
    pred = out['predictions'][0]
    assert pred['seg'].shape == (80, 60) and pred['depth'].shape == (80, 60)
    assert pred['normal'].shape == (80, 60, 3) and len(pred['pose'][0]['keypoints']) == 308

    # the same outputs as the multi-task model's own prediction (tools/test.py path)
    from mmengine.registry import MODELS, init_default_scope
    from mmengine.config import Config
    from sapiens_mm.checkpoint import load_model_weights
    init_default_scope('mmseg')
    model = MODELS.build(Config.fromfile(trained['config']).model)
    load_model_weights(model, trained['ckpt'])
    model.eval()
    import cv2
    img = cv2.imread(str(sorted(img_dir.iterdir())[0]))
    x = torch.from_numpy(cv2.resize(img, (48, 64), interpolation=cv2.INTER_LINEAR)[..., ::-1]
                         .copy()).permute(2, 0, 1).float()[None]
    x = (x - torch.tensor([123.675, 116.28, 103.53])[:, None, None]) / \
        torch.tensor([58.395, 57.12, 57.375])[:, None, None]
    with torch.no_grad():
        raw = model(x, mode='tensor')
        seg_feats = inf.models['seg'].model.extract_feat(x)
        assert torch.allclose(inf.models['seg'].model.decode_head(seg_feats), raw['seg'],
                              atol=1e-4)

    from sapiens_mm.cli.export import main as export_main  # tools/export.py's code
    export_main(['--config', trained['config'], '--checkpoint', trained['ckpt'],
                 '--out', str(tmp_path / 'exp'), '--format', 'torchscript'])
    ts = torch.jit.load(str(tmp_path / 'exp' / 'tiny_multitask_torchscript.pt'))
    with torch.no_grad():
        outs = ts(x)
    assert len(outs) == 4  # pose, seg, depth, normal from one graph
    for got, task in zip(outs, ('pose', 'seg', 'depth', 'normal')):
        assert torch.allclose(got, raw[task], atol=1e-4), task


def test_distill_from_single_task_teachers(trained, repo_root):
    tmp = trained['tmp']
    teachers = []
    for task in ('pose', 'seg', 'depth', 'normal'):
        cfg = tiny_config(task, hw=(64, 48), head_channels=8)
        path = str(tmp / f'teacher_{task}.py')
        cfg.dump(path)
        teachers += ['--teacher', task, path, 'none']
    images = trained['data'] / 'train' / 'images'
    work = tmp / 'distill'
    pretrained = str(tmp / 'backbone.pth')
    sd = torch.load(trained['ckpt'], map_location='cpu', weights_only=True)['state_dict']
    torch.save({k: v for k, v in sd.items() if k.startswith('backbone.')}, pretrained)
    args = ['tools/distill_multitask.py', trained['config'], '--images', str(images),
            *teachers, '--pretrained', pretrained, '--work-dir', str(work), '--kpt-thr', '0',
            '--no-val', '--cfg-options', 'train_cfg.max_epochs=1']
    run(args, repo_root)
    labels = work / 'teacher_labels'
    for sub, ext in (('images', '.png'), ('seg', '.png'), ('mask', '.png'),
                     ('normal', '.npy')):
        assert len(list((labels / sub).glob('*' + ext))) == 4, sub
    coco = json.loads((labels / 'annotations' / 'goliath_308.json').read_text())
    assert len(coco['images']) == 4
    records = logged(work)
    assert len([r for r in records if 'loss' in r]) == 2
    assert (work / 'last_checkpoint').is_file()
    # a second run with the same teachers and images reuses the labels (nothing rebuilt)
    from sapiens_mm.apis.multitask_distillation import write_teacher_labels
    specs = [(teachers[i + 1], teachers[i + 2], None) for i in range(0, len(teachers), 4)]
    info = write_teacher_labels(specs, str(images), str(labels), kpt_thr=0.0)
    assert info['reused'] and info['num_images'] == 4


def test_distill_bad_input(tmp_path, capsys):
    from sapiens_mm.cli.distill_multitask import main
    from sapiens_mm.cli.errors import run_cli
    config = 'configs/sapiens_multitask/synthetic/sapiens_tiny_multitask_synthetic-128x96.py'
    seg = 'configs/sapiens_seg/synthetic/sapiens_tiny_seg_synthetic-128x96.py'
    args = [config, '--images', str(tmp_path / 'nowhere'), '--teacher', 'seg', seg, 'none',
            '--work-dir', str(tmp_path / 'w')]
    assert run_cli(lambda: main(args), ['distill']) == 2
    err = capsys.readouterr().err
    assert 'nowhere' in err and 'does not exist' in err
    os.makedirs(tmp_path / 'empty')
    args[2] = str(tmp_path / 'empty')
    assert run_cli(lambda: main(args), ['distill']) == 2
    assert 'has no image' in capsys.readouterr().err
    args[4] = 'flow'
    assert run_cli(lambda: main(args), ['distill']) == 2
    assert "teacher task 'flow'" in capsys.readouterr().err

"""Probe of issue 14's bad-input cases against a checkout: one line per case, what happens.

    python tests/test_reliability/probe_cases.py REPO_ROOT 2>/dev/null | grep -P '\t'

REPO_ROOT is a checkout of sapiens_mm (e.g. one before this issue, from ``git archive``, and
this one) to compare; the helpers of this tests/ folder are imported from REPO_ROOT. Not a
test (pytest does not collect it): the assertions are in the ``test_*.py`` files beside it.
"""
import io
import json
import logging
import os
import shutil
import sys
import tempfile
import traceback

ROOT = sys.argv[1]
sys.path.insert(0, ROOT)
os.chdir(ROOT)
import numpy as np  # noqa
import torch  # noqa
import cv2  # noqa
import sapiens_mm  # noqa
from mmengine.logging import MMLogger  # noqa

TMP = tempfile.mkdtemp(prefix='cases_')
MARK = os.path.join(TMP, 'PWNED')
records = []
h = logging.Handler()
h.emit = records.append
MMLogger.get_current_instance().addHandler(h)


class Evil:
    def __reduce__(self):
        return (open, (MARK, 'w'))


def evil(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.save({'state_dict': {'w': torch.zeros(1)}, 'x': Evil()}, path)
    return path


def case(name):
    def deco(fn):
        records.clear()
        if os.path.exists(MARK):
            os.remove(MARK)
        try:
            out = fn()
            res = 'no error' + (f' ({out})' if out else '')
        except Exception as e:
            res = f'{type(e).__name__}: {str(e).splitlines()[0][:150]}'
        if os.path.exists(MARK):
            res = 'CODE RAN; ' + res
        warn = [r.getMessage()[:120] for r in records if r.levelno >= logging.WARNING]
        if warn:
            res += ' | warning: ' + warn[0]
        print(f'{name}\t{res}', flush=True)
        return fn
    return deco


URL = 'https://example.invalid/m/evil.pth'
os.environ['TORCH_HOME'] = os.path.join(TMP, 'th')
evil(os.path.join(TMP, 'th', 'hub', 'checkpoints', 'evil.pth'))


@case('ckpt: URL via mmengine (load_from/--resume/Pretrained)')
def _():
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.load_checkpoint(URL, map_location='cpu')


@case('ckpt: URL as SapiensViT init_cfg')
def _():
    from mmengine.registry import MODELS
    m = MODELS.build(dict(type='SapiensViT', arch='sapiens_tiny', img_size=(32, 32),
                          init_cfg=dict(type='Pretrained', checkpoint=URL)))
    m.init_weights()


@case('ckpt: URL to load_model_weights (infer/test)')
def _():
    from sapiens_mm.checkpoint import load_model_weights
    load_model_weights(torch.nn.Linear(1, 1), URL)


from tests.helpers.tiny_task_models import tiny_config, write_task_checkpoints, build  # noqa
cfgs = dict(seg=tiny_config('seg', (32, 32)), depth=tiny_config('depth', (32, 32)))
ck = write_task_checkpoints(TMP, cfgs)


def test_load(path):
    from mmengine.runner.checkpoint import load_checkpoint
    model = build(cfgs['seg'])
    try:
        from sapiens_mm.engine.runner import load_test_weights

        class R:
            pass
        r = R()
        r.model, r.logger = model, MMLogger.get_current_instance()
        load_test_weights(r, path)
    except ImportError:  # before: tools/test.py -> Runner load_from (non-strict)
        load_checkpoint(model, path, map_location='cpu', strict=False)


@case('ckpt: NaN/inf weights (task checkpoint -> infer/test loader)')
def _():
    from sapiens_mm.checkpoint import load_model_weights
    sd = torch.load(ck['seg'], weights_only=True)['state_dict']
    sd['decode_head.conv_seg.weight'][0] = float('nan')
    p = os.path.join(TMP, 'nan.pth')
    torch.save({'state_dict': sd}, p)
    load_model_weights(build(cfgs['seg']), p)


@case("test.py: another task's checkpoint")
def _():
    test_load(ck['depth'])


@case('test.py: {} checkpoint')
def _():
    p = os.path.join(TMP, 'empty.pth')
    torch.save({}, p)
    test_load(p)


@case('test.py: shape-mismatched checkpoint')
def _():
    sd = torch.load(ck['seg'], weights_only=True)['state_dict']
    sd['decode_head.conv_seg.weight'] = torch.zeros(3, *sd['decode_head.conv_seg.weight'].shape[1:])
    sd['decode_head.conv_seg.bias'] = torch.zeros(3)
    p = os.path.join(TMP, 'mismatch.pth')
    torch.save({'state_dict': sd}, p)
    test_load(p)


@case('train.py --cfg-options optim_wraper.optimizer.lr=1')
def _():
    from sapiens_mm.engine.runner import load_train_config, parse_train_args
    p = os.path.join(TMP, 'c.py')
    open(p, 'w').write("optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))\n"
                       "default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1))\n")
    cfg = load_train_config(parse_train_args([p, '--cfg-options', 'optim_wraper.optimizer.lr=1']))
    return f'lr stays {cfg.optim_wrapper.optimizer.lr}'


@case('train.py --cfg-options default_hooks.checkpoint.intervl=2')
def _():
    from sapiens_mm.engine.runner import load_train_config, parse_train_args
    load_train_config(parse_train_args([os.path.join(TMP, 'c.py'), '--cfg-options',
                                        'default_hooks.checkpoint.intervl=2']))


@case('train.py --resume (nothing to resume)')
def _():
    from sapiens_mm.engine.runner import load_train_config, parse_train_args
    load_train_config(parse_train_args([os.path.join(TMP, 'c.py'), '--resume', '--work-dir',
                                        os.path.join(TMP, 'nowork')]))


from tests.helpers.pose_data import write_goliath_coco  # noqa


def pose(edit):
    d = tempfile.mkdtemp(dir=TMP)
    ann = write_goliath_coco(d, num_images=2, persons=2)
    data = json.load(open(ann))
    edit(data)
    json.dump(data, open(ann, 'w'))
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    ds = DATASETS.build(dict(type='Goliath308Dataset', data_root=d, ann_file=ann,
                             data_mode='topdown', pipeline=[]))
    return f'{len(ds)} of 4 samples'


for name, fn in [
        ('pose: duplicate annotation id', lambda d: d['annotations'][1].update(id=1)),
        ('pose: image_id no image has', lambda d: d['annotations'][2].update(image_id=99)),
        ('pose: zero-size bbox', lambda d: d['annotations'][0]['bbox'].__setitem__(2, 0)),
        ('pose: negative-size bbox', lambda d: d['annotations'][0]['bbox'].__setitem__(2, -5)),
        ('pose: NaN bbox', lambda d: d['annotations'][0]['bbox'].__setitem__(2, float('nan'))),
        ('pose: NaN keypoint', lambda d: d['annotations'][0]['keypoints'].__setitem__(0, float('nan'))),
        ('pose: keypoint "12.5" (string)', lambda d: d['annotations'][0]['keypoints'].__setitem__(0, '12.5')),
        ('pose: every keypoint unlabelled', lambda d: [a.update(keypoints=[0.0] * len(a['keypoints'])) for a in d['annotations']]),
        ('pose: empty annotation list', lambda d: d.update(annotations=[]))]:
    case(name)(lambda fn=fn: pose(fn))

from tests.helpers.dense_data import write_dense_humans  # noqa


def dense(kind, edit, pipeline=None, item=False):
    d = tempfile.mkdtemp(dir=TMP)
    write_dense_humans(d, 3, size=(20, 16))
    edit(d)
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS
    init_default_scope('mmseg')
    extra = dict(normal_convention='opencv') if kind == 'HumanNormalDataset' else {}
    ds = DATASETS.build(dict(type=kind, data_root=d, pipeline=pipeline or [], **extra))
    if item:
        for i in range(len(ds)):
            ds[i]
    return f'{len(ds)} of 3 samples'


DEPTH = [dict(type='LoadImageFromFile'), dict(type='LoadHumanDepth')]
SEG = [dict(type='LoadImageFromFile'), dict(type='LoadBodyPartAnnotations')]


def npz(d):
    buf = io.BytesIO()
    np.savez(buf, depth=np.load(f'{d}/depth/000001.npy'))
    open(f'{d}/depth/000001.npy', 'wb').write(buf.getvalue())


def jpg(d):
    img = cv2.imread(f'{d}/images/000002.png')
    os.remove(f'{d}/images/000002.png')
    cv2.imwrite(f'{d}/images/000002.jpg', img)


for name, args in [
        ('dense: zero-byte image', ('HumanDepthDataset', lambda d: open(f'{d}/images/000001.png', 'w').close(), DEPTH)),
        ('dense: zero-byte label PNG', ('BodyPartSegDataset', lambda d: open(f'{d}/seg/000001.png', 'w').close(), SEG)),
        ('dense: .npz renamed .npy', ('HumanDepthDataset', npz, DEPTH)),
        ('dense: complex depth array', ('HumanDepthDataset', lambda d: np.save(f'{d}/depth/000001.npy', np.load(f'{d}/depth/000001.npy').astype(np.complex64)), DEPTH)),
        ('dense: a .jpg among .png images', ('BodyPartSegDataset', jpg, SEG)),
        ('dense: every depth target empty', ('HumanDepthDataset', lambda d: [cv2.imwrite(f'{d}/mask/{i:06d}.png', np.zeros((20, 16), np.uint8)) for i in range(3)], DEPTH))]:
    case(name)(lambda args=args: dense(*args, item=True))

from sapiens_mm.apis.inference import SapiensInferencer  # noqa
inf = SapiensInferencer([(cfgs['seg'], ck['seg'])], batch_size=2)


def infer_folder(edit):
    src = tempfile.mkdtemp(dir=TMP)
    os.makedirs(f'{src}/sub')
    rng = np.random.default_rng(0)
    for n in ('x.png', 'sub/x.png', 'x.jpg', 'y.jpg'):
        cv2.imwrite(f'{src}/{n}', rng.integers(0, 255, (20, 16, 3), dtype=np.uint8))
    out = tempfile.mkdtemp(dir=TMP)
    edit(src, out)
    s = inf.run(src, out)
    written = len([f for _, _, fs in os.walk(out) for f in fs if f.endswith('_seg.png')])
    os.chmod(out, 0o755)
    return f"reported {s['images']} images, {len(s['failed'])} failed; {written} _seg.png written"


def readonly(src, out):
    os.chmod(out, 0o555)


def truncated(src, out):
    data = open(f'{src}/y.jpg', 'rb').read()
    open(f'{src}/y.jpg', 'wb').write(data[:len(data) // 2])


def bomb(src, out):
    import struct
    import zlib

    def chunk(k, b):
        return struct.pack('>I', len(b)) + k + b + struct.pack('>I', zlib.crc32(k + b) & 0xffffffff)
    open(f'{src}/bomb.png', 'wb').write(
        b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 12000, 12000, 8, 2, 0, 0, 0))
        + chunk(b'IDAT', zlib.compress(b'\0' * 64)) + chunk(b'IEND', b''))


if os.getuid() != 0:
    case('infer: read-only output folder')(lambda: infer_folder(readonly))
else:  # root ignores permissions: a failing cv2.imwrite
    def failing(src, out):
        cv2.imwrite = lambda *a, **k: False
    def run_failing():
        real = cv2.imwrite
        try:
            return infer_folder(failing)
        finally:
            cv2.imwrite = real
    case('infer: cv2.imwrite returns False (full/read-only disk)')(run_failing)
case('infer: x.png, sub/x.png, x.jpg, y.jpg (names)')(lambda: infer_folder(lambda s, o: None))
case('infer: truncated JPEG')(lambda: infer_folder(truncated))
case('infer: PNG declaring 12000x12000 (header only)')(lambda: infer_folder(bomb))


@case('curate: boxes file changed under the same name')
def _():
    from sapiens_mm.data_curation import CocoBoxDetector, CurationCriteria, curate_images
    d = tempfile.mkdtemp(dir=TMP)
    os.makedirs(f'{d}/images')
    cv2.imwrite(f'{d}/images/a.png', np.full((40, 40, 3), 100, np.uint8))
    coco = dict(images=[dict(id=1, file_name='a.png')], categories=[dict(id=1, name='person')],
                annotations=[dict(id=1, image_id=1, category_id=1, bbox=[0, 0, 30, 30])])
    json.dump(coco, open(f'{d}/b.json', 'w'))
    crit = CurationCriteria(0.5, 10)
    curate_images(['a.png'], f'{d}/images', f'{d}/out', CocoBoxDetector(f'{d}/b.json'), crit, progress=False)
    coco['annotations'] = []
    json.dump(coco, open(f'{d}/b.json', 'w'))
    r = curate_images(['a.png'], f'{d}/images', f'{d}/out', CocoBoxDetector(f'{d}/b.json'), crit, progress=False)
    return f"kept {r['num_kept']} (stale decision reused)"


@case('backgrounds: truncated image copied')
def _():
    from sapiens_mm.data_curation import build_background_set
    d = tempfile.mkdtemp(dir=TMP)
    os.makedirs(f'{d}/imgs')
    cv2.imwrite(f'{d}/imgs/ok.jpg', np.full((30, 30, 3), 100, np.uint8))
    data = open(f'{d}/imgs/ok.jpg', 'rb').read()
    open(f'{d}/imgs/cut.jpg', 'wb').write(data[:len(data) // 2])
    json.dump(dict(images=[dict(id=1, file_name='ok.jpg'), dict(id=2, file_name='cut.jpg')],
                   annotations=[], categories=[dict(id=1, name='person')]), open(f'{d}/i.json', 'w'))
    s = build_background_set(f'{d}/i.json', f'{d}/imgs', f'{d}/bg', progress=False)
    return f"{s['num_listed']} listed, {len(s['unreadable'])} unreadable"


shutil.rmtree(TMP, ignore_errors=True)

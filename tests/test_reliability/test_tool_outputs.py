"""Tools do not drop results silently: tools/infer.py's writes, names and per-image failures,
the curation ledger's detector id, the background set's copies, and the tools' error exit."""
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from sapiens_mm.apis import SapiensInferencer
from sapiens_mm.apis.inferencers import inputs
from sapiens_mm.apis.inferencers.inputs import read_image
from tests.helpers.tiny_task_models import tiny_config, write_task_checkpoints


@pytest.fixture(scope='module')
def seg_inferencer(tmp_path_factory):
    cfg = tiny_config('seg', (32, 32))
    paths = write_task_checkpoints(str(tmp_path_factory.mktemp('ck')), dict(seg=cfg))
    return SapiensInferencer([(cfg, paths['seg'])], batch_size=2)


def _img(seed, hw=(20, 16)):
    return np.random.default_rng(seed).integers(0, 256, hw + (3, ), dtype=np.uint8)


@pytest.fixture
def folder(tmp_path):
    src = tmp_path / 'in'
    (src / 'sub').mkdir(parents=True)
    cv2.imwrite(str(src / 'x.png'), _img(0))
    cv2.imwrite(str(src / 'sub' / 'x.png'), _img(1))
    cv2.imwrite(str(src / 'x.jpg'), _img(2))
    cv2.imwrite(str(src / 'good.jpg'), _img(3))
    data = (src / 'good.jpg').read_bytes()
    (src / 'truncated.jpg').write_bytes(data[:len(data) // 2])
    (src / 'empty.png').write_bytes(b'')
    return src


def test_sub_paths_and_suffixes_do_not_overwrite(folder, seg_inferencer, tmp_path):
    out = tmp_path / 'out'
    summary = seg_inferencer.run(str(folder), str(out))
    assert summary['images'] == 4
    for stem in ('x.png', 'x.jpg', 'sub/x', 'good'):
        assert (out / f'{stem}_seg.png').is_file(), stem
    assert len(list(out.rglob('*_seg.png'))) == 4


def test_truncated_empty_and_oversized_images_are_skipped_and_counted(
        folder, seg_inferencer, tmp_path, monkeypatch):
    monkeypatch.setattr(inputs, 'MAX_IMAGE_PIXELS', 400)
    big = folder / 'big.png'
    cv2.imwrite(str(big), np.zeros((21, 20, 3), np.uint8))  # 420 pixels > 400
    summary = seg_inferencer.run(str(folder), str(tmp_path / 'out'))
    reasons = dict(summary['failed'])
    assert set(reasons) == {'truncated', 'empty', 'big'}
    assert 'truncated JPEG' in reasons['truncated'] and 'truncated.jpg' in reasons['truncated']
    assert 'empty file' in reasons['empty']
    assert '20x21 pixels exceeds the limit of 400' in reasons['big']
    assert summary['images'] == 4  # the rest went on


def test_pixel_limit_is_read_from_the_header_before_decoding(tmp_path, monkeypatch):
    path = tmp_path / 'huge.png'
    cv2.imwrite(str(path), np.zeros((300, 200, 3), np.uint8))
    decoded = []
    monkeypatch.setattr(cv2, 'imdecode', lambda *a: decoded.append(1))
    with pytest.raises(ValueError, match=r'huge\.png: 200x300 pixels exceeds the limit of 1000'):
        read_image(str(path), max_pixels=1000)
    assert not decoded


def test_failed_write_is_a_failure_not_a_silent_success(folder, seg_inferencer, tmp_path,
                                                       monkeypatch):
    real = cv2.imwrite
    monkeypatch.setattr(cv2, 'imwrite', lambda p, a, *r: False if 'good' in p else real(p, a))
    summary = seg_inferencer.run(str(folder), str(tmp_path / 'out'))
    reasons = dict(summary['failed'])
    assert 'could not be written' in reasons['good'] and 'good' in reasons['good']
    assert summary['images'] == 3


def test_an_inference_error_fails_only_its_image(folder, seg_inferencer, tmp_path, monkeypatch):
    real = seg_inferencer.forward
    good = cv2.imread(str(folder / 'good.jpg'))

    def flaky(samples, *args, **kwargs):
        if any(np.array_equal(s['img'], good) for s in samples):
            raise RuntimeError('boom')
        return real(samples, *args, **kwargs)

    monkeypatch.setattr(seg_inferencer, 'forward', flaky)
    summary = seg_inferencer.run(str(folder), str(tmp_path / 'out'))
    assert dict(summary['failed'])['good'] == 'inference failed (RuntimeError: boom)'
    assert summary['images'] == 3


def test_curation_ledger_identifies_the_boxes_file_by_content(tmp_path):
    from sapiens_mm.data_curation import CocoBoxDetector
    from sapiens_mm.data_curation.detectors import IdentifiedDetector
    ann = tmp_path / 'boxes.json'
    coco = dict(images=[dict(id=1, file_name='a.png')], categories=[dict(id=1, name='person')],
                annotations=[dict(id=1, image_id=1, category_id=1, bbox=[0, 0, 5, 5])])
    ann.write_text(json.dumps(coco))
    first = CocoBoxDetector(str(ann)).name
    coco['annotations'][0]['bbox'] = [0, 0, 9, 9]
    ann.write_text(json.dumps(coco))  # same name, other boxes
    assert CocoBoxDetector(str(ann)).name != first
    a = IdentifiedDetector(len, 'builtins:len', '{"x": 1, "y": 2}').name
    assert a == IdentifiedDetector(len, 'builtins:len', '{"y": 2, "x": 1}').name
    assert a != IdentifiedDetector(len, 'builtins:len', '{"x": 1, "y": 3}').name


def test_changed_boxes_file_is_not_resumed_from_stale_decisions(tmp_path):
    from sapiens_mm.data_curation import CocoBoxDetector, CurationCriteria, curate_images
    from sapiens_mm.data_curation.ledger import LedgerMismatchError
    img_dir = tmp_path / 'images'
    img_dir.mkdir()
    cv2.imwrite(str(img_dir / 'a.png'), _img(0, (40, 40)))
    ann = tmp_path / 'boxes.json'
    coco = dict(images=[dict(id=1, file_name='a.png')], categories=[dict(id=1, name='person')],
                annotations=[dict(id=1, image_id=1, category_id=1, bbox=[0, 0, 30, 30])])
    ann.write_text(json.dumps(coco))
    crit = CurationCriteria(0.5, 10)
    curate_images(['a.png'], str(img_dir), str(tmp_path / 'out'), CocoBoxDetector(str(ann)),
                  crit, progress=False)
    coco['annotations'] = []
    ann.write_text(json.dumps(coco))
    with pytest.raises(LedgerMismatchError, match='different setup'):
        curate_images(['a.png'], str(img_dir), str(tmp_path / 'out'),
                      CocoBoxDetector(str(ann)), crit, progress=False)


def test_background_set_verifies_each_copied_image(tmp_path):
    from sapiens_mm.data_curation import build_background_set
    root = tmp_path / 'imgs'
    root.mkdir()
    cv2.imwrite(str(root / 'ok.jpg'), _img(0, (30, 30)))
    data = (root / 'ok.jpg').read_bytes()
    (root / 'cut.jpg').write_bytes(data[:len(data) // 2])
    ann = tmp_path / 'inst.json'
    ann.write_text(json.dumps(dict(
        images=[dict(id=1, file_name='ok.jpg'), dict(id=2, file_name='cut.jpg')],
        annotations=[], categories=[dict(id=1, name='person')])))
    summary = build_background_set(str(ann), str(root), str(tmp_path / 'bg'))
    assert summary['num_copied'] == 1 and summary['num_listed'] == 1
    assert len(summary['unreadable']) == 1 and 'cut.jpg: truncated JPEG' in \
        summary['unreadable'][0]
    assert not (tmp_path / 'bg' / 'images' / 'cut.jpg').exists()


def test_run_cli_prints_one_message_and_exits_2(capsys):
    from sapiens_mm.cli.errors import run_cli
    from sapiens_mm.checkpoint import CheckpointError

    def main():
        raise CheckpointError('/x/y.pth: holds no tensors')

    assert run_cli(main, ['tools/test.py']) == 2
    err = capsys.readouterr().err
    assert 'test.py: error: CheckpointError: /x/y.pth: holds no tensors' in err
    assert 'Traceback' not in err and '--debug' in err
    with pytest.raises(CheckpointError):
        run_cli(main, ['tools/test.py', '--debug'])
    assert run_cli(lambda: 3, ['t']) == 3 and run_cli(lambda: {'m': 1}, ['t']) == 0


def test_test_tool_end_to_end_refuses_another_tasks_checkpoint(tmp_path, repo_root):
    """One subprocess run: tools/test.py with a depth checkpoint for a seg config."""
    from tests.helpers.tiny_task_models import CONFIGS
    cfgs = dict(depth=tiny_config('depth', (32, 32)))
    paths = write_task_checkpoints(str(tmp_path), cfgs)
    proc = subprocess.run([sys.executable, 'tools/test.py', CONFIGS['seg'], paths['depth'],
                           '--work-dir', str(tmp_path / 'w')], cwd=repo_root,
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=repo_root))
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert 'CheckpointError' in proc.stderr and 'depth.pth' in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_feature_extraction_keeps_sub_paths_and_skips_bad_images(folder, tmp_path):
    """tools/extract_features.py's FeatureExtractor.run."""
    from sapiens_mm.apis import FeatureExtractor
    ext = FeatureExtractor(tiny_config('seg', (32, 32)), None)
    res = ext.run(str(folder), str(tmp_path / 'f'), save_pca=False)
    assert sorted(os.path.relpath(p, folder) for p in res['done']) == \
        ['good.jpg', 'sub/x.png', 'x.jpg', 'x.png']
    for stem in ('x.png', 'x.jpg', 'sub/x', 'good'):  # the inferencer's names
        assert (tmp_path / 'f' / f'{stem}.npy').is_file(), stem
    reasons = dict(res['failed'])
    assert 'truncated JPEG' in reasons[str(folder / 'truncated.jpg')]
    assert 'empty file' in reasons[str(folder / 'empty.png')]


def _png_header_only(path, width, height):
    """A small PNG whose header declares width x height (never decodable in full)."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + \
            struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)

    ihdr = struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b'\0' * 64)
    path.write_bytes(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', idat) +
                     chunk(b'IEND', b''))


@pytest.mark.parametrize('side', [12000, 20000])  # 144 M (over our limit), 400 M (over PIL's)
def test_declared_20000_squared_png_is_refused_without_decoding(tmp_path, side):
    path = tmp_path / 'bomb.png'
    _png_header_only(path, side, side)
    assert path.stat().st_size < 1000
    with pytest.raises(ValueError, match=r'bomb\.png: .*(exceeds the limit of 100000000|'
                                         r'exceeds the pixel limit)'):
        read_image(str(path))

"""tools/infer.py, tools/export.py and tools/misc/convert_checkpoint.py from the command line."""
import importlib.util
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from sapiens_mm.checkpoint import CheckpointError

REPO = Path(__file__).resolve().parents[2]
SEG = 'configs/sapiens_seg/synthetic/sapiens_tiny_seg_synthetic-128x96.py'
POSE = 'configs/sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py'
SEG2 = 'configs/sapiens2_seg/synthetic/sapiens2_tiny_seg_synthetic-128x96.py'
POSE2 = 'configs/sapiens2_pose/synthetic/sapiens2_tiny_pose_synthetic-128x96.py'


def run(tool, *args, ok=True, capsys=None):
    """Call ``main(argv)`` of ``tools/<tool>`` in this process (no interpreter start-up)."""
    spec = importlib.util.spec_from_file_location(Path(tool).stem, REPO / 'tools' / tool)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        rc = module.main([str(a) for a in args]) or 0
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else 1
        if e.code and not isinstance(e.code, int):
            print(e.code)
    assert (rc == 0) == ok, f'{tool} {args}: rc {rc}'
    if capsys is None:
        return ''
    captured = capsys.readouterr()
    return captured.out + captured.err


def test_convert_then_infer_with_safetensors(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    from mmseg.apis import init_model
    model = init_model(str(REPO / SEG), None, device='cpu')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, tmp_path / 'seg.pth')
    out = run('misc/convert_checkpoint.py', tmp_path / 'seg.pth', tmp_path / 'seg.safetensors',
              capsys=capsys)
    assert 'wrote' in out and (tmp_path / 'seg.safetensors').is_file()
    img = np.random.default_rng(0).integers(0, 256, (90, 60, 3), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / 'a.png'), img)
    (tmp_path / 'b.png').write_bytes(b'broken')
    out = run('infer.py', tmp_path, '--out', tmp_path / 'out', '--task', SEG,
              tmp_path / 'seg.safetensors', '--task', POSE, 'none', '--det', 'none', ok=False,
              capsys=capsys)  # b.png: rc 1
    assert 'skipped' in out and 'b.png' in out  # rc = the number of failures (1)
    labels = cv2.imread(str(tmp_path / 'out' / 'a_seg.png'), cv2.IMREAD_UNCHANGED)
    assert labels.shape == (90, 60) and labels.max() < 28
    assert len(json.loads((tmp_path / 'out' / 'keypoints.json').read_text())) == 1
    assert (tmp_path / 'out' / 'a_panel.jpg').is_file()


def test_infer_lists_models_and_names_missing_ones(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv('SAPIENS_MM_CHECKPOINTS', str(tmp_path))
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    from sapiens_mm.checkpoint import MODEL_ZOO
    (tmp_path / MODEL_ZOO['sapiens_0.3b_depth'].filename).write_bytes(b'x')  # "cached"
    listing, backbones = run('infer.py', '--list-models', capsys=capsys).split('\n\n', 1)
    assert 'facebook/sapiens-seg-1b' in listing and 'pretrain' not in listing
    # backbone-only checkpoints in their own section, Sapiens2 included
    for name in ('sapiens_1b_pretrain', 'sapiens2_0.4b_pretrain', 'sapiens2_1b_4k_pretrain'):
        assert name in backbones, name
    assert 'facebook/sapiens2-pretrain-1b-4k' in backbones
    rows = {line.split()[0]: line.split() for line in listing.splitlines()[1:] if line.strip()}
    assert rows['sapiens_0.3b_depth'][3] == 'yes' and rows['sapiens_0.3b_normal'][3] == 'no'
    assert set(rows) == {n for n, e in MODEL_ZOO.items()
                         if e.config is not None and e.task != 'detector'}  # --det takes it
    with pytest.raises(CheckpointError, match='Did you mean sapiens_0.3b_depth'):
        run('infer.py', tmp_path, '--out', tmp_path / 'o', '--model', 'sapiens_0.3b_depht')


@pytest.mark.parametrize('pose', [POSE, POSE2], ids=['v1', 'v2'])
def test_export_tool_torchscript(pose, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    out = run('export.py', '--config', pose, '--out', tmp_path, '--format', 'torchscript',
              capsys=capsys)
    assert 'max |exported - torch| = 0' in out
    traced = torch.jit.load(str(tmp_path / (Path(pose).stem + '_torchscript.pt')))
    assert traced(torch.zeros(1, 3, 128, 96)).shape == (1, 308, 32, 24)


def test_export_bf16_onnx_is_refused_not_skipped(tmp_path, capsys, monkeypatch):
    """ONNX export is fp32 only: ``--format onnx --dtype bf16`` is an error naming both
    arguments (before any model is built, nothing written); a bf16 run with the default
    formats says that it writes no ONNX (it used to drop it with exit 0)."""
    monkeypatch.chdir(REPO)
    err = run('export.py', '--config', POSE, '--out', tmp_path / 'a', '--format', 'onnx',
              'torchscript', '--dtype', 'bf16', ok=False, capsys=capsys)  # argparse: exit 2
    assert '--format onnx' in err and '--dtype bf16' in err and 'fp32 only' in err
    assert not (tmp_path / 'a').exists()
    out = run('export.py', '--config', POSE, '--out', tmp_path / 'b', '--dtype', 'bf16',
              '--no-check', capsys=capsys)
    assert 'ONNX export is fp32 only' in out
    written = sorted(p.name for p in (tmp_path / 'b').iterdir())
    stem = 'sapiens_tiny-goliath_synthetic-128x96_bfloat16'
    assert written == [stem + '.pt2', stem + '_torchscript.pt'], written


@pytest.mark.parametrize('pose, seg', [(POSE, SEG), (POSE2, SEG2)], ids=['v1', 'v2'])
def test_export_tool_openvino_and_infer_with_the_openvino_engine(pose, seg, tmp_path, capsys,
                                                                 monkeypatch):
    pytest.importorskip('openvino')
    monkeypatch.chdir(REPO)
    out = run('export.py', '--config', pose, '--out', tmp_path, '--format', 'openvino',
              '--dynamic-batch', capsys=capsys)
    line = next(x for x in out.splitlines() if x.startswith('openvino:'))
    assert float(line.rsplit('= ', 1)[1]) < 1e-4, line
    xml = tmp_path / (Path(pose).stem + '.xml')
    assert xml.is_file() and xml.with_suffix('.bin').is_file()
    import openvino as ov
    assert ov.Core().read_model(str(xml)).inputs[0].get_partial_shape().to_string() == \
        '[?,3,128,96]'
    cv2.imwrite(str(tmp_path / 'a.png'),
                np.random.default_rng(0).integers(0, 256, (90, 60, 3), dtype=np.uint8))
    out = run('infer.py', tmp_path / 'a.png', '--out', tmp_path / 'out', '--task', seg, 'none',
              '--engine', 'openvino', '--precision', 'fp32', '--no-pictures', capsys=capsys)
    assert 'fp32' in out.replace('float32', 'fp32') and 'openvino engine' in out
    labels = cv2.imread(str(tmp_path / 'out' / 'a_seg.png'), cv2.IMREAD_UNCHANGED)
    assert labels.shape == (90, 60) and labels.max() < (29 if seg == SEG2 else 28)


def test_infer_pose_on_dense_with_sapiens2_models(tmp_path, capsys, monkeypatch):
    """``--pose-on-dense`` with Sapiens2 pose and seg checkpoints on one backbone: one pass,
    pose decoded on the whole image (its box is the image), 29-class labels written."""
    monkeypatch.chdir(REPO)
    from mmengine.config import Config
    from tests.helpers.tiny_task_models import write_task_checkpoints
    cfgs = {t: Config.fromfile(str(REPO / c)) for t, c in (('pose', POSE2), ('seg', SEG2))}
    ckpts = write_task_checkpoints(str(tmp_path), cfgs)
    cv2.imwrite(str(tmp_path / 'a.png'),
                np.random.default_rng(0).integers(0, 256, (90, 60, 3), dtype=np.uint8))
    from tests.helpers.logs import log_records, messages
    with log_records() as records:
        run('infer.py', tmp_path / 'a.png', '--out', tmp_path / 'out', '--task', POSE2,
            ckpts['pose'], '--task', SEG2, ckpts['seg'], '--det', 'none', '--pose-on-dense',
            '--precision', 'fp32', '--no-pictures', capsys=capsys)
    assert 'pose decoded from the backbone pass of: seg' in messages(records)
    people = json.loads((tmp_path / 'out' / 'keypoints.json').read_text())
    assert len(people) == 1 and len(people[0]['keypoints']) == 308 * 3
    assert people[0]['bbox'] == [0.0, 0.0, 60.0, 90.0]  # the whole image, no 1.25x padding
    labels = cv2.imread(str(tmp_path / 'out' / 'a_seg.png'), cv2.IMREAD_UNCHANGED)
    assert labels.shape == (90, 60) and labels.max() < 29


def test_infer_help_is_fast():
    import subprocess
    import sys
    import time
    t = time.perf_counter()
    out = subprocess.run([sys.executable, str(REPO / 'tools' / 'infer.py'), '--help'],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and '--precision' in out.stdout and '--no-pictures' in out.stdout
    assert time.perf_counter() - t < 2


def test_console_infer_help_loads_no_model_library():
    """``sapiens-infer --help`` (the console command, which imports the package) prints the
    usage without importing torch or the OpenMMLab libraries; a normal import registers."""
    import subprocess
    import sys
    from tests.helpers.tool_runs import help_run
    usage, rc, heavy = help_run('/venv/bin/sapiens-infer', 'infer', REPO)
    assert '--precision' in usage and rc == 0 and heavy == [], (usage[-500:], rc, heavy)
    code = ("import sys; sys.argv = ['/venv/bin/sapiens-infer', 'x.jpg']\nimport sapiens_mm\n"
            "from mmpose.registry import MODELS\nprint('RESULT', 'SapiensViT' in MODELS)\n")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         timeout=300, cwd=str(REPO))
    assert 'RESULT True' in out.stdout, out.stderr[-2000:]

"""Issue 25's loader cases: the refusal names the blocked global in every torch wording,
checkpoint dtypes that cannot hold the weights are refused, and the detector's checkpoint is
required and loaded exactly, weights-only, through the project's loader."""
import os

import numpy as np
import pytest
import torch
from mmengine.registry import MODELS

from sapiens_mm.checkpoint import CheckpointError, load_checkpoint_file, load_model_weights
from sapiens_mm.checkpoint.loading import blocked_global, check_parameter_dtypes

TINY = dict(type='SapiensViT', arch='sapiens_tiny', img_size=(32, 32), patch_cfg=dict(padding=2))


class _System:
    """Unpickling would call ``os.system`` (a blocked module in torch's own wording)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


@pytest.fixture
def marker(tmp_path):
    m = tmp_path / 'PWNED'
    yield m
    assert not m.exists(), 'the checkpoint pickle ran code'


def test_refusal_names_a_blocked_module_global(tmp_path, marker):
    """torch 2.15: ``Trying to load unsupported GLOBAL posix.system whose module posix is
    blocked`` (was: 'cannot be read as a checkpoint', the global unnamed)."""
    path = tmp_path / 'system.pth'
    torch.save({'state_dict': {'w': torch.zeros(1)}, 'x': _System(marker)}, path)
    with pytest.raises(CheckpointError, match=r'system\.pth: its pickle calls code outside the '
                       r'weights-only allow-list \(blocked global `(posix|nt)\.system`\); it '
                       r'was refused unread'):
        load_checkpoint_file(str(path))


def test_refusal_names_a_global_off_the_allow_list(tmp_path, marker):
    from tests.test_reliability.test_checkpoint_trust import write_evil
    path = write_evil(tmp_path / 'open.pth', marker)
    with pytest.raises(CheckpointError, match=r'open\.pth: .*\(blocked global `io\.open`\)'):
        load_checkpoint_file(path)


@pytest.mark.parametrize('message, name', [
    ('WeightsUnpickler error: Unsupported global: GLOBAL io.open was not an allowed global by '
     'default. Please use `torch.serialization.add_safe_globals([io.open])`', 'io.open'),
    ('Trying to load unsupported GLOBAL posix.system whose module posix is blocked.',
     'posix.system'),
    ('Unsupported class numpy.core.multiarray._reconstruct', 'numpy.core.multiarray._reconstruct'),
    ('builtins.eval was not an allowed global by default', 'builtins.eval'),
    ('Weights only load failed: unpickling stack underflow', None),
])
def test_blocked_global_in_each_wording(message, name):
    assert blocked_global(message) == name


# ---- dtypes that cannot hold the weights -------------------------------------------------

def _tiny_task_state(cast):
    from tests.helpers.tiny_task_models import build, tiny_config
    cfg = tiny_config('seg', (32, 32))
    model = build(cfg)
    sd = {k: cast(v.clone()) if v.is_floating_point() else v for k, v in
          model.state_dict().items()}
    return model, sd


@pytest.mark.parametrize('dtype', [torch.int64, torch.int8, torch.bool])
def test_integer_safetensors_refused_naming_file_and_keys(tmp_path, dtype):
    """Was: 'Loaded 64/64 tensors' with every weight truncated (every label 0)."""
    from safetensors.torch import save_file
    model, sd = _tiny_task_state(lambda v: (v * 100).to(dtype))
    path = str(tmp_path / 'ints.safetensors')
    save_file(sd, path)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    name = str(dtype).replace('torch.', '')
    with pytest.raises(CheckpointError, match=rf'ints\.safetensors: \d+ tensor\(s\) of a dtype '
                       rf'that cannot hold the weights .*backbone\.\S+: checkpoint {name} vs '
                       r'model float32'):
        load_model_weights(model, path)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # untouched


def test_complex_pth_refused(tmp_path):
    model, sd = _tiny_task_state(lambda v: v.to(torch.complex64))
    path = tmp_path / 'complex.pth'
    torch.save({'state_dict': sd}, path)
    with pytest.raises(CheckpointError, match=r'complex\.pth: .*checkpoint complex64 vs model '
                                              r'float32'):
        load_model_weights(model, str(path))


def test_backbone_loader_refuses_integer_weights(tmp_path):
    from sapiens_mm.checkpoint import load_backbone_weights
    m = MODELS.build(TINY)
    sd = {k: v.to(torch.int32) if v.is_floating_point() else v
          for k, v in m.state_dict().items()}
    torch.save(sd, tmp_path / 'int_backbone.pth')
    with pytest.raises(CheckpointError, match=r'int_backbone\.pth: .*int32 vs model float32'):
        load_backbone_weights(MODELS.build(TINY), str(tmp_path / 'int_backbone.pth'))


def test_mmengine_path_refuses_integer_weights_keeps_integer_buffers(tmp_path):
    """``load_from`` / ``Pretrained``: the loader sees no model; integer ``*.weight`` and
    complex tensors are refused, an int64 ``num_batches_tracked`` is not."""
    from mmengine.runner.checkpoint import CheckpointLoader
    path = tmp_path / 'int_weight.pth'
    torch.save({'state_dict': {'conv.weight': torch.ones(2, 2, dtype=torch.int64),
                               'bn.num_batches_tracked': torch.tensor(3)}}, path)
    with pytest.raises(CheckpointError, match=r'int_weight\.pth: 1 weight tensor\(s\) .* '
                                              r'conv\.weight \(int64\)'):
        CheckpointLoader.load_checkpoint(str(path))
    check_parameter_dtypes({'bn.num_batches_tracked': torch.tensor(3),
                            'w.weight': torch.ones(1, dtype=torch.float16)}, 'ok.pth')


def test_float16_and_float64_checkpoints_still_load(tmp_path):
    for dtype in (torch.float16, torch.float64, torch.bfloat16):
        model, sd = _tiny_task_state(lambda v: v.to(dtype))
        path = tmp_path / f'{dtype}.pth'
        torch.save({'state_dict': sd}, path)
        info = load_model_weights(model, str(path))
        assert not info['missing']


# ---- the detector path ---------------------------------------------------------------------

def rtmdet_config() -> str:
    import mmdet
    return os.path.join(os.path.dirname(mmdet.__file__), '.mim', 'configs', 'rtmdet',
                        'rtmdet_tiny_8xb32-300e_coco.py')


@pytest.fixture(scope='module')
def detector_state():
    from sapiens_mm.apis import MMDetPersonDetector
    det = MMDetPersonDetector(rtmdet_config(), 'none', 'cpu')
    return {k: v.clone() for k, v in det.model.state_dict().items()}


def test_detector_without_checkpoint_is_an_error():
    """Was: a randomly initialised detector ran, found nobody, exit 0."""
    from sapiens_mm.apis import MMDetPersonDetector
    with pytest.raises(ValueError, match=r'rtmdet_tiny_8xb32-300e_coco\.py\): no checkpoint '
                                         r'given'):
        MMDetPersonDetector(rtmdet_config(), None, 'cpu')


@pytest.mark.parametrize('parse', ['infer', 'curate'])
def test_det_config_without_det_checkpoint_names_the_argument(parse, capsys):
    if parse == 'infer':
        from sapiens_mm.cli.infer_args import parse_args
        argv = ['x.png', '--out', 'o', '--model', 'm', '--det-config', 'det.py']
    else:
        from sapiens_mm.cli.curate_human_images import parse_args
        argv = ['imgs', '--out-dir', 'o', '--det-config', 'det.py']
    with pytest.raises(SystemExit) as e:
        parse_args(argv)
    assert e.value.code == 2
    assert '--det-config det.py needs --det-checkpoint' in capsys.readouterr().err
    other = [] if parse == 'infer' else ['--coco-boxes', 'b.json']  # curate: one detector
    with pytest.raises(SystemExit):
        parse_args(argv[:-2] + other + ['--det-checkpoint', 'det.pth'])
    assert '--det-checkpoint det.pth needs --det-config' in capsys.readouterr().err


def test_detector_checkpoint_loads_exactly_with_its_meta(tmp_path, detector_state):
    from sapiens_mm.apis import MMDetPersonDetector
    trained = MMDetPersonDetector(rtmdet_config(), 'none', 'cpu').model
    with torch.no_grad():  # in place: RTMDet shares its head convs between levels
        for p in trained.parameters():
            p.normal_()
    sd = trained.state_dict()
    path = tmp_path / 'rtm.pth'
    torch.save({'state_dict': sd, 'meta': {'dataset_meta': {'CLASSES': ('person', )}}}, path)
    det = MMDetPersonDetector(rtmdet_config(), str(path), 'cpu')
    got = det.model.state_dict()
    assert all(torch.equal(got[k], v) for k, v in sd.items())
    assert det.model.dataset_meta == {'classes': ('person', )}
    assert det.name.endswith(':rtm.pth:cat0')


def test_detector_checkpoint_of_another_model_is_refused(tmp_path, detector_state):
    """Was: loaded non-strictly (mmengine's load_checkpoint), the rest left random."""
    from sapiens_mm.apis import MMDetPersonDetector
    sd = dict(detector_state)
    dropped = sorted(k for k in sd if k.startswith('bbox_head.'))[0]
    del sd[dropped]
    sd['roi_head.bbox_head.fc_cls.weight'] = torch.zeros(81, 16)
    torch.save({'state_dict': sd}, tmp_path / 'other.pth')
    with pytest.raises(CheckpointError, match=rf'other\.pth: does not fit .*1 of its tensors '
                       rf'missing from the file \({dropped}\), 1 tensors of the file unknown to '
                       r'it \(roi_head\.bbox_head\.fc_cls\.weight\)'):
        MMDetPersonDetector(rtmdet_config(), str(tmp_path / 'other.pth'), 'cpu')
    shape = dict(detector_state)
    key = next(k for k, v in shape.items() if k.startswith('bbox_head.') and v.ndim == 4)
    shape[key] = torch.zeros(1, *shape[key].shape[1:])
    torch.save({'state_dict': shape}, tmp_path / 'classes.pth')
    with pytest.raises(CheckpointError, match=rf'classes\.pth: 1 shape mismatches .*{key}'):
        MMDetPersonDetector(rtmdet_config(), str(tmp_path / 'classes.pth'), 'cpu')


def test_detector_checkpoint_is_read_weights_only(tmp_path, marker):
    from sapiens_mm.apis import MMDetPersonDetector
    from tests.test_reliability.test_checkpoint_trust import write_evil
    path = write_evil(tmp_path / 'evil_det.pth', marker)
    with pytest.raises(CheckpointError, match=r'evil_det\.pth: .*blocked global `io\.open`'):
        MMDetPersonDetector(rtmdet_config(), path, 'cpu')


class _Broken:
    name = 'broken-detector'

    def __call__(self, img):
        raise ZeroDivisionError('division by zero inside the detector')


def test_detector_raising_in_curation_names_detector_and_image(tmp_path):
    """Was: a bare traceback; now a DetectorError naming both (the CLI prints one line)."""
    import cv2
    from sapiens_mm.data_curation import CurationCriteria, curate_images
    from sapiens_mm.utils.detection import DetectorError
    (tmp_path / 'imgs').mkdir()
    cv2.imwrite(str(tmp_path / 'imgs' / 'a.png'), np.full((20, 20, 3), 90, np.uint8))
    with pytest.raises(DetectorError, match=r'person detector broken-detector failed on '
                       r'.*imgs/a\.png: ZeroDivisionError: division by zero inside'):
        curate_images(['a.png'], str(tmp_path / 'imgs'), str(tmp_path / 'out'), _Broken(),
                      CurationCriteria(0.5, 10), progress=False)


def test_detector_raising_in_inference_fails_that_image_naming_the_detector(tmp_path):
    import cv2
    from sapiens_mm.apis import SapiensInferencer
    from tests.helpers.tiny_task_models import tiny_config
    (tmp_path / 'imgs').mkdir()
    for n in ('a.png', 'b.png'):
        cv2.imwrite(str(tmp_path / 'imgs' / n), np.full((40, 30, 3), 90, np.uint8))
    inf = SapiensInferencer([(tiny_config('pose', (32, 32)), None)], device='cpu',
                            precision='fp32', detector=_Broken(), batch_size=2)
    summary = inf.run(str(tmp_path / 'imgs'), str(tmp_path / 'out'), pictures=False)
    assert sorted(n for n, _ in summary['failed']) == ['a', 'b']
    for name, reason in summary['failed']:
        assert f'person detector broken-detector failed on {name}: ZeroDivisionError' in reason

"""Choosing the engine: 'auto' falls back to torch without OpenVINO, 'openvino' says how to
install it (before any model is built), OpenVINO only on the CPU; the CLI's --engine."""
import sys

import pytest

from sapiens_mm.apis.inferencers import engines
from sapiens_mm.apis.inferencers.engines import resolve_engine


@pytest.fixture
def no_openvino(monkeypatch):
    monkeypatch.setitem(sys.modules, 'openvino', None)  # `import openvino` raises ImportError


def test_without_openvino_auto_is_torch_and_openvino_is_a_clear_error(no_openvino, monkeypatch):
    assert not engines.openvino_available()
    assert resolve_engine('auto', 'cpu') == 'torch'
    assert resolve_engine('torch', 'cpu') == 'torch'
    with pytest.raises(ImportError, match=r"pip install openvino .*engine='torch'"):
        resolve_engine('openvino', 'cpu')
    from sapiens_mm.apis import SapiensInferencer
    from sapiens_mm.apis.inferencers import sapiens_inferencer

    def no_build(*args, **kwargs):
        raise AssertionError('a model was built before the engine was checked')

    monkeypatch.setattr(sapiens_inferencer, 'build_task_model', no_build)
    with pytest.raises(ImportError, match='pip install openvino'):
        SapiensInferencer([('configs/x.py', None)], device='cpu', engine='openvino')


def test_engine_names_and_devices():
    with pytest.raises(ValueError, match="engine must be one of .*'onnx'"):
        resolve_engine('onnx', 'cpu')
    with pytest.raises(ValueError, match="runs on the CPU, but device='cuda'"):
        resolve_engine('openvino', 'cuda')
    assert resolve_engine('auto', 'cuda') == 'torch'
    assert resolve_engine('auto', 'cpu') == ('openvino' if engines.openvino_available()
                                             else 'torch')


def test_cli_engine_argument():
    from sapiens_mm.cli.infer_args import parse_args
    base = ['a.jpg', '--out', 'o', '--model', 'sapiens_0.3b_depth']
    assert parse_args(base).engine == 'auto'
    # one default: the API's is the CLI's
    import inspect
    from sapiens_mm.apis import SapiensInferencer
    assert inspect.signature(SapiensInferencer).parameters['engine'].default == 'auto'
    assert parse_args(base + ['--engine', 'openvino']).engine == 'openvino'
    with pytest.raises(SystemExit):
        parse_args(base + ['--engine', 'tensorrt'])

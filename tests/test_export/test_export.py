"""Export on the tiny archs: ONNX (onnxruntime), TorchScript, torch.export and OpenVINO IR
reproduce the PyTorch outputs of all task heads; a free batch size works; bf16 stays close to
fp32. Every test runs for both families: Sapiens (v1: pose, seg (28), depth, normal) and
Sapiens2 (pose, seg (29), normal; RoPE computed in bf16, GQA, RMSNorm, SwiGLU).

To keep the exports few (each takes seconds; the ONNX export of the 18-block Sapiens2 tiny
about a minute on 2 cores), the heads of a family are exported together on one backbone
(``MultiTaskExportWrapper``); the per-task wrapper the export tool uses is exported once
(pose) and checked for every task's output shape.
"""
import copy

import pytest
import torch

from sapiens_mm.export import (MultiTaskExportWrapper, build_export_model, example_input,
                               export_onnx, export_program, export_torchscript,
                               onnx_max_abs_diff, program_max_abs_diff,
                               torchscript_max_abs_diff)
from tests.helpers.tiny_task_models import FAMILY_TASKS, tiny_config

HW = (64, 48)
# expected output (channels, H, W) of each head at 64x48 (Sapiens2's dense heads: full size)
SHAPES = dict(
    sapiens=dict(pose=(308, 16, 12), seg=(28, 32, 24), depth=(1, 64, 48), normal=(3, 32, 24)),
    sapiens2=dict(pose=(308, 16, 12), seg=(29, 64, 48), normal=(3, 64, 48)))


@pytest.fixture(scope='module', params=tuple(FAMILY_TASKS))
def wrappers(request):
    torch.manual_seed(0)
    out = {}
    for task in FAMILY_TASKS[request.param]:
        w, hw = build_export_model(tiny_config(task, hw=HW, padding=2, family=request.param),
                                   None)
        assert hw == HW and w.task == task
        for p in w.parameters():  # random, not the zero-bias init
            p.data.normal_(0, 0.05)
        out[task] = w
    shared = out['pose'].model.backbone.state_dict()
    for w in out.values():  # heads on one common backbone
        w.model.backbone.load_state_dict(shared)
    return out


@pytest.fixture(scope='module')
def multi(wrappers):
    return MultiTaskExportWrapper({t: w.model for t, w in wrappers.items()})


def test_task_wrappers_give_the_head_outputs(wrappers, multi):
    x = example_input(HW, batch=2)
    with torch.no_grad():
        joint = multi(x)
        for task, out in zip(multi.tasks, joint):
            single = wrappers[task](x)
            family = type(wrappers[task].model.backbone).checkpoint_family
            assert single.shape == (2, ) + SHAPES[family][task]
            assert torch.equal(single, out)


def test_heads_of_both_families_are_refused():
    v1 = build_export_model(tiny_config('pose', hw=HW), None)[0].model
    v2 = build_export_model(tiny_config('seg', hw=HW, family='sapiens2'), None)[0].model
    with pytest.raises(ValueError, match='different families'):
        MultiTaskExportWrapper({'pose': v1, 'seg': v2})


def test_task_torchscript_parity(wrappers, tmp_path):
    w = wrappers['pose']
    path = export_torchscript(w, str(tmp_path / 'pose_torchscript.pt'), example_input(HW))
    assert torchscript_max_abs_diff(w, path, example_input(HW, seed=1)) < 1e-5


def test_all_heads_torchscript_and_program_parity(multi, tmp_path):
    x = example_input(HW)
    ts = export_torchscript(multi, str(tmp_path / 'all_torchscript.pt'), x)
    assert torchscript_max_abs_diff(multi, ts, example_input(HW, seed=1)) < 1e-5
    pt2 = export_program(multi, str(tmp_path / 'all.pt2'), x, dynamic_batch=True)
    assert program_max_abs_diff(multi, pt2, example_input(HW, batch=3, seed=2)) < 1e-5


def test_all_heads_onnx_parity_with_onnxruntime(multi, tmp_path):
    pytest.importorskip('onnxruntime')
    pytest.importorskip('onnxscript')
    path = export_onnx(multi, str(tmp_path / 'all.onnx'), example_input(HW),
                       dynamic_batch=True)
    import onnx
    assert [o.name for o in onnx.load(path).graph.output] == \
        [f'output_{t}' for t in multi.tasks]
    assert onnx_max_abs_diff(multi, path, example_input(HW, seed=3)) < 1e-4
    assert onnx_max_abs_diff(multi, path, example_input(HW, batch=3, seed=4)) < 1e-4


def test_bf16_module_close_to_fp32(wrappers, tmp_path):
    w = wrappers['normal']
    x = example_input(HW)
    w16 = copy.deepcopy(w).to(torch.bfloat16)
    path = export_torchscript(w16, str(tmp_path / 'normal_bf16.pt'), x.bfloat16())
    with torch.no_grad():
        ref = w(x)
        got = torch.jit.load(path)(x.bfloat16())
    assert got.dtype == torch.bfloat16
    cos = torch.nn.functional.cosine_similarity(got.float(), ref, dim=1)
    assert 0.99 < cos.mean() < 1  # close, but not the fp32 numbers


def test_all_heads_openvino_ir_parity(multi, tmp_path):
    pytest.importorskip('openvino')
    from sapiens_mm.export import export_openvino, openvino_max_abs_diff
    path = export_openvino(multi, str(tmp_path / 'all.xml'), example_input(HW),
                           dynamic_batch=True)
    n_weights = sum(p.numel() for p in multi.parameters())
    assert (tmp_path / 'all.bin').stat().st_size > 0.9 * 4 * n_weights  # fp32, not fp16
    import openvino as ov
    model = ov.Core().read_model(path)
    assert [o.get_any_name() for o in model.outputs] == [f'output_{t}' for t in multi.tasks]
    assert openvino_max_abs_diff(multi, path, example_input(HW, seed=3)) < 1e-4
    assert openvino_max_abs_diff(multi, path, example_input(HW, batch=3, seed=4)) < 1e-4
    with pytest.raises(ValueError, match='must end in .xml'):
        export_openvino(multi, str(tmp_path / 'all.ir'), example_input(HW))


def test_pointmap_models_are_refused_not_half_exported():
    """The pointmap head returns (canonical map, scale); the single-output wrapper would keep
    only the scale, so export refuses the model and names it."""
    config = 'configs/sapiens2_pointmap/synthetic/sapiens2_tiny_pointmap_synthetic-128x96.py'
    with pytest.raises(ValueError, match='sapiens2_tiny_pointmap_synthetic-128x96: pointmap '
                       'models .* cannot be exported yet'):
        build_export_model(config, None)

"""Export of Sapiens task models to ONNX, OpenVINO IR, TorchScript and ``torch.export``
programs.

Every task model is wrapped (:class:`TaskExportWrapper`) into a plain module taking a
normalised (B, 3, H, W) float tensor at the config's fixed input size and returning the raw
head output: pose heatmaps (B, K, H/4, W/4), segmentation logits (B, 28, H/2, W/2),
depth (B, 1, H, W) or unnormalised normals (B, 3, H/2, W/2); Sapiens2's dense heads give full
size (seg (B, 29, H, W), normals (B, 3, H, W)). Pre- and post-processing (resize,
normalisation, decoding) stay outside the exported graph, as in the release's lite path.

Sapiens2 computes its RoPE in bf16 even in an fp32 model; onnxruntime has no bf16 arithmetic
kernels, so the ONNX export traces that part as fp32 ops with bf16 rounding (same values; see
:mod:`sapiens_mm.models.backbones.sapiens2_rope`).
"""
from .onnx import export_onnx, onnx_max_abs_diff
from .openvino import export_openvino, openvino_max_abs_diff
from .torchscript import (export_program, export_torchscript, program_max_abs_diff,
                          torchscript_max_abs_diff)
from .wrappers import (MultiTaskExportWrapper, TaskExportWrapper, build_export_model,
                       example_input)

__all__ = ['TaskExportWrapper', 'MultiTaskExportWrapper', 'build_export_model',
           'example_input', 'export_onnx', 'onnx_max_abs_diff', 'export_openvino',
           'openvino_max_abs_diff', 'export_torchscript', 'torchscript_max_abs_diff',
           'export_program', 'program_max_abs_diff']

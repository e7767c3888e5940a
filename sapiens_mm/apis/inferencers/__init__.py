"""The inference layer: inputs, model building, precision and the fast path, decoding,
checked writing, and :class:`SapiensInferencer` (mmengine ``BaseInferencer`` stages)."""
from .fast_inference import disable_fast_inference, enable_fast_inference
from .precision import best_device, choose_precision, cpu_has_native_bf16, make_fast
from .sapiens_inferencer import SapiensInferencer
from .task_model import TaskModel, build_task_model, task_of

__all__ = ['SapiensInferencer', 'build_task_model', 'TaskModel', 'task_of',
           'enable_fast_inference', 'disable_fast_inference', 'choose_precision',
           'cpu_has_native_bf16', 'best_device', 'make_fast']

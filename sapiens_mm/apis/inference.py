"""Former home of :class:`SapiensInferencer`; kept so ``sapiens_mm.apis.inference`` imports
still work. The code is in :mod:`sapiens_mm.apis.inferencers`."""
from .inferencers import SapiensInferencer, build_task_model, task_of
from .inferencers.inputs import VIDEO_EXTENSIONS, inputs_to_list

__all__ = ['SapiensInferencer', 'task_of', 'build_task_model', 'inputs_to_list',
           'VIDEO_EXTENSIONS']

"""Allow-list the non-tensor globals of mmengine training checkpoints for weights-only loading.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True``, and mmengine 0.10.7 calls it
without the argument (``Runner.resume``/``load_from``, ``CheckpointLoader``). Checkpoints that
mmengine writes while training hold a few pickled objects besides tensors, so resuming fails
with ``UnpicklingError: Weights only load failed``. Rather than switching weights-only loading
off, :func:`register_safe_globals` marks exactly those globals safe with
:func:`torch.serialization.add_safe_globals`; anything else still fails to load.

Where they come from (found by training a Runner with ``CheckpointHook`` and reading
``torch.serialization.get_unsafe_globals_in_checkpoint`` / the load error until resuming
works; ``tests/test_tools/test_train_resume.py`` repeats the check):

* ``message_hub.log_scalars``: :class:`mmengine.logging.HistoryBuffer` instances holding
  numpy arrays (``_reconstruct``, ``ndarray``, ``dtype`` and the dtype's class, e.g.
  ``numpy.dtypes.Float64DType`` / ``Int64DType``, which torch must be allowed to BUILD);
* ``message_hub.runtime_info``: numpy scalars such as the ``best_score`` of
  ``CheckpointHook(save_best=...)`` from metrics computed with numpy (``scalar``);
* ``meta.dataset_meta``: numpy arrays in dataset metainfo (mmpose ``sigmas``,
  ``joint_weights``, ``keypoint_colors`` ... as float32/uint8 arrays).

The dtype classes are registered for every boolean, integer and floating-point dtype, since
which ones occur depends on the data; object, string and void dtypes are left out.
``collections.OrderedDict``/``Counter`` (``MultiStepLR`` milestones) are allowed by torch already.

numpy 2 pickles its functions as ``numpy._core.multiarray.*`` and numpy 1 as
``numpy.core.multiarray.*``; both names are registered so checkpoints written under either
load under the installed numpy.
"""
import numpy as np
import torch

__all__ = ['register_safe_globals', 'safe_globals_list']

try:  # numpy >= 2
    from numpy._core import multiarray as _multiarray
except ImportError:  # numpy 1.x
    from numpy.core import multiarray as _multiarray


def _numeric_dtype_classes() -> list:
    """Classes of the bool/int/uint/float dtypes (``numpy.dtypes.Float64DType`` ...)."""
    codes = '?' + np.typecodes['AllInteger'] + np.typecodes['Float']
    return sorted({type(np.dtype(c)) for c in codes}, key=lambda cls: cls.__name__)


def safe_globals_list() -> list:
    """The entries :func:`register_safe_globals` passes to ``add_safe_globals``.

    Functions appear as ``(function, 'module.name')`` pairs, once per numpy module name.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    entries = [HistoryBuffer, np.ndarray, np.dtype, *_numeric_dtype_classes()]
    for module in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        entries += [(_multiarray._reconstruct, f'{module}._reconstruct'),
                    (_multiarray.scalar, f'{module}.scalar')]
    return entries


def register_safe_globals() -> None:
    """Allow-list the globals of mmengine training checkpoints for ``weights_only`` loading.

    Idempotent: torch keeps the allow-list as a set, so calling it again adds nothing.
    """
    torch.serialization.add_safe_globals(safe_globals_list())

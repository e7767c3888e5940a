"""Allow-list the non-tensor globals of mmengine training checkpoints for weights-only loading.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True``, and mmengine 0.10.7 calls it
without the argument (``Runner.resume``, ``load_from``, ``CheckpointLoader``). Checkpoints that
mmengine writes while training hold a few pickled objects besides tensors, so resuming fails
with ``UnpicklingError: Weights only load failed``. Rather than switching weights-only loading
off, :func:`register_safe_globals` allow-lists those globals with
:func:`torch.serialization.add_safe_globals`; anything else still fails to load.

Found by training Runners with ``CheckpointHook`` (toy task, mmpose top-down, mmseg
encoder-decoder), then loading their checkpoints weights-only from an empty allow-list and
adding whatever global or class the error names until they load
(``tests/test_tools/test_entry_points.py`` repeats this and compares):

* ``message_hub.log_scalars``: :class:`~mmengine.logging.HistoryBuffer` instances holding
  float64/int64 numpy arrays (``_reconstruct``, ``ndarray``, ``dtype``, and the dtype's class,
  e.g. ``numpy.dtypes.Float64DType``, which torch must be allowed to BUILD).
  ``HistoryBuffer.__getstate__`` also stores its statistics methods, which pickle writes as
  ``getattr(HistoryBuffer, 'min')`` (nested qualname). ``builtins.getattr`` itself is not
  allow-listed (it reaches any attribute of any allowed object): the name is mapped to
  :func:`_history_buffer_statistic`, which returns those four methods and nothing else;
* ``message_hub.runtime_info``: numpy float64 scalars (``scalar``): the logger's ``eta``, and
  the ``best_score`` of ``CheckpointHook(save_best=...)``;
* ``meta.dataset_meta`` (and its copy in the runtime info): numpy arrays of the dataset
  metainfo, e.g. mmpose's float32 ``sigmas``/``joint_weights`` and uint8 colours.

Which dtypes occur depends on the data, so the classes of all bool, integer and floating-point
dtypes are registered (they only carry a dtype's state); object, string and void dtypes are
not. ``collections.OrderedDict`` and ``Counter`` (``MultiStepLR`` milestones) are allowed by
torch already.

numpy 2 pickles these functions as ``numpy._core.multiarray.*`` and numpy 1 as
``numpy.core.multiarray.*``; both names are registered, so a checkpoint written under either
loads under the installed numpy.
"""
import pickle

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer

__all__ = ['register_safe_globals', 'safe_globals_list']

try:  # numpy >= 2
    from numpy._core import multiarray as _multiarray
except ImportError:  # numpy 1.x
    from numpy.core import multiarray as _multiarray


#: The statistics methods ``HistoryBuffer`` registers by default (and pickles with its state).
_HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')


def _history_buffer_statistic(owner, name: str):
    """Weights-only stand-in for ``getattr``: only ``getattr(HistoryBuffer, <statistic>)``."""
    if owner is HistoryBuffer and name in _HISTORY_BUFFER_STATISTICS:
        return getattr(owner, name)
    raise pickle.UnpicklingError(
        f'weights-only load: getattr({owner!r}, {name!r}) is not allowed (sapiens_mm allows '
        f'only the HistoryBuffer statistics {_HISTORY_BUFFER_STATISTICS})')


def _numeric_dtype_classes() -> list:
    """Classes of the bool/int/uint/float dtypes (``numpy.dtypes.Float64DType`` ...)."""
    codes = '?' + np.typecodes['AllInteger'] + np.typecodes['Float']
    return sorted({type(np.dtype(c)) for c in codes}, key=lambda cls: cls.__name__)


def safe_globals_list() -> list:
    """The entries :func:`register_safe_globals` passes to ``add_safe_globals``.

    Functions appear as ``(function, 'module.name')`` pairs: the numpy ones under both numpy
    module names, the ``getattr`` stand-in under ``builtins.getattr``.
    """
    entries = [HistoryBuffer, (_history_buffer_statistic, 'builtins.getattr'),
               np.ndarray, np.dtype, *_numeric_dtype_classes()]
    for module in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        entries += [(_multiarray._reconstruct, f'{module}._reconstruct'),
                    (_multiarray.scalar, f'{module}.scalar')]
    return entries


def register_safe_globals() -> None:
    """Allow-list the globals of mmengine training checkpoints for ``weights_only`` loading.

    Idempotent: torch keeps the allow-list as a set, so calling it again adds nothing.
    """
    torch.serialization.add_safe_globals(safe_globals_list())

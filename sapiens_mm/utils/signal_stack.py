"""Keep the calling thread's alternate signal stack across a library call.

Why: OpenVINO's CPU plugin (seen with openvino 2026.4 on Linux) installs an alternate signal
stack of its own (about 20 KB, ``sigaltstack``) on the thread that calls
``Core.compile_model`` and leaves it there; the stack's memory belongs to the plugin and is
later released while the thread still points at it. The next signal with a Python handler
(Python installs every handler with ``SA_ONSTACK``), e.g. the ``SIGCHLD`` that torch's
DataLoader listens for when any child process ends, is then delivered onto memory that is gone:
the kernel cannot write the signal frame and kills the process with ``SIGSEGV``
(``si_code=SI_KERNEL``), no Python traceback. In this project's test suite it killed a pytest
worker waiting for a subprocess after the OpenVINO engine tests had run in it; a user's process
running the OpenVINO engine and then starting subprocesses could die the same way.

:func:`keep_signal_stack` saves the thread's alternate stack (``sigaltstack(NULL, &old)``)
before the call and puts it back after, so the thread never points at the plugin's memory;
the plugin's own signal handling, if any, runs on the stack that was there (faulthandler's, or
the thread's normal stack). A no-op where ``sigaltstack`` is unavailable (non-POSIX).
"""
import contextlib
import ctypes
import sys
from typing import Iterator, Optional

__all__ = ['keep_signal_stack', 'signal_stack']


class _StackT(ctypes.Structure):
    """``stack_t`` of <signal.h> (Linux, macOS: the same three fields, in this order)."""
    _fields_ = [('ss_sp', ctypes.c_void_p), ('ss_flags', ctypes.c_int),
                ('ss_size', ctypes.c_size_t)]


def _libc():
    if sys.platform == 'win32':
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc if hasattr(libc, 'sigaltstack') else None
    except OSError:
        return None


_LIBC = _libc()


def signal_stack() -> Optional[_StackT]:
    """The calling thread's alternate signal stack (``ss_sp``, ``ss_flags``, ``ss_size``), or
    None where it cannot be read."""
    if _LIBC is None:
        return None
    old = _StackT()
    if _LIBC.sigaltstack(None, ctypes.byref(old)) != 0:
        return None
    return old


@contextlib.contextmanager
def keep_signal_stack() -> Iterator[None]:
    """Run the ``with`` body, then restore the thread's alternate signal stack as it was."""
    old = signal_stack()
    try:
        yield
    finally:
        if old is not None:
            now = signal_stack()
            if now is not None and (now.ss_sp != old.ss_sp or now.ss_size != old.ss_size
                                    or now.ss_flags != old.ss_flags):
                restore = _StackT(old.ss_sp, old.ss_flags & 2, old.ss_size)  # SS_DISABLE kept
                _LIBC.sigaltstack(ctypes.byref(restore), None)

"""argparse ``type=`` functions for numeric options that must make sense.

``--batch-size 0``, ``--workers -1``, ``--kpt-thr nan``, ``--size 0 0`` are refused while the
arguments are parsed (argparse's usage message, exit status 2, naming the option) instead of
failing deep inside a run or being taken silently. This module imports nothing but argparse
and math, so ``--help`` stays fast.
"""
import argparse
import math

__all__ = ['positive_int', 'non_negative_int', 'finite_float', 'unit_float']


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not an integer') from None


def positive_int(text: str) -> int:
    """An integer >= 1 (a batch size, a number of processes, an image side)."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'{value} must be a positive integer (>= 1)')
    return value


def non_negative_int(text: str) -> int:
    """An integer >= 0 (a number of worker processes; 0: in the main process)."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f'{value} must be an integer >= 0')
    return value


def finite_float(text: str) -> float:
    """A finite float (not nan, not inf)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not a number') from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f'{text!r} must be a finite number')
    return value


def unit_float(text: str) -> float:
    """A finite float in [0, 1] (a score threshold)."""
    value = finite_float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f'{value} must be between 0 and 1')
    return value

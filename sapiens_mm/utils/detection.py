"""The error of a person detector that fails on an image (inference and curation)."""

__all__ = ['DetectorError', 'detector_failure']


class DetectorError(RuntimeError):
    """A person detector raised on an image; the message names the detector and the image."""


def detector_failure(detector: str, image: str, error: BaseException) -> DetectorError:
    """``DetectorError('person detector D failed on IMAGE: Type: first line of the error')``,
    to raise ``from error`` (its traceback stays reachable with ``--debug``)."""
    text = str(error).strip().splitlines()
    why = f'{type(error).__name__}: {text[0][:300]}' if text else type(error).__name__
    return DetectorError(f'person detector {detector} failed on {image}: {why}')

"""Capture the records of mmengine's current logger (its stream handler may be bound to the
stdout of an earlier test, which capsys does not see)."""
import contextlib
import logging

from mmengine.logging import MMLogger


@contextlib.contextmanager
def log_records():
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def messages(records) -> str:
    return '\n'.join(r.getMessage() for r in records)

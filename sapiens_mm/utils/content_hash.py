"""Content hashes: what caches, ledgers and reused outputs are keyed by (never name + mtime).

:func:`file_digest` hashes a file's bytes and :func:`text_digest` a string (e.g. a resolved
config or detector arguments), both SHA-256 cut to ``length`` hex digits (16 by default: 64
bits, far from a collision for any data set size here). The curation ledger identifies boxes
files, configs and checkpoints with them, and the teacher-label pass of the multi-task
distillation identifies teachers and images with them.
"""
import hashlib
import os.path as osp

__all__ = ['file_digest', 'text_digest', 'bytes_digest']


def bytes_digest(data: bytes, length: int = 16) -> str:
    """First ``length`` hex digits of the SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()[:length]


def file_digest(path: str, length: int = 16) -> str:
    """First ``length`` hex digits of the SHA-256 of a file's bytes (``'missing'`` if absent),
    so that a changed file is told from the one a result was made with even when its name, size
    and modification time are the same."""
    if not path or not osp.isfile(path):
        return 'missing'
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()[:length]


def text_digest(text: str, length: int = 16) -> str:
    """First ``length`` hex digits of the SHA-256 of ``text`` (UTF-8)."""
    return bytes_digest(text.encode(), length)

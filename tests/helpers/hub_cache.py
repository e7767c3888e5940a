"""A Hugging Face Hub cache laid out by hand, as ``huggingface_hub`` documents it.

``<cache>/models--{org}--{name}/blobs/<sha256>`` holds the bytes,
``snapshots/<commit>/<filename>`` links to the blob, and ``refs/<revision>`` names the commit,
so ``hf_hub_download(repo, filename, revision=..., local_files_only=True)`` finds the file with
no network (https://huggingface.co/docs/huggingface_hub/guides/manage-cache).
"""
import hashlib
import os
from pathlib import Path


def add_to_hub_cache(cache_dir, repo: str, filename: str, data: bytes,
                     revision: str = 'main', commit: str = None) -> Path:
    """Put ``data`` in the cache as ``repo``'s ``filename`` at ``revision``; returns the
    snapshot path ``hf_hub_download`` should give back."""
    folder = Path(cache_dir) / ('models--' + repo.replace('/', '--'))
    commit = commit or hashlib.sha1(f'{repo}@{revision}'.encode()).hexdigest()
    blob = folder / 'blobs' / hashlib.sha256(data).hexdigest()
    blob.parent.mkdir(parents=True, exist_ok=True)
    blob.write_bytes(data)
    snap = folder / 'snapshots' / commit / filename
    snap.parent.mkdir(parents=True, exist_ok=True)
    if snap.exists() or snap.is_symlink():
        snap.unlink()
    os.symlink(os.path.relpath(blob, snap.parent), snap)
    (folder / 'refs').mkdir(exist_ok=True)
    (folder / 'refs' / revision).write_text(commit)
    return snap

"""An on-disk cache of converted models, keyed by content.

Layout: ``{root}/{kind}/{key}/`` holds the files a build wrote (e.g. OpenVINO IR
``model.xml`` + ``model.bin``) and ``manifest.json`` (the key's parts, each file's size and
SHA-256 of the small ones). ``root`` is ``$SAPIENS_MM_CACHE``, else ``$XDG_CACHE_HOME/sapiens_mm``,
else ``~/.cache/sapiens_mm`` (the same root ``tools/setup_env.sh`` keeps its mmcv wheel in).

* **Keyed by content**: :func:`cache_key` hashes what decides the converted model (the weights'
  bytes, see :func:`tensors_digest`, never a file's name or modification time; the config;
  the input size; versions), so a changed checkpoint never reuses a stale entry.
* **Atomic**: an entry is built in a temporary folder beside it and renamed into place when
  complete, so readers see no entry or a whole one; of two processes building the same entry
  one keeps its copy, the other's is dropped.
* **Self-repairing**: an entry whose manifest is missing or does not match, whose files have
  another size, or which fails to load is removed with a warning and built again.
"""
import hashlib
import json
import os
import os.path as osp
import shutil
import tempfile
from typing import Callable, Dict, Iterable, Optional, Tuple

import torch

__all__ = ['cache_root', 'cache_key', 'tensors_digest', 'ModelCache']

MANIFEST = 'manifest.json'
#: files up to this size are checked by their SHA-256 when an entry is read, larger ones
#: (the weights) by their size; a damaged weights file is caught when it fails to load.
_HASHED_BYTES = 1 << 20


def cache_root() -> str:
    """``$SAPIENS_MM_CACHE``, else ``$XDG_CACHE_HOME/sapiens_mm``, else ``~/.cache/sapiens_mm``."""
    root = os.environ.get('SAPIENS_MM_CACHE')
    if root:
        return osp.abspath(osp.expanduser(root))
    xdg = os.environ.get('XDG_CACHE_HOME') or osp.join(osp.expanduser('~'), '.cache')
    return osp.join(xdg, 'sapiens_mm')


def tensors_digest(named: Iterable[Tuple[str, torch.Tensor]]) -> str:
    """SHA-256 (hex) of named tensors: each name, dtype, shape and the raw bytes, in the
    order given (0.3B fp32: 1.2 GB, about 2 s at 600 MB/s)."""
    h = hashlib.sha256()
    for name, t in named:
        t = t.detach().cpu().contiguous()
        h.update(f'{name}|{t.dtype}|{tuple(t.shape)}\n'.encode())
        if t.numel():
            h.update(memoryview(t.reshape(-1).view(torch.uint8).numpy()))
    return h.hexdigest()


def cache_key(parts: Dict) -> str:
    """32 hex digits of the SHA-256 of ``parts`` (JSON, keys sorted)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


class ModelCache:
    """Entries of one ``kind`` (e.g. ``'openvino'``) under :func:`cache_root` (or ``root``).

    Args:
        kind: sub-folder of the cache root.
        root: the cache root (default: :func:`cache_root` at construction).
        logger: where the rebuild warnings go (default: mmengine's current logger).
    """

    def __init__(self, kind: str, root: Optional[str] = None, logger=None):
        self.folder = osp.join(root or cache_root(), kind)
        self.logger = logger

    def _warn(self, msg: str) -> None:
        logger = self.logger
        if logger is None:
            from mmengine.logging import MMLogger
            logger = MMLogger.get_current_instance()
        logger.warning(msg)

    def entry(self, key: str) -> str:
        """The folder of entry ``key`` (it may not exist)."""
        return osp.join(self.folder, key)

    def problem(self, key: str, parts: Dict) -> Optional[str]:
        """Why entry ``key`` cannot be used (None: it looks whole)."""
        entry = self.entry(key)
        try:
            with open(osp.join(entry, MANIFEST)) as f:
                manifest = json.load(f)
        except (OSError, ValueError) as e:
            return f'manifest unreadable ({type(e).__name__}: {e})'
        if not isinstance(manifest, dict) or manifest.get('key') != key or \
                manifest.get('parts') != json.loads(json.dumps(parts, default=str)):
            return 'manifest of another model'
        for name, info in (manifest.get('files') or {}).items():
            path = osp.join(entry, name)
            if not osp.isfile(path):
                return f'{name} missing'
            if os.path.getsize(path) != info.get('size'):
                return f'{name} has {os.path.getsize(path)} bytes, {info.get("size")} written'
            if 'sha256' in info and _sha256_file(path) != info['sha256']:
                return f'{name} changed since it was written'
        if not manifest.get('files'):
            return 'no files listed'
        return None

    def _remove(self, entry: str) -> None:
        if not osp.exists(entry):
            return
        trash = tempfile.mkdtemp(prefix='.trash.', dir=self.folder)
        try:
            os.rename(entry, osp.join(trash, 'entry'))  # gone from its key at once
        except OSError:
            pass
        shutil.rmtree(trash, ignore_errors=True)

    def load_or_build(self, key: str, parts: Dict, build: Callable[[str], None],
                      load: Callable[[str], object]) -> Tuple[object, bool]:
        """``(load(entry folder), built)``: the entry ``key`` loaded if whole, else
        ``build(folder)`` writes it (into a temporary folder renamed into place) and it is
        loaded. A damaged entry (see :meth:`problem`, or ``load`` raising) is removed with a
        warning and built again."""
        entry = self.entry(key)
        if osp.isdir(entry):
            problem = self.problem(key, parts)
            if problem is None:
                try:
                    return load(entry), False
                except Exception as e:  # noqa: BLE001 (any load failure means a bad entry)
                    problem = f'failed to load ({type(e).__name__}: {str(e)[:300]})'
            self._warn(f'model cache entry {entry} is damaged: {problem}; building it again')
            self._remove(entry)
        os.makedirs(self.folder, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=f'.{key}.', suffix='.tmp', dir=self.folder)
        try:
            build(tmp)
            files = {}
            for name in sorted(os.listdir(tmp)):
                path = osp.join(tmp, name)
                if osp.isfile(path):
                    files[name] = dict(size=os.path.getsize(path))
                    if files[name]['size'] <= _HASHED_BYTES:
                        files[name]['sha256'] = _sha256_file(path)
            with open(osp.join(tmp, MANIFEST), 'w') as f:
                json.dump(dict(key=key, parts=parts, files=files), f, indent=1, sort_keys=True,
                          default=str)
            try:
                os.rename(tmp, entry)
            except OSError:  # another process put a whole entry there first: use that one
                if not osp.isdir(entry):
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return load(entry), True

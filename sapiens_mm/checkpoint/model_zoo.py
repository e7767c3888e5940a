"""Names of the released Sapiens checkpoints -> files, found in local folders or the Hub cache.

The zoo is data: one OpenMMLab ``metafile.yml`` per task (``configs/sapiens_{mae,pose,seg,
depth,normal}/metafile.yml``, listed by ``model-index.yml``, both shipped in the package's
``.mim`` folder like mmpose's), each model naming its Hugging Face repository
(``Metadata.Hub Repo``, the release's ``facebook/sapiens-{task}-{size}``), its file (the last
part of ``Weights``, also its name in the release's ``sapiens_host`` tree), an optional
``Metadata.Hub Revision`` (a branch, tag or commit; default ``main``) and the sapiens_mm config
it fits; ``Metadata.Family: sapiens2`` marks the Sapiens2 files (``configs/sapiens2_pretrain/
metafile.yml``: ``sapiens2_{0.1b,0.4b,0.8b,1b,5b}_pretrain``, ``sapiens2_1b_4k_pretrain``,
Hugging Face ``facebook/sapiens2-pretrain-{size}``). :func:`resolve_checkpoint` turns a name
(or a plain path) into a local file:

1. a path that exists is returned as it is;
2. a zoo name is looked up, as ``FILE`` and as ``STEM.safetensors``, in ``$SAPIENS_MM_CHECKPOINTS``
   (``:``-separated folders) and the release's ``$SAPIENS_CHECKPOINT_ROOT/{task}/checkpoints/
   sapiens_{size}/`` layout (Sapiens2: ``$SAPIENS_CHECKPOINT_ROOT/{task}/``, the
   ``~/sapiens2_host/pretrain/`` layout of the Sapiens2 release);
3. then through ``huggingface_hub.hf_hub_download`` with its own cache (``$HF_HUB_CACHE``,
   default ``~/.cache/huggingface/hub``): a file already in the cache is used without network;
   ``HF_HUB_OFFLINE=1`` or ``local_files_only=True`` stop there, otherwise it is downloaded.

When nothing works the :class:`CheckpointError` lists every place it looked, why the download
did not happen, and where to put the file by hand. Nothing is ever fetched at import time.
"""
import difflib
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from ..utils.config_paths import get_config_path, model_index_path
from .loading import CheckpointError, CheckpointNotFoundError

__all__ = ['ZooEntry', 'MODEL_ZOO', 'load_model_index', 'resolve_checkpoint', 'local_dirs',
           'hub_cache_dir', 'zoo_config']


@dataclass(frozen=True)
class ZooEntry:
    """One released checkpoint.

    Attributes:
        task: 'pretrain', 'pose', 'seg', 'depth' or 'normal'.
        size: '0.3b', '0.6b', '1b' or '2b' (Sapiens2: '0.1b', '0.4b', '0.8b', '1b', '5b',
            '1b-4k').
        repo: Hugging Face repository id.
        filename: file name in that repository (and in the release's ``sapiens_host`` tree).
        config: sapiens_mm config, relative to ``configs/`` (None for pretrain files).
        revision: Hub revision the file is pinned to (branch, tag or commit hash).
        family: 'sapiens' (v1, CC-BY-NC-4.0 weights) or 'sapiens2' (Sapiens2 License).
        release_paths: where the release's checkpoint trees keep the file, relative to
            ``$SAPIENS_CHECKPOINT_ROOT`` (``Metadata.Release Paths``; default
            ``{task}/checkpoints/sapiens_{size}/FILE``).
    """
    task: str
    size: str
    repo: str
    filename: str
    config: Optional[str] = None
    revision: str = 'main'
    family: str = 'sapiens'
    release_paths: Tuple[str, ...] = ()

    @property
    def stem(self) -> str:
        return osp.splitext(self.filename)[0]


def load_model_index(index_file: Optional[str] = None) -> Dict[str, ZooEntry]:
    """Read ``model-index.yml`` and the metafiles it imports into name -> :class:`ZooEntry`.

    Raises:
        CheckpointError: a missing metafile, a duplicate model name or an entry without
            ``Metadata.Task``/``Size``/``Hub Repo`` or ``Weights``; the message names the file.
    """
    from mmengine.fileio import load
    index_file = index_file or model_index_path()
    root = osp.dirname(index_file)
    zoo: Dict[str, ZooEntry] = {}
    for rel in load(index_file)['Import']:
        path = osp.join(root, rel)
        if not osp.isfile(path):
            raise CheckpointError(f'{index_file}: imports {rel}, which does not exist')
        for model in load(path).get('Models') or []:
            name = model.get('Name')
            meta = model.get('Metadata') or {}
            missing = [k for k in ('Task', 'Size', 'Hub Repo') if k not in meta]
            if not name or missing or 'Weights' not in model:
                raise CheckpointError(f'{path}: model {name!r} lacks '
                                      f'{", ".join(missing) or "Name or Weights"}')
            if name in zoo:
                raise CheckpointError(f'{path}: model name {name} is listed twice')
            config = model.get('Config')
            if config is not None and config.startswith('configs/'):
                config = config[len('configs/'):]
            zoo[name] = ZooEntry(task=str(meta['Task']), size=str(meta['Size']),
                                 repo=str(meta['Hub Repo']),
                                 filename=str(model['Weights']).rsplit('/', 1)[-1],
                                 config=config, revision=str(meta.get('Hub Revision', 'main')),
                                 family=str(meta.get('Family', 'sapiens')),
                                 release_paths=tuple(meta.get('Release Paths') or ()))
    return zoo


#: name -> :class:`ZooEntry`, e.g. ``MODEL_ZOO['sapiens_0.3b_seg_goliath']``.
MODEL_ZOO: Dict[str, ZooEntry] = load_model_index()


def zoo_config(name: str) -> str:
    """Absolute path of the sapiens_mm config of zoo model ``name``."""
    entry = _entry(name)
    if entry.config is None:
        raise CheckpointError(f'{name}: a pretrain checkpoint has no task config')
    return get_config_path(entry.config)


def local_dirs() -> List[str]:
    """The folders of ``$SAPIENS_MM_CHECKPOINTS`` (searched before the Hub cache)."""
    return [d for d in os.environ.get('SAPIENS_MM_CHECKPOINTS', '').split(os.pathsep) if d]


def _entry(name: str) -> ZooEntry:
    if name not in MODEL_ZOO:
        close = difflib.get_close_matches(name, list(MODEL_ZOO), n=3, cutoff=0.5)
        hint = f' Did you mean {", ".join(close)}?' if close else ''
        raise CheckpointError(f'{name}: neither an existing file nor a released model name.'
                              f'{hint} Names: {", ".join(sorted(MODEL_ZOO))}')
    return MODEL_ZOO[name]


def _candidates(entry: ZooEntry) -> List[str]:
    names = list(dict.fromkeys([entry.filename, entry.stem + '.safetensors']))
    paths = [osp.join(d, n) for d in local_dirs() for n in names]
    root = os.environ.get('SAPIENS_CHECKPOINT_ROOT')
    if root and entry.family == 'sapiens2':  # the Sapiens2 release's sapiens2_host/{task}/
        folder = osp.join(root, entry.task)
        paths += [osp.join(folder, n) for n in names]
    elif root and entry.release_paths:  # e.g. the detector's detector/rtmdet_m.pth
        paths += [osp.join(root, p) for p in entry.release_paths]
    elif root:  # the release's sapiens_host/{task}/checkpoints/sapiens_{size}/ layout
        folder = osp.join(root, entry.task, 'checkpoints', f'sapiens_{entry.size}')
        paths += [osp.join(folder, n) for n in names]
    return paths


def _offline() -> bool:
    """``HF_HUB_OFFLINE`` as huggingface_hub reads it (any of 1/true/yes/on)."""
    return os.environ.get('HF_HUB_OFFLINE', '').strip().lower() in ('1', 'true', 'yes', 'on')


def _from_hub(entry: ZooEntry, revision: str, local_files_only: bool) -> str:
    """The file from the Hub cache (downloaded unless offline); raises with the reason."""
    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        raise RuntimeError('huggingface_hub is not installed (pip install huggingface_hub)')
    offline = local_files_only or _offline()
    try:
        return hf_hub_download(entry.repo, entry.filename, revision=revision,
                               local_files_only=offline)
    except Exception as e:  # not cached while offline, no network, no access, renamed file
        why = str(e).splitlines()[0][:200] if str(e) else ''
        mode = ('not in the Hub cache and '
                + ('HF_HUB_OFFLINE is set' if _offline() else 'local_files_only=True')
                if offline else f'download from {entry.repo} failed')
        raise RuntimeError(f'{mode} ({type(e).__name__}: {why})')


def hub_cache_dir() -> str:
    """huggingface_hub's cache folder (``$HF_HUB_CACHE``, default ``~/.cache/huggingface/hub``)."""
    try:
        from huggingface_hub import constants
        return constants.HF_HUB_CACHE
    except ImportError:
        return os.environ.get('HF_HUB_CACHE', osp.join(
            os.environ.get('HF_HOME', osp.join(osp.expanduser('~'), '.cache', 'huggingface')),
            'hub'))


def resolve_checkpoint(name_or_path: str, download: bool = True,
                       revision: Optional[str] = None, local_files_only: bool = False) -> str:
    """Local file of a checkpoint path or released model name (see the module docstring).

    Args:
        name_or_path: an existing file, or a name of :data:`MODEL_ZOO`.
        download: False never touches the Hub (not even its cache).
        revision: Hub revision to pin (default: the metafile's, else ``main``).
        local_files_only: use the Hub cache but never the network (as ``HF_HUB_OFFLINE=1``).

    Raises:
        CheckpointError: unknown name (with close matches), or a known name that is neither
            found locally nor obtainable from the Hub; the message lists the places searched.
    """
    path = osp.expanduser(name_or_path)
    if osp.isfile(path):
        return path
    if osp.sep in name_or_path or name_or_path.endswith(('.pth', '.pt', '.safetensors')):
        raise CheckpointNotFoundError(f'{name_or_path}: checkpoint file not found')
    entry = _entry(name_or_path)
    searched = _candidates(entry)
    for path in searched:
        if osp.isfile(path):
            return path
    reason = 'download=False'
    rev = revision or entry.revision
    if download:
        try:
            return _from_hub(entry, rev, local_files_only)
        except RuntimeError as e:
            reason = str(e)
    searched.append(f'the Hub cache {hub_cache_dir()} ({entry.repo}@{rev})')
    raise CheckpointError(
        f'{name_or_path}: released checkpoint {entry.filename} is not available locally and '
        f'was not downloaded ({reason}). Looked for: {"; ".join(searched)}. Download it from '
        f'https://huggingface.co/{entry.repo} (e.g. `huggingface-cli download {entry.repo} '
        f'{entry.filename}`), or put it in a folder named by SAPIENS_MM_CHECKPOINTS.')

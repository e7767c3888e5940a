"""Names of the released Sapiens checkpoints -> files, found in a local cache or on the Hub.

Each :class:`ZooEntry` names the Hugging Face repository and file of one released state-dict
checkpoint (``docs/{PRETRAIN,POSE,SEG,DEPTH,NORMAL}_README.md`` of the release and its
``facebook/sapiens-{task}-{size}`` Hub repositories) and the sapiens_mm config it fits.
:func:`resolve_checkpoint` turns a name (or a plain path) into a local file:

1. a path that exists is returned as it is;
2. a zoo name is looked up, as ``FILE`` and as ``STEM.safetensors``, in ``$SAPIENS_MM_CHECKPOINTS``
   (``:``-separated folders), ``~/.cache/sapiens_mm/checkpoints``, and the release's
   ``$SAPIENS_CHECKPOINT_ROOT/{task}/checkpoints/{size}/`` layout;
3. only then, if ``huggingface_hub`` is installed and ``HF_HUB_OFFLINE`` is not set, it is
   downloaded from the Hub into the first cache folder.

When nothing works the :class:`CheckpointError` lists every place it looked, why the download
did not happen, and where to put the file by hand. Nothing is ever fetched at import time.
"""
import difflib
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional

from .loading import CheckpointError, CheckpointNotFoundError

__all__ = ['ZooEntry', 'MODEL_ZOO', 'resolve_checkpoint', 'cache_dirs', 'zoo_config']

_CONFIG_ROOT = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
                        'configs')


@dataclass(frozen=True)
class ZooEntry:
    """One released checkpoint.

    Attributes:
        task: 'pretrain', 'pose', 'seg', 'depth' or 'normal'.
        size: '0.3b', '0.6b', '1b' or '2b'.
        repo: Hugging Face repository id.
        filename: file name in that repository (and in the release's ``sapiens_host`` tree).
        config: sapiens_mm config, relative to ``configs/`` (None for pretrain files).
    """
    task: str
    size: str
    repo: str
    filename: str
    config: Optional[str] = None

    @property
    def stem(self) -> str:
        return osp.splitext(self.filename)[0]


def _zoo() -> Dict[str, ZooEntry]:
    zoo = {}
    pretrain = {'0.3b': 1600, '0.6b': 1600, '1b': 173, '2b': 660}
    pose_ap = {'0.3b': 573, '0.6b': 609, '1b': 639}  # Goliath AP x 10; no 2B released
    seg = {'0.3b': (7673, 194), '0.6b': (7777, 178), '1b': (7994, 151)}  # mIoU x 100, epoch
    depth = {'0.3b': 100, '0.6b': 70, '1b': 88, '2b': 25}
    normal = {'0.3b': 66, '0.6b': 200, '1b': 115, '2b': 70}
    for size, ep in pretrain.items():
        zoo[f'sapiens_{size}_pretrain'] = ZooEntry(
            'pretrain', size, f'facebook/sapiens-pretrain-{size}',
            f'sapiens_{size}_epoch_{ep}_clean.pth')
    for size, ap in pose_ap.items():
        zoo[f'sapiens_{size}_pose_goliath'] = ZooEntry(
            'pose', size, f'facebook/sapiens-pose-{size}',
            f'sapiens_{size}_goliath_best_goliath_AP_{ap}.pth',
            f'sapiens_pose/goliath/sapiens_{size}-210e_goliath-1024x768.py')
    for size, (miou, ep) in seg.items():
        zoo[f'sapiens_{size}_seg_goliath'] = ZooEntry(
            'seg', size, f'facebook/sapiens-seg-{size}',
            f'sapiens_{size}_goliath_best_goliath_mIoU_{miou}_epoch_{ep}.pth',
            f'sapiens_seg/goliath/sapiens_{size}_goliath-1024x768.py')
    for size, ep in depth.items():
        zoo[f'sapiens_{size}_depth'] = ZooEntry(
            'depth', size, f'facebook/sapiens-depth-{size}',
            f'sapiens_{size}_render_people_epoch_{ep}.pth',
            f'sapiens_depth/humans/sapiens_{size}_humans-1024x768.py')
    for size, ep in normal.items():
        zoo[f'sapiens_{size}_normal'] = ZooEntry(
            'normal', size, f'facebook/sapiens-normal-{size}',
            f'sapiens_{size}_normal_render_people_epoch_{ep}.pth',
            f'sapiens_normal/humans/sapiens_{size}_humans-1024x768.py')
    return zoo


#: name -> :class:`ZooEntry`, e.g. ``MODEL_ZOO['sapiens_0.3b_seg_goliath']``.
MODEL_ZOO: Dict[str, ZooEntry] = _zoo()


def zoo_config(name: str) -> str:
    """Absolute path of the sapiens_mm config of zoo model ``name``."""
    entry = _entry(name)
    if entry.config is None:
        raise CheckpointError(f'{name}: a pretrain checkpoint has no task config')
    return osp.join(_CONFIG_ROOT, entry.config)


def cache_dirs() -> List[str]:
    """Local folders searched, in order: ``$SAPIENS_MM_CHECKPOINTS`` then the user cache."""
    dirs = [d for d in os.environ.get('SAPIENS_MM_CHECKPOINTS', '').split(os.pathsep) if d]
    return dirs + [osp.join(osp.expanduser('~'), '.cache', 'sapiens_mm', 'checkpoints')]


def _entry(name: str) -> ZooEntry:
    if name not in MODEL_ZOO:
        close = difflib.get_close_matches(name, list(MODEL_ZOO), n=3, cutoff=0.5)
        hint = f' Did you mean {", ".join(close)}?' if close else ''
        raise CheckpointError(f'{name}: neither an existing file nor a released model name.'
                              f'{hint} Names: {", ".join(sorted(MODEL_ZOO))}')
    return MODEL_ZOO[name]


def _candidates(entry: ZooEntry) -> List[str]:
    names = [entry.filename, entry.stem + '.safetensors']
    paths = [osp.join(d, n) for d in cache_dirs() for n in names]
    root = os.environ.get('SAPIENS_CHECKPOINT_ROOT')
    if root:  # the release's sapiens_host/{task}/checkpoints/sapiens_{size}/ layout
        folder = osp.join(root, entry.task, 'checkpoints', f'sapiens_{entry.size}')
        paths += [osp.join(folder, n) for n in names]
    return paths


def _download(entry: ZooEntry, cache: str) -> str:
    """Fetch from the Hub; raises with the reason when it cannot."""
    if os.environ.get('HF_HUB_OFFLINE', '0').lower() in ('1', 'true', 'yes'):
        raise RuntimeError('HF_HUB_OFFLINE is set')
    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        raise RuntimeError('huggingface_hub is not installed (pip install huggingface_hub)')
    os.makedirs(cache, exist_ok=True)
    try:
        return hf_hub_download(entry.repo, entry.filename, local_dir=cache)
    except Exception as e:  # offline, no access, renamed file ...
        raise RuntimeError(f'download from {entry.repo} failed: {type(e).__name__}: '
                           f'{str(e).splitlines()[0][:200] if str(e) else ""}')


def resolve_checkpoint(name_or_path: str, download: bool = True) -> str:
    """Local file of a checkpoint path or released model name (see the module docstring).

    Raises:
        CheckpointError: unknown name (with close matches), or a known name that is neither
            cached nor downloadable; the message lists the places searched.
    """
    if osp.isfile(name_or_path):
        return name_or_path
    if osp.sep in name_or_path or name_or_path.endswith(('.pth', '.pt', '.safetensors')):
        raise CheckpointNotFoundError(f'{name_or_path}: checkpoint file not found')
    entry = _entry(name_or_path)
    searched = _candidates(entry)
    for path in searched:
        if osp.isfile(path):
            return path
    reason = 'download=False'
    if download:
        try:
            return _download(entry, cache_dirs()[0])
        except RuntimeError as e:
            reason = str(e)
    raise CheckpointError(
        f'{name_or_path}: released checkpoint {entry.filename} is not available locally and '
        f'was not downloaded ({reason}). Looked for: {"; ".join(searched)}. Download it from '
        f'https://huggingface.co/{entry.repo} and put it in {cache_dirs()[0]} (or set '
        'SAPIENS_MM_CHECKPOINTS to its folder).')

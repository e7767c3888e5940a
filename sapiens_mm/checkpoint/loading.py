"""Reading checkpoint files in every released Sapiens layout, and loading them strictly enough.

Layouts understood (those of the released files; the release's
``pretrain/tools/misc/pretrain_clean_checkpoints.py`` writes the ``_clean`` one), as ``.pth`` or
``.safetensors``:

* flat ``*_clean.pth`` pretrain file: ``{'patch_embed.projection.weight': ..., ...}``;
* raw MAE checkpoint: ``{'state_dict': {'backbone.*': ..., 'neck.*': ...}, 'meta': ...}``;
* task checkpoint: ``{'state_dict': {'backbone.*': ..., 'head.*' | 'decode_head.*': ...}}``;
* any of the above with a DDP ``module.`` prefix.

Every path form (local, ``~``, ``http(s)://`` URL, ``hf://`` Hub file, mmengine model names,
released model name, ``.safetensors``) goes through :func:`load_checkpoint_file`: first to a
local file (URLs are downloaded into torch hub's cache, never unpickled on the way), then
``torch.load`` with ``weights_only=True``; the few mmengine classes stored in training
checkpoints are allow-listed in :mod:`sapiens_mm.checkpoint.safe_globals`. mmengine's own
loading (``init_cfg`` ``Pretrained``, ``load_from``, ``resume``) is routed here by
:func:`register_checkpoint_schemes`. Model weights holding NaN/inf are refused.
"""
import os
from typing import Dict, List, Optional

import torch
from mmengine.logging import MMLogger

__all__ = ['CheckpointError', 'CheckpointNotFoundError', 'load_checkpoint_file',
           'resolve_checkpoint_path',
           'url_cache_path', 'check_finite', 'nonfinite_tensors', 'model_state_dict',
           'backbone_state_dict', 'load_backbone_weights', 'register_checkpoint_schemes',
           'matching_keys', 'check_shapes', 'check_dtypes', 'check_parameter_dtypes',
           'load_matching', 'save_state_dict']


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be read or does not fit the model; the message names it."""


class CheckpointNotFoundError(CheckpointError, FileNotFoundError):
    """A checkpoint path that names no file (also a ``FileNotFoundError``, as mmengine's own
    loader raises for it)."""


def _is_url(path: str) -> bool:
    return path.startswith(('http://', 'https://'))


def url_cache_path(url: str) -> str:
    """Where a checkpoint URL is kept: ``torch.hub.get_dir()/checkpoints/<file name>``.

    The same file name torch's ``load_state_dict_from_url`` (and mmengine's ``load_from_http``)
    use, so a file either of them downloaded before is reused.
    """
    from urllib.parse import urlparse
    name = os.path.basename(urlparse(url).path)
    if not name:
        raise CheckpointError(f'{url}: the URL names no file')
    return os.path.join(torch.hub.get_dir(), 'checkpoints', name)


#: mmengine's named-model schemes, resolved to a URL (or a file) by mmengine's own tables.
_MMENGINE_NAMED = ('torchvision://', 'modelzoo://', 'open-mmlab://', 'openmmlab://', 'mmcls://')


def _named_model_location(path: str) -> str:
    """URL or file of an mmengine ``torchvision://``, ``open-mmlab://``, ``mmcls://`` name,
    from the same tables mmengine's loaders use."""
    from mmengine.runner import checkpoint as mm
    prefix = next(p for p in _MMENGINE_NAMED if path.startswith(p))
    name = path[len(prefix):]
    if prefix in ('torchvision://', 'modelzoo://'):
        table = mm.get_torchvision_models()
    elif prefix == 'mmcls://':
        table = mm.get_mmcls_models()
    else:
        table = mm.get_external_models()
        name = mm.get_deprecated_model_names().get(name, name)
    if name not in table:
        raise CheckpointError(f'{path}: {name!r} is not a model name of {prefix}')
    url = table[name]
    return url if _is_url(url) else os.path.join(mm._get_mmengine_home(), url)


def _hub_file(path: str, download: bool) -> str:
    """``hf://OWNER/REPO/FILE`` -> the file in the Hugging Face cache (downloaded if needed)."""
    parts = path[len('hf://'):].split('/')
    if len(parts) < 3 or not all(parts):
        raise CheckpointError(f'{path}: expected hf://OWNER/REPO/PATH/IN/REPO')
    try:
        from huggingface_hub import hf_hub_download
    except ImportError as e:
        raise CheckpointError(f'{path}: huggingface_hub is not installed '
                              '(pip install huggingface_hub)') from e
    try:
        return hf_hub_download('/'.join(parts[:2]), '/'.join(parts[2:]),
                               local_files_only=not download)
    except Exception as e:
        why = str(e).splitlines()[0][:200] if str(e) else ''
        raise CheckpointError(f'{path}: not in the Hugging Face cache and not downloaded '
                              f'({type(e).__name__}: {why})') from e


def _rank_zero_first(fetch):
    """Run ``fetch()`` on rank 0 first, then on the other ranks (which find its cached file),
    as mmengine's ``load_from_http`` does, so N processes do not download one file N times."""
    import torch.distributed as dist
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return fetch()
    result, error = None, None
    if dist.get_rank() == 0:
        try:
            result = fetch()
        except CheckpointError as e:  # reach the barrier anyway: the other ranks wait there
            error = e
    dist.barrier()
    if error is not None:
        raise error
    return result if dist.get_rank() == 0 else fetch()


def resolve_checkpoint_path(path: str, download: bool = True) -> str:
    """The local file of any checkpoint path form.

    * a local path (``~`` expanded) is returned as it is;
    * an ``http://``/``https://`` URL is downloaded with ``torch.hub.download_url_to_file``
      into :func:`url_cache_path` (reused when present; never unpickled on the way);
    * ``hf://OWNER/REPO/FILE`` is fetched with ``huggingface_hub.hf_hub_download`` (its cache);
    * mmengine's ``torchvision://``, ``open-mmlab://`` and ``mmcls://`` names are looked up in
      mmengine's tables and then treated as the URL or file they name;
    * a released model name is found or downloaded by
      :func:`~sapiens_mm.checkpoint.model_zoo.resolve_checkpoint`.

    Raises :class:`CheckpointError` naming ``path`` for any other scheme (``s3://`` ...), a
    missing file or a failed download.
    """
    path = os.path.expanduser(str(path))
    if path.startswith(_MMENGINE_NAMED):
        return resolve_checkpoint_path(_named_model_location(path), download)
    if path.startswith('hf://'):
        return _rank_zero_first(lambda: _hub_file(path, download))
    if _is_url(path):
        local = url_cache_path(path)

        def fetch():
            if os.path.isfile(local):
                return local
            if not download:
                raise CheckpointError(f'{path}: not in the torch hub cache ({local}) and '
                                      'download=False')
            os.makedirs(os.path.dirname(local), exist_ok=True)
            try:
                torch.hub.download_url_to_file(path, local, progress=False)
            except Exception as e:
                raise CheckpointError(f'{path}: download failed ({type(e).__name__}: '
                                      f'{str(e).splitlines()[0][:200] if str(e) else ""})') from e
            return local

        return _rank_zero_first(fetch)
    if '://' in path:
        raise CheckpointError(f'{path}: unsupported checkpoint location; sapiens_mm loads local '
                              'files, http(s):// URLs, hf:// Hub files, mmengine model names '
                              'and released model names (download other locations to a file '
                              'first)')
    if os.path.isfile(path):
        return path
    from .model_zoo import MODEL_ZOO, resolve_checkpoint
    if path in MODEL_ZOO or (os.sep not in path and
                             not path.endswith(('.pth', '.pt', '.safetensors', '.bin'))):
        return resolve_checkpoint(path, download=download)  # unknown names: close matches
    raise CheckpointNotFoundError(f'{path}: checkpoint file not found')


#: torch's wordings of a weights-only refusal, each with the refused global as group 1:
#: ``Unsupported global: GLOBAL io.open was not an allowed global by default`` (a global off
#: the allow-list), ``Trying to load unsupported GLOBAL posix.system whose module posix is
#: blocked`` (a blocked module, torch >= 2.6), ``Unsupported class x.Y``, and the bare
#: ``x.y was not an allowed global`` of older versions.
_BLOCKED_GLOBAL = (r'\bGLOBAL\s+([A-Za-z_][\w.]*)', r'[Uu]nsupported class\s+([A-Za-z_][\w.]*)',
                   r'([A-Za-z_][\w.]*)\s+was not an allowed global')


def blocked_global(message: str) -> Optional[str]:
    """The dotted name of the global a weights-only ``torch.load`` refused, read from its
    error ``message`` in any of torch's wordings (:data:`_BLOCKED_GLOBAL`); None if the
    message is about something else (a corrupt or truncated file)."""
    import re
    for pattern in _BLOCKED_GLOBAL:
        found = re.search(pattern, message)
        if found:
            return found.group(1).rstrip('.')
    return None


def _read_local(path: str, map_location, shown: str) -> dict:
    """Weights-only read of a local ``.pth``/``.pt`` or ``.safetensors`` file."""
    if os.path.getsize(path) == 0:
        raise CheckpointError(f'{shown}: empty file (0 bytes), not a checkpoint')
    try:
        if path.endswith('.safetensors'):
            from safetensors.torch import load_file
            device = map_location if isinstance(map_location, str) else 'cpu'
            return load_file(path, device=device)
        from .safe_globals import register_safe_globals
        register_safe_globals()
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # corrupt, truncated, not a checkpoint, unsafe pickle ...
        text = str(e)
        where = f' (cached as {path})' if shown != path else ''
        name = blocked_global(text)
        if name:  # weights-only unpickling stopped at a global it does not allow
            raise CheckpointError(
                f'{shown}{where}: its pickle calls code outside the weights-only allow-list '
                f'(blocked global `{name}`); it was refused unread. Load only checkpoints you '
                'trust; sapiens_mm never unpickles arbitrary code') from e
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if 'WeightsUnpickler error' in text:  # torch's own reason sits in the middle
            lines = [ln for ln in lines if 'WeightsUnpickler' not in ln and 'documentation' not
                     in ln and 'Weights only load failed' not in ln] or lines
            msg = 'not a torch checkpoint: ' + lines[0][:300]
        else:
            msg = lines[0][:300] if lines else ''
        raise CheckpointError(f'{shown}{where}: cannot be read as a checkpoint '
                              f'({type(e).__name__}: {msg})') from e


def load_checkpoint_file(path: str, map_location='cpu') -> dict:
    """Read a checkpoint given in any path form (see :func:`resolve_checkpoint_path`) into a
    dict: ``.pth``/``.pt`` by weights-only unpickling with the project allow-list
    (:mod:`sapiens_mm.checkpoint.safe_globals`), ``.safetensors`` with safetensors.

    Errors (:class:`CheckpointError`) name the path as given (the URL, not only its cache file).
    """
    shown = str(path)
    return _read_local(resolve_checkpoint_path(shown), map_location, shown)


def nonfinite_tensors(sd: Dict[str, torch.Tensor]) -> Dict[str, int]:
    """``{key: number of NaN/inf values}`` of the floating-point tensors that have any."""
    bad = {}
    for k, v in sd.items():
        if isinstance(v, torch.Tensor) and (v.is_floating_point() or v.is_complex()):
            n = int(v.numel() - torch.isfinite(v).sum())
            if n:
                bad[k] = n
    return bad


def check_finite(sd: Dict[str, torch.Tensor], path: str) -> None:
    """Raise :class:`CheckpointError` naming ``path`` and the tensors holding NaN/inf."""
    bad = nonfinite_tensors(sd)
    if bad:
        shown = ', '.join(f'{k} ({n})' for k, n in list(bad.items())[:8])
        raise CheckpointError(f'{path}: {len(bad)} tensor(s) hold NaN/inf values: {shown}'
                              f'{", ..." if len(bad) > 8 else ""}; a diverged or corrupt '
                              'checkpoint is not loaded')


def check_parameter_dtypes(sd: Dict[str, torch.Tensor], path: str) -> None:
    """:class:`CheckpointError` naming ``path`` and the keys of the tensors that cannot be
    model weights, for loaders that do not see the model (mmengine's ``load_from``,
    ``Pretrained``): complex tensors, and integer or bool ones named ``*.weight`` / ``*.bias``
    (parameters; integer buffers such as ``num_batches_tracked`` are left alone). The loaders
    that see the model compare dtypes key by key (:func:`check_dtypes`)."""
    wrong = [f'{k} ({str(v.dtype).replace("torch.", "")})' for k, v in sd.items()
             if isinstance(v, torch.Tensor) and (v.is_complex() or (
                 not v.is_floating_point() and k.endswith(('.weight', '.bias'))))]
    if wrong:
        raise CheckpointError(f'{path}: {len(wrong)} weight tensor(s) of a dtype that cannot '
                              'hold model weights (they would be truncated): '
                              + ', '.join(wrong[:8]) + (', ...' if len(wrong) > 8 else ''))


def mmengine_checkpoint_loader(filename: str, map_location=None) -> dict:
    """mmengine ``CheckpointLoader`` scheme for local paths, ``http(s)://`` URLs, ``hf://``
    and mmengine's ``torchvision://``/``open-mmlab://``/``mmcls://`` names.

    Registered by :func:`register_checkpoint_schemes` in place of mmengine's own loaders:
    mmengine 0.10.7's ``load_from_http`` ends in ``load_state_dict_from_url`` with
    ``weights_only=False`` (a malicious checkpoint runs code when ``init_cfg=dict(
    type='Pretrained', checkpoint=URL)``, ``load_from=URL`` or ``--resume URL`` is read), and
    ``load_from_local`` calls ``torch.load`` without ``weights_only`` and cannot read
    ``.safetensors``; its ``torchvision://``/``open-mmlab://``/``mmcls://`` loaders end in
    ``load_from_http`` too. This one reads every form weights-only
    (:func:`load_checkpoint_file`) and
    refuses model weights holding NaN/inf.
    """
    ckpt = load_checkpoint_file(filename, map_location=map_location or 'cpu')
    sd = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else {}
    check_finite(sd if isinstance(sd, dict) else {}, filename)
    check_parameter_dtypes(sd if isinstance(sd, dict) else {}, filename)
    if str(filename).startswith('mmcls://'):  # as mmengine's load_from_mmcls does
        from mmengine.runner.checkpoint import _process_mmcls_checkpoint
        ckpt = _process_mmcls_checkpoint(ckpt)
    return ckpt


def register_checkpoint_schemes() -> None:
    """Make mmengine's ``CheckpointLoader`` read local files and URLs through this module
    (see :func:`mmengine_checkpoint_loader`). Idempotent."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes='', loader=mmengine_checkpoint_loader, force=True)
    CheckpointLoader.register_scheme(prefixes=('http://', 'https://', 'hf://') + _MMENGINE_NAMED,
                                     loader=mmengine_checkpoint_loader, force=True)


def model_state_dict(ckpt: dict, path: str = '<checkpoint>') -> Dict[str, torch.Tensor]:
    """The tensor dict of a checkpoint: unwrap ``state_dict``/``model`` and DDP ``module.``."""
    if not isinstance(ckpt, dict):
        raise CheckpointError(f'{path}: expected a dict of tensors, got {type(ckpt).__name__}')
    for wrapper in ('state_dict', 'model'):
        if isinstance(ckpt.get(wrapper), dict):
            ckpt = ckpt[wrapper]
            break
    sd = {k: v for k, v in ckpt.items() if isinstance(v, torch.Tensor)}
    if not sd:
        raise CheckpointError(f'{path}: holds no tensors (top-level keys: {list(ckpt)[:10]})')
    check_finite(sd, path)
    if all(k.startswith('module.') for k in sd):
        sd = {k[len('module.'):]: v for k, v in sd.items()}
    return sd


def backbone_state_dict(ckpt: dict, path: str = '<checkpoint>',
                        prefix: Optional[str] = None) -> Dict[str, torch.Tensor]:
    """Backbone tensors of any layout, keys relative to the backbone.

    ``prefix`` (e.g. ``'backbone.'``) selects and strips a sub-module; by default ``backbone.``
    is used when present (raw MAE and task checkpoints) and the dict is taken as flat otherwise.
    """
    return _backbone_part(model_state_dict(ckpt, path), path, prefix)


def _backbone_part(sd: Dict[str, torch.Tensor], path: str,
                   prefix: Optional[str] = None) -> Dict[str, torch.Tensor]:
    """:func:`backbone_state_dict` of a tensor dict that :func:`model_state_dict` returned."""
    if prefix is None:
        prefix = 'backbone.' if any(k.startswith('backbone.') for k in sd) else ''
    if prefix and not prefix.endswith('.'):
        prefix += '.'
    if prefix:
        sub = {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}
        if not sub:
            raise CheckpointError(f'{path}: no key starts with prefix {prefix!r} '
                                  f'(first keys: {list(sd)[:5]})')
        sd = sub
    return sd


def _short(keys, n=8):
    keys = list(keys)
    return ', '.join(keys[:n]) + (f', ... ({len(keys)} in all)' if len(keys) > n else '')


def matching_keys(own: Dict[str, torch.Tensor], sd: Dict[str, torch.Tensor], path: str,
                  model_name: str) -> List[str]:
    """Keys of ``sd`` that ``own`` (a ``state_dict()``) has; :class:`CheckpointError` naming
    ``path`` when there is none (e.g. a wrongly prefixed file, which the original silently
    ignores)."""
    loaded = [k for k in sd if k in own]
    if not loaded:
        raise CheckpointError(f'{path}: none of its {len(sd)} keys matches {model_name} '
                              f'(checkpoint keys: {_short(sd)}; expected keys such as '
                              f'{_short(own, 3)})')
    return loaded


def _cannot_hold(model_dtype: torch.dtype, file_dtype: torch.dtype) -> bool:
    """Whether a checkpoint tensor of ``file_dtype`` cannot hold the values of a model tensor
    of ``model_dtype``: integer or bool into floating point (``copy_`` would truncate every
    weight silently), complex into anything real (drops the imaginary part)."""
    if file_dtype.is_complex:
        return not model_dtype.is_complex
    return model_dtype.is_floating_point and not file_dtype.is_floating_point


def check_dtypes(own: Dict[str, torch.Tensor], sd: Dict[str, torch.Tensor],
                 loaded: List[str], path: str, model_name: str) -> None:
    """:class:`CheckpointError` naming ``path`` and the keys whose checkpoint tensor cannot
    hold the model's values (:func:`_cannot_hold`: an integer, bool or complex tensor for a
    floating-point weight), instead of loading every weight truncated."""
    wrong = [f'{k}: checkpoint {str(sd[k].dtype).replace("torch.", "")} vs model '
             f'{str(own[k].dtype).replace("torch.", "")}'
             for k in loaded if _cannot_hold(own[k].dtype, sd[k].dtype)]
    if wrong:
        raise CheckpointError(f'{path}: {len(wrong)} tensor(s) of a dtype that cannot hold the '
                              f'weights of {model_name} (they would be truncated): '
                              + '; '.join(wrong[:6]) + ('; ...' if len(wrong) > 6 else ''))


def check_shapes(own: Dict[str, torch.Tensor], sd: Dict[str, torch.Tensor], loaded: List[str],
                 path: str, model_name: str, hint: str = '') -> None:
    """:class:`CheckpointError` naming ``path`` when a key of ``loaded`` has another shape in
    ``sd`` than in ``own`` (another model size, keypoint or class count), or a dtype that
    cannot hold the model's values (:func:`check_dtypes`)."""
    mismatched = [f'{k}: checkpoint {tuple(sd[k].shape)} vs model {tuple(own[k].shape)}'
                  for k in loaded if sd[k].shape != own[k].shape]
    if mismatched:
        raise CheckpointError(f'{path}: {len(mismatched)} shape mismatches with '
                              f'{model_name}{hint}: ' + '; '.join(mismatched[:6]))
    check_dtypes(own, sd, loaded, path, model_name)


def load_matching(module: torch.nn.Module, own: Dict[str, torch.Tensor],
                  sd: Dict[str, torch.Tensor], loaded: List[str], path: str,
                  logger: MMLogger, missing_note: str = '') -> Dict[str, List[str]]:
    """Load the ``loaded`` keys of ``sd`` into ``module`` and log what was loaded (info),
    missing (warning) and unused (info): the load report of every sapiens_mm loader.

    Returns:
        dict with the ``loaded``, ``missing`` and ``unexpected`` key lists.
    """
    name = type(module).__name__
    module.load_state_dict({k: sd[k] for k in loaded}, strict=False)
    missing = [k for k in own if k not in sd]
    unexpected = [k for k in sd if k not in own]
    logger.info(f'Loaded {len(loaded)}/{len(own)} tensors of {name} from {path}')
    if missing:
        logger.warning(f'{path}: keys missing from the checkpoint{missing_note}: '
                       f'{_short(missing)}')
    if unexpected:
        logger.info(f'{path}: checkpoint keys not used by {name}: {_short(unexpected)}')
    return dict(loaded=loaded, missing=missing, unexpected=unexpected)


def load_backbone_weights(module: torch.nn.Module, path: str, prefix: Optional[str] = None,
                          logger: Optional[MMLogger] = None,
                          state_dict: Optional[Dict[str, torch.Tensor]] = None
                          ) -> Dict[str, list]:
    """Load a backbone checkpoint of any layout into ``module``.

    Raises :class:`CheckpointError` naming ``path`` when no checkpoint key matches the module
    (e.g. a wrongly prefixed file, which the original silently ignores), when matching keys
    disagree in shape (e.g. another model size), or when the file belongs to the other model
    family than ``module.checkpoint_family`` (Sapiens v1 vs Sapiens2,
    :mod:`~sapiens_mm.checkpoint.families`). Missing keys are logged as warnings and keys
    the module does not have (cls token, MAE decoder, task head) as info.

    ``state_dict``: the file's tensors as :func:`model_state_dict` returned them, when the
    caller has read it already (``path`` then only names it in messages), so that a file of
    several GB is read from disk once.

    Returns:
        dict with the ``loaded``, ``missing`` and ``unexpected`` key lists.
    """
    logger = logger or MMLogger.get_current_instance()
    if state_dict is None:
        state_dict = model_state_dict(load_checkpoint_file(path), path)
    sd = dict(_backbone_part(state_dict, path, prefix))
    from .families import check_family
    check_family(module, sd, path)  # a v1 file into Sapiens2ViT (or the reverse): refused
    if hasattr(module, '_prepare_pos_embed'):
        try:
            module._prepare_pos_embed(sd, '')
        except ValueError as e:
            raise CheckpointError(f'{path}: {e}') from e
    own = module.state_dict()
    name = type(module).__name__
    loaded = matching_keys(own, sd, path, name)
    check_shapes(own, sd, loaded, path, name)
    return load_matching(module, own, sd, loaded, path, logger, ', left as initialised')


def save_state_dict(sd: Dict[str, torch.Tensor], dst: str, metadata: Dict[str, str],
                    wrap: bool = False) -> None:
    """Write the tensor dict ``sd`` to ``dst``: with safetensors when ``dst`` ends in
    ``.safetensors`` (``metadata`` in its header; no pickle), else with ``torch.save``
    (``{'state_dict': sd}`` with ``wrap``). Written to ``dst + '.tmp'`` and renamed, so a
    half-written file never stands under the final name."""
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    tmp = dst + '.tmp'
    if dst.endswith('.safetensors'):
        from safetensors.torch import save_file
        save_file(sd, tmp, metadata=metadata)
    else:
        torch.save({'state_dict': sd} if wrap else sd, tmp)
    os.replace(tmp, dst)

"""Output folders written as one run: a rerun replaces the whole earlier run, atomically.

A tool that writes a folder of many files (the synthetic split, the teacher labels of the
multi-task distillation) must not leave a mix of two runs behind: ``--num 6`` then ``--num 3``
into the same folder used to keep six images beside three annotations, and the dense data sets
read all six. :func:`staged_run_dir` writes the new run into a temporary sibling folder and,
only when it is complete, puts it in the place of the old one (two ``os.rename`` calls on the
same file system), then deletes the old run. Readers see the old run or the whole new one;
a run that fails or is killed leaves the old run in place (and a hidden ``.NAME.partial-*``
folder beside it, removed by the next run).

Refused, with the folder named: an existing non-empty folder that is not an earlier run of the
same tool (``is_run``: e.g. its ``meta.json`` says so), so that nothing of the user's is ever
deleted; and a folder that holds one of the run's inputs (replacing it would delete them).
"""
import glob
import os
import os.path as osp
import shutil
import tempfile
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, Optional

from .fileio import (OutputOverwritesInputError, UnsafePathError, check_not_input,
                     path_inside_root)

__all__ = ['ExistingOutputError', 'StagedRun', 'staged_run_dir', 'inside', 'earlier_listed',
           'remove_unlisted']


class ExistingOutputError(FileExistsError):
    """The output folder holds files that are not an earlier run of the same tool."""


def inside(path: str, folder: str) -> bool:
    """Whether ``path`` (resolved) is ``folder`` or lies under it."""
    p, f = osp.realpath(path), osp.realpath(folder)
    return p == f or p.startswith(f.rstrip(os.sep) + os.sep)


class StagedRun:
    """What :func:`staged_run_dir` yields: ``path`` (write the run there), ``out_dir`` (where
    it will be), ``replaced`` (whether an earlier run is being replaced)."""

    def __init__(self, path: str, out_dir: str, replaced: bool):
        self.path, self.out_dir, self.replaced = path, out_dir, replaced


@contextmanager
def staged_run_dir(out_dir: str, is_run: Callable[[str], bool], what: str,
                   inputs: Iterable[str] = (), log: Optional[Callable[[str], None]] = None
                   ) -> Iterator[StagedRun]:
    """Write a run into a temporary folder that replaces ``out_dir`` on success.

    Args:
        out_dir: the output folder (created if missing).
        is_run: ``is_run(out_dir) -> bool``: whether an existing folder is an earlier run of
            this tool (only such a folder, or an empty one, is replaced).
        what: the run's name for messages (e.g. ``'synthetic split'``).
        inputs: files or folders the run reads; none may lie inside ``out_dir``.
        log: called with one line when an earlier run is replaced.

    Raises:
        ExistingOutputError: ``out_dir`` is a file, or a non-empty folder that is not a run.
        OutputOverwritesInputError: an input lies inside ``out_dir``.
    """
    out_dir = osp.abspath(out_dir)
    for p in inputs:
        if inside(p, out_dir):
            raise OutputOverwritesInputError(
                f'the {what} would replace the folder {out_dir}, which holds the input {p}; '
                'choose an output folder apart from the inputs')
    replaced = False
    if osp.lexists(out_dir):
        if not osp.isdir(out_dir):
            raise ExistingOutputError(f'{what}: output {out_dir} exists and is not a folder')
        if os.listdir(out_dir):
            if not is_run(out_dir):
                raise ExistingOutputError(
                    f'{what}: output folder {out_dir} is not empty and was not written by an '
                    f'earlier {what} run; nothing in it is replaced. Choose a new or empty '
                    'folder')
            replaced = True
    parent, name = osp.split(out_dir)
    os.makedirs(parent, exist_ok=True)
    for old in glob.glob(osp.join(parent, f'.{name}.partial-*')) + \
            glob.glob(osp.join(parent, f'.{name}.replaced-*')):
        shutil.rmtree(old, ignore_errors=True)  # left by a killed run
    tmp = tempfile.mkdtemp(prefix=f'.{name}.partial-', dir=parent)
    try:
        yield StagedRun(tmp, out_dir, replaced)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it 0700
    if osp.isdir(out_dir):
        old = tempfile.mkdtemp(prefix=f'.{name}.replaced-', dir=parent)
        os.rmdir(old)
        os.rename(out_dir, old)
        os.rename(tmp, out_dir)
        shutil.rmtree(old, ignore_errors=True)
        if replaced and log is not None:
            log(f'{what}: replaced the earlier run in {out_dir} as a whole')
    else:
        os.rename(tmp, out_dir)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def earlier_listed(out_dir: str, list_name: str = 'backgrounds.txt',
                   folder: str = 'images') -> set:
    """The ``folder/...`` entries an earlier run wrote into ``out_dir/list_name`` (only those
    inside ``out_dir/folder``), for :func:`remove_unlisted`."""
    list_file = osp.join(out_dir, list_name)
    if not osp.isfile(list_file):
        return set()
    with open(list_file) as f:
        rels = [line.strip() for line in f if line.strip()]
    out = set()
    for rel in rels:
        if rel.startswith(folder + '/'):
            try:
                path_inside_root(osp.join(out_dir, folder), rel[len(folder) + 1:])
            except UnsafePathError:
                continue
            out.add(rel)
    return out


def remove_unlisted(out_dir: str, earlier: set, listed: Iterable[str], inputs=()) -> int:
    """Remove the files of an earlier run (``earlier``, from :func:`earlier_listed`) that this
    run does not list, never an input; returns how many were removed. For tools that rewrite
    a folder in place and verify by content (the background sets)."""
    n = 0
    for rel in sorted(set(earlier) - set(listed)):
        path = osp.join(out_dir, rel)
        try:
            check_not_input(path, inputs)
        except OutputOverwritesInputError:
            continue
        if osp.isfile(path):
            os.remove(path)
            n += 1
    return n

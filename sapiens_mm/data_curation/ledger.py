"""Append-only JSONL ledger of per-image results: what makes curation resumable.

The first line is a header ``{"ledger": "sapiens_mm.curation", "version": 1, ...}`` recording
what produced the results (detector name, extra filter names); every other line is one image's
record (``{"path": ..., ...}``). Records are written and flushed one by one (a killed process
loses nothing that was written) and ``fsync``-ed every ``sync_every`` records and on close (an
OS crash loses at most that many).

Reopening a ledger reads the records that are there; a last line cut off by a kill (no newline,
or invalid JSON) is dropped and the file truncated to the last whole record before appending.
A malformed line anywhere else, or a header that does not match the current run, is an error
naming the file and line.
"""
import json
import os
import os.path as osp
from typing import Dict, Optional

__all__ = ['Ledger', 'LedgerMismatchError']

LEDGER_ID = 'sapiens_mm.curation'
LEDGER_VERSION = 1


class LedgerMismatchError(ValueError):
    """The ledger on disk was written by a different setup (detector, filters)."""


class Ledger:
    """Open (or create) the ledger at ``path`` for a run described by ``header``.

    Args:
        path (str): the ``.jsonl`` file.
        header (dict): JSON-serialisable description of the run (e.g. ``detector``, ``filters``);
            an existing ledger must have been written with the same one.
        sync_every (int): ``fsync`` after this many appended records. Defaults to 32.
        restart (bool): discard an existing ledger instead of resuming it.

    Attributes:
        records (dict): path -> record of everything in the ledger (resumed + appended).
        dropped_partial_line (bool): whether a cut-off last line was found and dropped.
    """

    def __init__(self, path: str, header: dict, sync_every: int = 32, restart: bool = False):
        self.path = path
        self.header = dict(ledger=LEDGER_ID, version=LEDGER_VERSION, **header)
        self.sync_every = max(1, int(sync_every))
        self.records: Dict[str, dict] = {}
        self.dropped_partial_line = False
        self._unsynced = 0
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        if restart and osp.exists(path):
            os.remove(path)
        good_end = self._load() if osp.exists(path) else None
        self._file = open(path, 'r+b' if good_end is not None else 'wb')
        if good_end is None:
            self._write_line(self.header)
            self.sync()
        else:
            self._file.seek(good_end)
            self._file.truncate()

    def _load(self) -> Optional[int]:
        """Read the records; returns the byte offset after the last whole line (None: empty)."""
        with open(self.path, 'rb') as f:
            data = f.read()
        if not data:
            return None
        lines = data.split(b'\n')
        # data ending with '\n' gives a last empty element; anything else there is cut off
        complete, tail = lines[:-1], lines[-1]
        offset = 0
        for i, raw in enumerate(complete):
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as e:
                if i == len(complete) - 1 and not tail:
                    # the last line is complete but garbled: a kill mid-write of a buffer
                    self.dropped_partial_line = True
                    return offset if i > 0 else None
                raise ValueError(f'ledger {self.path} line {i + 1} is not valid JSON ({e}); '
                                 'only a cut-off last line is tolerated') from e
            if i == 0:
                self._check_header(obj)
            else:
                if not isinstance(obj, dict) or 'path' not in obj:
                    raise ValueError(f'ledger {self.path} line {i + 1} is not an image record')
                self.records[obj['path']] = obj
            offset += len(raw) + 1
        if tail:
            self.dropped_partial_line = True
        return offset if offset else None

    def _check_header(self, obj) -> None:
        if not isinstance(obj, dict) or obj.get('ledger') != LEDGER_ID:
            raise ValueError(f'{self.path} is not a sapiens_mm curation ledger (bad first line)')
        diff = {k: (obj.get(k), v) for k, v in self.header.items() if obj.get(k) != v}
        if diff:
            what = '; '.join(f'{k}: ledger has {a!r}, this run {b!r}' for k, (a, b) in
                             diff.items())
            raise LedgerMismatchError(
                f'ledger {self.path} was written by a different setup ({what}). Use another '
                'output folder, or restart (--restart) to discard it')

    def _write_line(self, obj: dict) -> None:
        self._file.write(json.dumps(obj, separators=(',', ':')).encode() + b'\n')
        self._file.flush()

    def append(self, record: dict) -> None:
        """Add one image's record (must hold ``path``); flushed now, synced every N."""
        self._write_line(record)
        self.records[record['path']] = record
        self._unsynced += 1
        if self._unsynced >= self.sync_every:
            self.sync()

    def sync(self) -> None:
        """``fsync`` what has been written."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._unsynced = 0

    def close(self) -> None:
        if not self._file.closed:
            self.sync()
            self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

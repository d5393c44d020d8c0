"""Rollback detection: a sealed record of how far each shard and the header have come.

Authenticated encryption rejects a changed byte and a file moved elsewhere, but not an
*older* sealed copy of the same file put back in its place: it is genuine, only stale.
So every shard file carries a save counter (``storage.shard``, bound to the content as
associated data), and the vault keeps manifests of the counters it has written::

    shards/manifest        {"catalog": n, "epochs": [header epochs that may open]}
    shards/<ab>/manifest   {conversation id: n, ...} for the shards in that folder

Each manifest is sealed with its own subkey of the vault key and bound to the vault and
its folder. The open vault keeps the manifests in memory and notes every save there at
once; on disk a changed manifest is overwritten in place (no temp file, rename or fsync)
at the first save a second or more after the last such write, and durably when the vault
is locked. (Overwriting it with every save measured 4–18 % dearer autosaves at p50,
against a second vault — a comparison this disk makes noisy — and through a rename
57 %; the bench now compares saves to the same vault with and without the update.)

So while the vault is open the manifests on disk lag the shards by about a second at
most, and not at all once it is locked; after a crash they may lag, never run ahead, or
be torn. When a shard is opened, a counter *at or above* the manifest's is taken; one
*below* it is an older copy put back (``RolledBack``); a shard the manifest lists but
whose file is gone is ``ShardMissing``. A shard read again while the vault is open is
checked against memory. A manifest that does not open is started afresh, and the log
says so. Folders are one manifest each, so a write covers about 200 entries at 50,000
conversations, not all of them.

The header is guarded by its **epoch**: a PIN change (or a reset with the recovery
code) moves it on, and the PIN slot's associated data binds it, so an edited number
makes the PIN fail. ``epochs`` lists the header epochs allowed to open the vault; a PIN
change widens it to both, writes the new header, then narrows it to the new epoch —
each step durable, so a process killed anywhere opens with exactly one of the two PINs,
and an older copy of the header afterwards is refused (``RolledBack``).

Limits, said plainly: every file of the vault put back together (header, manifests,
shards) is an older vault, and nothing inside the vault can tell; nor can a folder's
manifest and its shards put back together, or an unreadable manifest (it is then
started afresh, and the log says so). The PIN change does not rotate the vault key:
whoever kept the old header *and* the old root manifest, and knows the old PIN, still
opens the vault.

Must not touch: the shards' content, the domain, the share.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from storage import sealing
from storage.errors import CorruptFile, StorageError
from storage.files import overwrite_file, read_file, replace_file
from storage.sealing import InvalidSealError

NAME = "manifest"
FLUSH_EVERY = 1.0
"""Seconds the manifests on disk may lag the shards while the vault is open."""
ROOT = ""  # the folder of the index and of the root manifest
_MAGIC = b"SMTM\x01"
_log = logging.getLogger("samtale.storage")


class RolledBack(CorruptFile):
    """A genuine but older copy of a vault file was put in its place."""

    key = "error.rolled_back"


class ShardMissing(CorruptFile):
    """A conversation the vault has written is gone from the disk."""

    key = "error.shard_missing"


class Manifests:
    """The manifests of one open vault; thread-safe. ``label`` names files in errors."""

    def __init__(
        self,
        folder: Path,
        vault_key: bytes,
        vault_id: str,
        label: Callable[[Path], str],
        clock: Callable[[], float],
    ) -> None:
        self._folder = folder
        self._key = sealing.subkey(vault_key, "samtale manifests v1")
        self._vault_id = vault_id
        self._label = label
        self._clock = clock
        self._lock = threading.Lock()
        self._loaded: dict[str, dict[str, Any]] = {}
        self._dirty: set[str] = set()
        self._flushed_at = clock()

    # -- shards ---------------------------------------------------------------------------

    def check(self, shard_id: str, counter: int | None, path: Path) -> None:
        """Refuses a shard file (``counter`` None: absent) older than the manifest says."""
        with self._lock:
            expected = self._entries(bucket_of(shard_id)).get(shard_id)
        if not isinstance(expected, int):
            return
        if counter is None:
            raise ShardMissing(self._label(path), "listed in the vault but the file is gone")
        if counter < expected:
            raise RolledBack(
                self._label(path),
                f"an older copy (save {counter}, the vault wrote save {expected})",
            )

    def saved(self, counters: Mapping[str, int]) -> None:
        """Notes that each shard's file now holds save ``counters[shard]``: at once in
        memory, on disk with the next flush (at most ``FLUSH_EVERY`` seconds on)."""
        with self._lock:
            for shard_id, counter in counters.items():
                bucket = bucket_of(shard_id)
                self._entries(bucket)[shard_id] = counter
                self._dirty.add(bucket)
            due = abs(self._clock() - self._flushed_at) >= FLUSH_EVERY
        if due:
            self.flush(durable=False)

    def flush(self, *, durable: bool = True) -> None:
        """Writes every manifest changed since the last flush (the vault does so, durably,
        when it is locked)."""
        with self._lock:
            for bucket in sorted(self._dirty):
                self._write(bucket, durable=durable)
            self._dirty.clear()
            self._flushed_at = self._clock()

    def check_header(self, epoch: int, path: Path) -> None:
        """Refuses a header from before the vault's last PIN change; finishes a PIN
        change that was cut short after its new header was written."""
        allowed = self.epochs()
        if epoch not in allowed:
            raise RolledBack(self._label(path), "an older copy of the header (from before "
                             "a PIN change), or the vault's manifest is gone")
        if len(allowed) > 1 and epoch == max(allowed):
            self.set_epochs([epoch])

    def removed(self, shard_ids: Iterable[str]) -> None:
        by_bucket: dict[str, dict[str, int | None]] = {}
        for shard_id in shard_ids:
            by_bucket.setdefault(bucket_of(shard_id), {})[shard_id] = None
        for bucket, changes in by_bucket.items():
            self._change(bucket, changes, durable=True)  # else a crash says "missing"

    # -- header epochs ----------------------------------------------------------------------

    def epochs(self) -> list[int]:
        with self._lock:
            value = self._entries(ROOT).get("epochs")
        if isinstance(value, list) and all(type(e) is int for e in value):
            return value
        return [0]

    def set_epochs(self, epochs: list[int]) -> None:
        """Durably: the header epochs allowed to open the vault from now on."""
        self._change(ROOT, {"epochs": sorted(set(epochs))}, durable=True)

    # -- files ------------------------------------------------------------------------------

    def _change(self, bucket: str, changes: dict[str, Any], *, durable: bool) -> None:
        """Applies ``changes`` (None removes) and writes the folder's manifest now."""
        with self._lock:
            entries = self._entries(bucket)
            for name, value in changes.items():
                if value is None:
                    entries.pop(name, None)
                else:
                    entries[name] = value
            self._write(bucket, durable=durable)
            self._dirty.discard(bucket)

    def _write(self, bucket: str, *, durable: bool) -> None:
        """Caller holds the lock."""
        path = self._path(bucket)
        plain = json.dumps(self._entries(bucket), separators=(",", ":")).encode()
        blob = _MAGIC + sealing.seal(self._key, plain, self._associated(bucket))
        try:
            if durable:
                replace_file(path, blob, label=self._label(path))
            else:
                overwrite_file(path, blob, label=self._label(path))
        except StorageError:
            self._dirty.add(bucket)  # memory stays ahead; the next flush tries again
            raise

    def _entries(self, bucket: str) -> dict[str, Any]:
        loaded = self._loaded.get(bucket)
        if loaded is None:
            loaded = self._read(bucket)
            self._loaded[bucket] = loaded
        return loaded

    def _read(self, bucket: str) -> dict[str, Any]:
        path = self._path(bucket)
        blob = read_file(path, label=self._label(path))
        if blob is None:
            return {}
        try:
            if not blob.startswith(_MAGIC):
                raise ValueError("not a manifest")
            plain = sealing.open_sealed(self._key, blob[len(_MAGIC) :], self._associated(bucket))
            entries = json.loads(plain)
            if not isinstance(entries, dict):
                raise ValueError("not a manifest")
        except (ValueError, InvalidSealError):
            _log.warning("%s cannot be read; rollback detection starts afresh there",
                         self._label(path))
            return {}
        return entries

    def _path(self, bucket: str) -> Path:
        return self._folder / bucket / NAME if bucket else self._folder / NAME

    def _associated(self, bucket: str) -> bytes:
        return f"samtale manifest|1|{self._vault_id}|{bucket}".encode()


def bucket_of(shard_id: str) -> str:
    """The folder a shard lives in (``ROOT`` for the index)."""
    return ROOT if shard_id == "catalog" else shard_id[:2]

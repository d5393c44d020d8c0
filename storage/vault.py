"""An unlocked vault: the records of one person, sharded by conversation.

Layout under the profile folder::

    shards/catalog            home-screen summaries and small settings ("meta")
    shards/<ab>/<ab...32 hex> one conversation, spread over 256 folders by its first byte

Shard ids are random hex (never names), checked against ``^[0-9a-f]{32}$`` before they
become paths. An autosave writes only its conversation's shard, so its cost does not grow
with the number of conversations; the index is written when summaries change.

Handles and the core: the ``Device`` keeps one ``VaultCore`` per unlocked profile — the
keys, the decrypted shards, the per-shard locks — and every unlock of that profile (two
browser tabs, two sessions) returns a new ``Vault`` handle onto the same core, so the
handles see each other's writes and never race over the files with two caches. Locking a
handle refuses its new calls at once and waits for its calls already running; only when
the last handle is locked does the core forget the keys and every cached plaintext.
Python cannot wipe the bytes it copied; dropping every reference is what it can do.

Thread safety: the views call this API through ``asyncio.to_thread``. Each shard has its
own lock (kept for the core's lifetime, so two threads never hold two copies of one
shard), and a small state lock guards the table of open shards.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from storage import sealing
from storage.errors import NotDurable, StorageError, VaultLocked, WriteFailed
from storage.files import list_folder, replace_file, sync_folder
from storage.keys import ProfileKeys
from storage.manifest import Manifests
from storage.shard import (
    SealedStorage,
    Shard,
    encode_shard,
    record_id,
    shard_associated,
    to_json,
)

_log = logging.getLogger("samtale.storage")
# The index of conversations (what home lists) is kept in a shard with this name on
# disk, the name it has had since the first vault format.
INDEX = "catalog"
_CONVERSATION_ID = re.compile(r"[0-9a-f]{32}")
_SUBFOLDER = re.compile(r"[0-9a-f]{2}")
_INDEX_TABLE = "catalog"
_META_TABLE = "meta"
_OPEN_SHARDS = 64  # decrypted shards kept in memory besides the index
Record = dict[str, Any]


def check_shard_id(shard_id: str) -> str:
    """``shard_id`` if it is a conversation id (32 lowercase hex); ValueError otherwise."""
    if not isinstance(shard_id, str) or not _CONVERSATION_ID.fullmatch(shard_id):
        raise ValueError(f"not a conversation id: {shard_id!r}")
    return shard_id


class VaultCore:
    """The in-memory state of one unlocked vault, shared by all its ``Vault`` handles.

    ``handles`` counts the open handles; the ``Device`` changes it under its own lock and
    calls ``forget`` when it drops to zero.
    """

    def __init__(
        self, keys: ProfileKeys, vault_key: bytes, clock: Callable[[], float]
    ) -> None:
        self.id = keys.profile_id
        self.keys = keys
        self.folder = keys.folder / "shards"
        self.handles = 0
        self._vault_key: bytes | None = vault_key
        self._shard_key: bytes | None = sealing.subkey(vault_key, "samtale shards v1")
        self._state = threading.Condition()
        self._running = 0
        self._open: OrderedDict[str, Shard] = OrderedDict()
        self._shard_locks: dict[str, threading.Lock] = {}
        keys.sweep_temps()
        self.manifests = Manifests(self.folder, vault_key, self.id, self.label, clock)
        self.manifests.check_header(keys.header().epoch, keys.header_path)

    @property
    def locked(self) -> bool:
        return self._shard_key is None

    def opens_with(self, vault_key: bytes) -> bool:
        """Whether ``vault_key`` is this core's key (a second unlock must find the same)."""
        with self._state:
            key = self._vault_key
        return key is not None and sealing.same_bytes(key, vault_key)

    def forget(self) -> None:
        """Refuses new calls, waits for running ones, then drops the keys and every cache."""
        with self._state:
            self._shard_key = None
            self._state.wait_for(lambda: self._running == 0)
            try:
                self.manifests.flush()
            except StorageError:  # the shards are durable; only rollback detection lags
                _log.warning("the vault's manifests could not be written at lock")
            self._vault_key = None
            for shard in self._open.values():
                shard.close()
            self._open.clear()
            self._shard_locks.clear()

    @contextmanager
    def running_call(self) -> Iterator[bytes]:
        """Counts a call in; refuses it when forgotten. Yields the shard key."""
        with self._state:
            key = self._shard_key
            if key is None:
                raise VaultLocked()
            self._running += 1
        try:
            yield key
        finally:
            with self._state:
                self._running -= 1
                if self._running == 0:
                    self._state.notify_all()

    def vault_key(self) -> bytes:
        """The vault key; only while a ``running_call`` is counted in."""
        key = self._vault_key
        if key is None:  # an explicit check: ``python -O`` drops asserts
            raise VaultLocked()
        return key

    @contextmanager
    def shard(self, shard_id: str, key: bytes) -> Iterator[Shard]:
        """The open shard, held under its lock for the duration of the block.

        Only inside a ``running_call`` (which yielded ``key``).
        """
        with self._state:
            lock = self._shard_locks.setdefault(shard_id, threading.Lock())
        with lock:
            yield self._opened(shard_id, key)

    def _opened(self, shard_id: str, key: bytes) -> Shard:
        """Caller holds the shard's lock, so no other thread opens the same shard now."""
        with self._state:
            shard = self._open.get(shard_id)
            if shard is not None:
                self._open.move_to_end(shard_id)
                return shard
        path = self.shard_path(shard_id)
        manifests = self.manifests
        storage = SealedStorage(
            path,
            key=key,
            associated=shard_associated(self.id, shard_id),
            label=self.label(path),
            check=lambda counter: manifests.check(shard_id, counter, path),
            saved=lambda counter: manifests.saved({shard_id: counter}),
        )
        shard = Shard(storage)
        with self._state:
            self._open[shard_id] = shard
            self._evict()
        return shard

    def _evict(self) -> None:
        """Drops least recently used shards; a thread still using one keeps its reference."""
        while len(self._open) > _OPEN_SHARDS + 1:
            oldest = next(sid for sid in self._open if sid != INDEX)
            del self._open[oldest]

    def remove_shard(self, shard_id: str) -> None:
        """Unlinks a conversation shard's file and fsyncs its folder, under the shard's
        lock, and drops its decrypted copy. Only inside a ``running_call``. The file is
        not opened first, so a damaged shard can be removed too."""
        with self._state:
            lock = self._shard_locks.setdefault(shard_id, threading.Lock())
        with lock:
            path = self.shard_path(shard_id)
            label = self.label(path)
            with self._state:
                shard = self._open.pop(shard_id, None)
            if shard is not None:
                shard.close()
            try:
                os.unlink(path)
            except FileNotFoundError:
                self.manifests.removed([shard_id])
                return
            except OSError as exc:
                raise WriteFailed(label, exc.strerror or type(exc).__name__) from exc
            self.manifests.removed([shard_id])
            try:
                sync_folder(path.parent)
            except OSError as exc:
                raise NotDurable(label, exc.strerror or type(exc).__name__) from exc

    def shard_path(self, shard_id: str) -> Path:
        if shard_id == INDEX:
            return self.folder / INDEX
        return self.folder / shard_id[:2] / shard_id

    def label(self, path: Path) -> str:
        return self.keys.label(path)


class Vault:
    """A handle onto one person's unlocked vault. Every method may block on disk: call it
    off the UI loop. Handles from several unlocks of one profile share one ``VaultCore``."""

    def __init__(self, core: VaultCore, release: Callable[[VaultCore], None]) -> None:
        self.id = core.id
        self._core: VaultCore | None = core
        self._release = release
        self._state = threading.Condition()
        self._running = 0

    # -- keys ---------------------------------------------------------------

    @property
    def locked(self) -> bool:
        """True once this handle was locked, even while other handles stay open."""
        with self._state:
            return self._core is None

    def lock(self) -> None:
        """Every later call on this handle raises VaultLocked; waits for its running calls.

        The keys and cached plaintext are forgotten when the last handle is locked.
        """
        with self._state:
            core = self._core
            if core is None:
                return
            self._core = None
            self._state.wait_for(lambda: self._running == 0)
        self._release(core)

    def change_pin(self, old_pin: str, new_pin: str) -> None:
        """Rewraps the vault key under ``new_pin``; shard files stay byte-identical.

        Raises BadPin, WrongPin (counted like a failed unlock) or TooSoon.
        """
        with self._call() as (core, _key):
            core.keys.change_pin(core.vault_key(), old_pin, new_pin, epochs=core.manifests)

    # -- index and meta ---------------------------------------------------

    def index(self) -> dict[str, dict[str, Any]]:
        """Conversation id -> summary, for the home screen."""
        with self._shard(INDEX) as shard:
            return {cid: doc["summary"] for cid, doc in shard.table(_INDEX_TABLE).items()}

    def put_index(self, entries: Mapping[str, dict[str, Any]]) -> None:
        """Inserts or replaces many summaries in one durable write."""
        docs = [{"id": check_shard_id(cid), "summary": _dict(s)} for cid, s in entries.items()]
        with self._shard(INDEX) as shard:
            shard.upsert(_INDEX_TABLE, docs)

    def remove_index(self, ids: Iterable[str]) -> None:
        doomed = [check_shard_id(cid) for cid in ids]
        with self._shard(INDEX) as shard:
            shard.remove(_INDEX_TABLE, doomed)

    def get_meta(self, key: str) -> dict[str, Any] | None:
        """A small encrypted setting or profile record (kept in the index shard)."""
        with self._shard(INDEX) as shard:
            doc = shard.table(_META_TABLE).get(key)
        return None if doc is None else doc["value"]

    def put_meta(self, key: str, value: dict[str, Any]) -> None:
        doc = {"id": key, "value": _dict(value)}
        with self._shard(INDEX) as shard:
            shard.upsert(_META_TABLE, [doc])

    # -- conversation shards --------------------------------------------------

    def read_shard(self, shard_id: str) -> dict[str, dict[str, dict[str, Any]]]:
        """Table -> record id -> record; ``{}`` if the shard does not exist."""
        with self._shard(check_shard_id(shard_id)) as shard:
            return shard.tables()

    def put_record(self, shard_id: str, table: str, record: dict[str, Any]) -> None:
        """Inserts or replaces ``record`` by its ``"id"``; durable when it returns."""
        self.put_records(shard_id, table, [record])

    def put_records(self, shard_id: str, table: str, records: Iterable[dict[str, Any]]) -> None:
        """Inserts or replaces many records of one table in one durable write."""
        check_shard_id(shard_id)
        if not isinstance(table, str) or not table:
            raise ValueError("a table name must be a non-empty string")
        with self._shard(shard_id) as shard:
            shard.upsert(table, records)

    def delete_shard(self, shard_id: str) -> None:
        """Removes one conversation from this device for good: its shard file is
        unlinked and the folder fsynced (durable when it returns), its cached plaintext
        dropped and its summary taken out of the index. A shard that is already gone is
        only taken out of the index. WriteFailed / NotDurable when the disk refuses."""
        check_shard_id(shard_id)
        try:
            with self._call() as (core, _key):
                core.remove_shard(shard_id)
        except NotDurable:
            self.remove_index([shard_id])  # the file is gone; the index follows
            raise
        self.remove_index([shard_id])

    def shard_ids(self) -> list[str]:
        """Every conversation shard on disk, sorted."""
        with self._call() as (core, _key):
            found: list[str] = []
            for folder in _subfolders(core):
                found.extend(
                    name
                    for name in list_folder(folder, label=core.label(folder))
                    if name.startswith(folder.name) and _CONVERSATION_ID.fullmatch(name)
                )
            return sorted(found)

    # -- set-up only ------------------------------------------------------------

    def bulk_create(self, shards: Iterable[tuple[str, Mapping[str, Iterable[Record]]]]) -> int:
        """SET-UP ONLY (benchmarks, demo data): writes many *new* shards fast.

        Each shard is sealed exactly like a normal save and replaced atomically, but
        without fsync per file; one ``os.sync()`` at the end makes the lot durable. Refuses
        shards that already exist. Returns how many shards were written.
        """
        count = 0
        with self._call() as (core, key):
            written: dict[str, int] = {}
            for shard_id, tables in shards:
                path = core.shard_path(check_shard_id(shard_id))
                if path.exists():
                    raise ValueError(f"shard {shard_id} exists; bulk set-up only creates")
                data = {name: {record_id(r): r for r in rs} for name, rs in tables.items()}
                blob = encode_shard(key, shard_associated(self.id, shard_id), to_json(data))
                replace_file(path, blob, label=core.label(path), durable=False)
                written[shard_id] = 1
                count += 1
            core.manifests.saved(written)
            if hasattr(os, "sync"):
                os.sync()
        return count

    # -- internals ----------------------------------------------------------------

    @contextmanager
    def _call(self) -> Iterator[tuple[VaultCore, bytes]]:
        """Counts a call in on this handle and on the core; VaultLocked when locked."""
        with self._state:
            core = self._core
            if core is None:
                raise VaultLocked()
            self._running += 1
        try:
            with core.running_call() as key:
                yield core, key
        finally:
            with self._state:
                self._running -= 1
                if self._running == 0:
                    self._state.notify_all()

    @contextmanager
    def _shard(self, shard_id: str) -> Iterator[Shard]:
        """The open shard, held under its lock for the duration of the block."""
        with self._call() as (core, key), core.shard(shard_id, key) as shard:
            yield shard


def _subfolders(core: VaultCore) -> list[Path]:
    names = list_folder(core.folder, label=core.label(core.folder))
    return [core.folder / n for n in names if _SUBFOLDER.fullmatch(n)]


def _dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("expected a dict")
    return value

"""One shard — a conversation's records, or the index — as a TinyDB over sealed storage.

``SealedStorage`` is the one ``tinydb.Storage`` of the vault. It keeps the shard's JSON
sealed on disk and writes it atomically through ``storage.files``. File layout::

    b"SMTS" + format byte (2) + save counter (8 bytes, big-endian)
            + seal(shard key, JSON, associated data + counter)

The associated data names format, vault id and shard id, so a file moved to another
shard's place or another vault fails authentication and is reported as ``CorruptFile``
instead of being misread. The save counter grows by one with every save and is bound to
the content: ``storage.manifest`` compares it with the counter the vault last wrote, so
an older sealed copy put back is refused (format 1 files, from before, count as 0).

Decrypting on every TinyDB read would cost more than the save itself, so the storage
caches the exact plaintext it last read or wrote. TinyDB gets a fresh copy (parsed from
that plaintext) on each read, and the cache always equals the file: a failed save (a full
disk) keeps the old plaintext, and a save whose rename happened but whose folder fsync
failed (``NotDurable``) takes the new one before the error is passed on. ``batch()``
gathers several TinyDB operations into one durable write — every mutation of a shard goes
through it.

Records are TinyDB documents keyed by their own ``"id"`` (the table uses string document
ids), so on disk a shard reads ``{table: {record id: record}}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from storage import sealing
from storage.errors import CorruptFile, NotDurable
from storage.files import read_file, replace_file
from storage.sealing import InvalidSealError

FORMAT = 2
_MAGIC = b"SMTS"
_PREFIX = _MAGIC + bytes([FORMAT])
_PREFIX_V1 = _MAGIC + bytes([1])
_COUNTER = 8

Tables = dict[str, dict[str, dict[str, Any]]]


def shard_associated(vault_id: str, shard_id: str) -> bytes:
    """What binds a shard file to its place: format, vault and shard."""
    return f"samtale shard|1|{vault_id}|{shard_id}".encode()


def encode_shard(key: bytes, associated: bytes, plaintext: bytes, counter: int = 1) -> bytes:
    """A shard file holding ``plaintext`` as save number ``counter``."""
    number = counter.to_bytes(_COUNTER, "big")
    return _PREFIX + number + sealing.seal(key, plaintext, associated + b"|" + number)


def decode_shard(key: bytes, associated: bytes, blob: bytes, *, label: str) -> tuple[bytes, int]:
    """The plaintext JSON of a shard file and its save counter; CorruptFile on any damage
    or misplacement."""
    if not blob.startswith(_MAGIC):
        raise CorruptFile(label, "not a vault shard (unknown start)")
    try:
        if blob.startswith(_PREFIX_V1):
            return sealing.open_sealed(key, blob[len(_PREFIX_V1) :], associated), 0
        if not blob.startswith(_PREFIX) or len(blob) < len(_PREFIX) + _COUNTER:
            raise CorruptFile(label, "unsupported shard format")
        number = blob[len(_PREFIX) : len(_PREFIX) + _COUNTER]
        sealed = blob[len(_PREFIX) + _COUNTER :]
        plain = sealing.open_sealed(key, sealed, associated + b"|" + number)
        return plain, int.from_bytes(number, "big")
    except InvalidSealError:
        raise CorruptFile(
            label, "authentication failed: the file is damaged or belongs elsewhere"
        ) from None


def to_json(tables: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON; refuses values JSON cannot hold (NaN, sets, objects)."""
    return json.dumps(tables, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


class SealedStorage(Storage):
    """TinyDB storage that seals the whole shard and replaces the file atomically."""

    def __init__(
        self,
        path: Path,
        *,
        key: bytes,
        associated: bytes,
        label: str,
        check: Callable[[int | None], None] | None = None,
        saved: Callable[[int], None] | None = None,
    ) -> None:
        """``check`` is given the counter found on disk (None: no file) and may refuse
        it; ``saved`` learns each counter written."""
        super().__init__()
        self._path = path
        self._key = key
        self._associated = associated
        self._label = label
        self._saved = saved
        blob = read_file(path, label=label)
        self._plain: bytes | None = None
        self.counter = 0
        if blob is not None:
            self._plain, self.counter = decode_shard(key, associated, blob, label=label)
        if check is not None:
            check(None if blob is None else self.counter)
        self._pending: Tables | None = None
        self._changed = False

    def read(self) -> Tables | None:
        if self._pending is not None:
            return self._pending
        if self._plain is None:
            return None
        try:
            tables = json.loads(self._plain)
        except ValueError:
            tables = None
        if not isinstance(tables, dict):  # authentic yet unreadable: written by a bug
            raise CorruptFile(self._label, "shard content is not a set of tables")
        return tables

    def write(self, data: Tables) -> None:
        if self._pending is not None:
            self._pending = data
            self._changed = True
        else:
            self._commit(data)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Writes made inside are kept in memory and saved once, durably, on exit."""
        pending = self.read() or {}
        self._pending, self._changed = pending, False
        try:
            yield
            pending, changed = self._pending, self._changed
        finally:
            self._pending = None
        if changed:
            self._commit(pending)

    def close(self) -> None:
        self._plain = None

    def _commit(self, data: Tables) -> None:
        plain = to_json(data)
        counter = self.counter + 1
        blob = encode_shard(self._key, self._associated, plain, counter)
        try:
            replace_file(self._path, blob, label=self._label)
        except NotDurable:
            self._plain, self.counter = plain, counter  # the new file is in place
            raise
        self._plain, self.counter = plain, counter
        if self._saved is not None:
            self._saved(counter)


class _RecordTable(Table):
    document_id_class = str  # type: ignore[assignment]  # records are keyed by their "id"


class _ShardDB(TinyDB):
    table_class = _RecordTable


class Shard:
    """The records of one shard: ``{table: {record id: record}}``, upserted by id."""

    def __init__(self, storage: SealedStorage) -> None:
        self._storage = storage
        self._db = _ShardDB(storage=lambda: storage)

    def tables(self) -> Tables:
        """A fresh copy of every table; the caller may change it freely."""
        return self._storage.read() or {}

    def table(self, name: str) -> dict[str, dict[str, Any]]:
        return self.tables().get(name, {})

    def upsert(self, table: str, records: Iterable[Mapping[str, Any]]) -> None:
        """Inserts or replaces each record by its ``"id"``, in one durable write."""
        by_id = {record_id(record): dict(record) for record in records}
        if not by_id:
            return
        with self._storage.batch():
            docs = self._db.table(table)
            self._remove_present(docs, by_id)
            docs.insert_multiple(
                Document(record, doc_id=rid)  # type: ignore[arg-type]
                for rid, record in by_id.items()
            )

    def remove(self, table: str, ids: Iterable[str]) -> None:
        """Removes the records with these ids (missing ones are skipped), in one write."""
        doomed = list(ids)
        if not doomed:
            return
        with self._storage.batch():
            self._remove_present(self._db.table(table), doomed)

    def _remove_present(self, docs: Table, ids: Iterable[str]) -> None:
        """Removes those of ``ids`` the table holds (TinyDB 4.8 raises on missing ids)."""
        pending = self._storage.read() or {}
        present = [rid for rid in ids if rid in pending.get(docs.name, {})]
        if present:
            docs.remove(doc_ids=present)  # type: ignore[arg-type]

    def close(self) -> None:
        self._db.close()


def record_id(record: Mapping[str, Any]) -> str:
    """A record's id; ValueError unless the record is a mapping with a non-empty string id."""
    if not isinstance(record, Mapping):
        raise ValueError("a record must be a dict")
    rid = record.get("id")
    if not isinstance(rid, str) or not rid:
        raise ValueError("a record needs a non-empty string 'id'")
    return rid

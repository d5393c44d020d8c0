"""Helpers for the sync tests: people with their own vaults, a directory of their public
keys, one folder share, and records from the real domain model."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from conversations.directory import Directory, Member
from conversations.merge import version_of
from conversations.model import Conversation, Kind, Minutes, Preparation, Role, State
from conversations.records import new_id
from storage import Device, KdfParams, Vault
from storage.sealing import Identity
from sync.engine import SyncEngine
from sync.envelope import digest_of, is_object_hash, read_header
from sync.folder import FolderShare
from sync.identity import device_id_of, identity_of
from sync.inbox import end_of, entry_path, inbox_of, make_entry
from sync.share import TEMP_PREFIX, Share, ShareUnavailable, check_path, is_temp
from tests.vault_fixtures import PIN, FakeClock

LOG = "samtale.sync"
T = TypeVar("T")


@dataclass
class Person:
    """One person on one device: a data folder, an unlocked vault, its identity."""

    id: str
    root: Path
    vault: Vault
    profile_id: str
    roles: frozenset[Role]

    @property
    def identity(self) -> Identity:
        return identity_of(self.vault)

    @property
    def device(self) -> str:
        return device_id_of(self.vault)

    def engine(self, share: Share, directory: Directory, **options: Any) -> SyncEngine:
        options.setdefault("log", logging.getLogger(LOG))
        return SyncEngine(self.vault, share, directory, self.id, **options)


def anyone_writes(*_: Any, **__: Any) -> None:
    """Write rights that allow everything: for tests whose subject is merging, reading or
    damage, with records the real rights turn away (Lars editing Emma's answers, Emma
    writing minutes). The rights themselves are proved in test_sync_rights.py."""
    return None


def make_person(
    tmp: Path, person_id: str, *roles: Role, clock: FakeClock | None = None, device: str = ""
) -> Person:
    root = tmp / f"device-{person_id}{device}"
    root.mkdir(parents=True, exist_ok=True)
    vaults = Device(root, kdf=KdfParams.FAST_FOR_TESTS, clock=clock or FakeClock())
    vault, _code = vaults.create_profile(PIN, symbol=1)
    return Person(person_id, root, vault, vault.id, frozenset(roles or {Role.EMPLOYEE}))


def reopen(person: Person) -> Person:
    """The same person's vault unlocked anew from disk (as after a restart)."""
    person.vault.lock()
    device = Device(person.root, kdf=KdfParams.FAST_FOR_TESTS, clock=FakeClock())
    vault = device.unlock(person.profile_id, PIN)
    return Person(person.id, person.root, vault, person.profile_id, person.roles)


def directory_of(people: Iterable[Person], leaders: Mapping[str, str] | None = None) -> Directory:
    """A directory listing ``people`` with their public keys; ``leaders``: id -> leader id."""
    leaders = leaders or {}
    members = {}
    for person in people:
        keys = person.identity.public()
        members[person.id] = Member(
            id=person.id,
            name=person.id.title(),
            roles=person.roles,
            leader_id=leaders.get(person.id),
            enc_key=keys.enc,
            sign_key=keys.sign,
            devices=(person.device,),
        )
    return Directory(1, members)


def share_in(tmp: Path) -> FolderShare:
    root = tmp / "share"
    root.mkdir(parents=True, exist_ok=True)
    return FolderShare(root)


def conversation(employee: str, leader: str, conversation_id: str = "") -> dict[str, Any]:
    return Conversation(
        id=conversation_id or new_id(),
        kind=Kind.MUS,
        sheet_id="mus",
        sheet_version=1,
        leader_id=leader,
        participant_ids=(employee,),
        planned_at=dt.datetime(2031, 3, 4, 9, 0),
        state=State.PREPARING,
        author=leader,
    ).to_dict()


def preparation(
    conversation_id: str,
    author: str,
    answers: Mapping[str, str],
    *,
    shared: bool = True,
    record_id: str = "",
) -> dict[str, Any]:
    return Preparation(
        id=record_id or new_id(),
        conversation_id=conversation_id,
        answers=dict(answers),
        shared_with_leader=shared,
        author=author,
    ).to_dict()


def minutes(
    conversation_id: str, author: str, notes: Mapping[str, str], *, record_id: str = ""
) -> dict[str, Any]:
    return Minutes(
        id=record_id or new_id(), conversation_id=conversation_id, notes=dict(notes),
        author=author,
    ).to_dict()


def revised(record: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """The next version of a record dict: ``changes`` applied, parent = this version."""
    data = {k: v for k, v in record.items() if k != "version"}
    data.update(changes)
    data["parents"] = [record["version"]]
    data["version"] = version_of(data)
    return data


def records_of(vault: Vault) -> dict[str, dict[str, dict[str, Any]]]:
    """Every conversation shard's app tables and conflicts (not the engine's bookkeeping)."""
    return {
        shard: {t: rows for t, rows in vault.read_shard(shard).items() if t != "versions"}
        for shard in vault.shard_ids()
    }


def share_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def unverifiable_files(root: Path) -> list[str]:
    """Non-temp files on the share that are not whole: an object whose bytes do not hash
    to its name, a journal file that is not a segment, a hint that is not one."""
    from sync.envelope import EnvelopeRejected
    from sync.inbox import number_of
    from sync.journal import read_head, seq_of

    bad = []
    for path in share_files(root):
        rel = path.relative_to(root).as_posix()
        if any(is_temp(part) for part in rel.split("/")):
            continue
        data = path.read_bytes()
        if rel.startswith("objects/"):
            if not is_object_hash(path.name) or digest_of(data) != path.name:
                bad.append(rel)
                continue
            try:
                read_header(data)
            except EnvelopeRejected:
                bad.append(rel)
        elif rel.startswith("removed/"):  # HR's tombstones (sync.housekeeping)
            if not is_object_hash(path.name) or not data.startswith(b"SMTX"):
                bad.append(rel)
        elif rel.startswith("journals/"):
            if seq_of(path.name) is None or not data.startswith(b"SMTJ"):
                bad.append(rel)
        elif rel.startswith("heads/"):
            if read_head(data) is None:
                bad.append(rel)
        elif rel.startswith("inboxes/"):
            if number_of(path.name) is None or not data.startswith(b"SMTI"):
                bad.append(rel)
        else:
            bad.append(rel)
    return bad


def announce(share: Share, person: Person, directory: Directory, seq: int,
             blobs: Iterable[bytes]) -> None:
    """Writes an entry naming ``blobs`` (envelopes) into the inbox of each recipient
    their headers name, as ``person``'s device with its own code might (``seq``: the
    journal segment that lists them)."""
    addressed: dict[str, list[str]] = {}
    for blob in blobs:
        for recipient in read_header(blob).recipients:
            member = directory.members.get(recipient)
            key = member.enc_key if member else person.identity.public().enc
            addressed.setdefault(inbox_of(key), []).append(digest_of(blob))
    for inbox, hashes in addressed.items():
        n = end_of(share, inbox) + 1
        while not share.write_once(entry_path(inbox, n), make_entry(
                person.identity, inbox=inbox, n=n, sender=person.id, device=person.device,
                seq=seq, objects=hashes)):
            n += 1


class CountingShare:
    """A share that notes every call (operation, path) before passing it on, and how
    many files were read (``reads``) with how many bytes (``bytes``)."""

    def __init__(self, share: Share) -> None:
        self.share = share
        self.calls: list[tuple[str, str]] = []
        self.bytes = 0

    @property
    def reads(self) -> int:
        return sum(1 for operation, _ in self.calls if operation == "read")

    def read(self, path: str) -> bytes | None:
        self.calls.append(("read", path))
        data = self.share.read(path)
        self.bytes += len(data or b"")
        return data

    def write_once(self, path: str, data: bytes) -> bool:
        self.calls.append(("write_once", path))
        return self.share.write_once(path, data)

    def list(self, folder: str) -> list[str]:
        self.calls.append(("list", folder))
        return self.share.list(folder)

    def sweep_temps(self, under: str = "") -> int:
        self.calls.append(("sweep_temps", under))
        return self.share.sweep_temps(under)


class CutShare:
    """A share whose connection drops at operation number ``cut_at`` (counted over every
    engine using it) and stays down until ``reconnect``.

    ``mode``: ``before`` — the operation never happens; ``after`` — it happens, then the
    answer is lost; ``partial`` — a write leaves half its bytes in a temp file.
    """

    def __init__(self, share: FolderShare, cut_at: int | None = None, mode: str = "before"):
        self.share = share
        self.cut_at = cut_at
        self.mode = mode
        self.count = 0
        self.up = True

    def reconnect(self) -> None:
        self.up = True

    def read(self, path: str) -> bytes | None:
        return self._op(lambda: self.share.read(path))

    def write_once(self, path: str, data: bytes) -> bool:
        def partial() -> None:
            folder = self.share.root.joinpath(*check_path(path)[:-1])
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{TEMP_PREFIX}{secrets.token_hex(8)}").write_bytes(data[: len(data) // 2])

        return self._op(lambda: self.share.write_once(path, data), partial)

    def list(self, folder: str) -> list[str]:
        return self._op(lambda: self.share.list(folder))

    def sweep_temps(self, under: str = "") -> int:
        return self._op(lambda: self.share.sweep_temps(under))

    def _op(self, run: Callable[[], T], partial: Callable[[], None] | None = None) -> T:
        if not self.up:
            raise ShareUnavailable("still cut")
        self.count += 1
        if self.count != self.cut_at:
            return run()
        self.up = False
        if self.mode == "after":
            run()
        elif self.mode == "partial" and partial is not None:
            partial()
        raise ShareUnavailable(f"cut at operation {self.count}")

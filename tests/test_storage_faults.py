"""Faults: flipped bytes, a full disk, unreadable files, a folder fsync that fails after
the rename, and a process killed while it autosaves."""

from __future__ import annotations

import builtins
import errno
import os
import random
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from storage import (
    CorruptFile,
    Device,
    DiskFull,
    NotDurable,
    ReadFailed,
    StorageError,
    Vault,
    WriteFailed,
    WrongPin,
)
from tests.vault_fixtures import (
    NEW_PIN,
    PIN,
    FakeClock,
    conversation_id,
    header_path,
    make_device,
    new_vault,
    preparation,
    shard_path,
    snapshot,
)

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "data"


def flips(data: bytes) -> list[tuple[int, bytes]]:
    """Every byte position, flipped two ways: its lowest bit, and all of its bits."""
    out = []
    for position in range(len(data)):
        for mask in (0x01, 0xFF):
            flipped = bytearray(data)
            flipped[position] ^= mask
            out.append((position, bytes(flipped)))
    return out


# -- flipped bytes -----------------------------------------------------------------


def test_every_flipped_header_byte_is_rejected(root: Path) -> None:
    device = make_device(root)
    vault, _ = new_vault(device)
    vault.lock()
    path = header_path(root, vault.id)
    original = path.read_bytes()
    others_before = snapshot(root, skip=("header",))
    for position, flipped in flips(original):
        path.write_bytes(flipped)
        with pytest.raises(CorruptFile) as caught:
            device.unlock(vault.id, PIN)
        assert caught.value.file == f"vaults/{vault.id}/header", position
        assert caught.value.detail
        assert device.profiles() == []
        assert [p.file for p in device.problems] == [f"vaults/{vault.id}/header"]
    assert snapshot(root, skip=("header",)) == others_before  # no PIN tried, no attempt counted
    path.write_bytes(original)
    device.unlock(vault.id, PIN)


@pytest.mark.parametrize("which", ["conversation", "catalog"])
def test_every_flipped_shard_byte_is_rejected(root: Path, which: str) -> None:
    device = make_device(root)
    vault, _ = new_vault(device)
    cid = conversation_id()
    if which == "conversation":
        vault.put_record(cid, "t", {"id": "x", "v": "ÆØÅ"})
        path = shard_path(root, vault, cid)
        read: Callable[[Vault], Any] = lambda v: v.read_shard(cid)  # noqa: E731
    else:
        vault.put_index({cid: {"v": 1}})
        path = root / "vaults" / vault.id / "shards" / "catalog"
        read = Vault.index
    expected = read(vault)
    original = path.read_bytes()
    assert len(original) < 200  # small, so testing every position stays quick
    vault.lock()  # a handle onto an open vault would answer from its cache
    reopened = device.unlock(vault.id, PIN)
    for position, flipped in flips(original):
        path.write_bytes(flipped)
        with pytest.raises(CorruptFile) as caught:
            read(reopened)
        assert caught.value.file == path.relative_to(root).as_posix(), position
    for cut in range(len(original)):
        path.write_bytes(original[:cut])
        with pytest.raises(CorruptFile):
            read(reopened)
    path.write_bytes(original)
    assert read(reopened) == expected


# -- a full disk -------------------------------------------------------------------


def no_space(*_args: object, **_kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("failing", ["write", "fsync"])
def test_full_disk_reports_and_keeps_the_previous_version(
    root: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    device = make_device(root)
    vault, _ = new_vault(device)
    cid = conversation_id()
    vault.put_record(cid, "preparations", preparation("p1", "første svar"))
    vault.put_index({cid: {"state": "preparing"}})
    before = snapshot(root)
    with monkeypatch.context() as patched:
        patched.setattr(os, failing, no_space)
        with pytest.raises(DiskFull) as caught:
            vault.put_record(cid, "preparations", preparation("p1", "andet svar"))
        assert caught.value.key == "error.disk_full"
        with pytest.raises(DiskFull):
            vault.put_record(conversation_id(), "preparations", preparation("p1"))
        with pytest.raises(DiskFull):
            vault.put_index({cid: {"state": "held"}})
    assert snapshot(root) == before  # nothing half-written, no temp file left
    assert vault.read_shard(cid)["preparations"]["p1"] == preparation("p1", "første svar")
    assert vault.index() == {cid: {"state": "preparing"}}
    vault.put_record(cid, "preparations", preparation("p1", "tredje svar"))  # room again
    again = make_device(root).unlock(vault.id, PIN)  # reads the disk, not the open cache
    assert again.read_shard(cid)["preparations"]["p1"] == preparation("p1", "tredje svar")


def test_an_io_error_is_reported_with_a_text_and_keeps_the_previous_version(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = make_device(root)
    vault, _ = new_vault(device)
    cid = conversation_id()
    vault.put_record(cid, "preparations", preparation("p1", "første svar"))
    before = snapshot(root)

    def broken_disk(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    with monkeypatch.context() as patched:
        patched.setattr(os, "fsync", broken_disk)
        with pytest.raises(WriteFailed) as caught:
            vault.put_record(cid, "preparations", preparation("p1", "andet svar"))
    assert caught.value.key == "error.storage"
    assert snapshot(root) == before
    assert vault.read_shard(cid)["preparations"]["p1"] == preparation("p1", "første svar")


def test_full_disk_during_pin_change_keeps_the_old_pin(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = make_device(root)
    vault, _ = new_vault(device)
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to tell which file an fsync is for")
    real_fsync = os.fsync
    failed: list[str] = []

    def fail_on_header(fd: int) -> None:
        name = os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))
        if name.startswith(".header."):  # the new header's temp file
            failed.append(name)
            no_space()
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fail_on_header)
    with pytest.raises(DiskFull):
        vault.change_pin(PIN, NEW_PIN)
    monkeypatch.undo()
    assert len(failed) == 1
    device.unlock(vault.id, PIN)
    with pytest.raises(WrongPin):
        device.unlock(vault.id, NEW_PIN)


# -- unreadable files -------------------------------------------------------------------


def refuse_reading(monkeypatch: pytest.MonkeyPatch, name: str, code: int = errno.EIO) -> list[str]:
    """Makes every ``open`` (and ``os.open``) of a file called ``name`` fail with ``code``."""
    refused: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def check(path: Any) -> None:
        if isinstance(path, (str, os.PathLike)) and os.path.basename(os.fspath(path)) == name:
            refused.append(os.fspath(path))
            raise OSError(code, os.strerror(code), os.fspath(path))

    def failing_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        check(file)
        return real_open(file, *args, **kwargs)

    def failing_os_open(path: Any, *args: Any, **kwargs: Any) -> int:
        check(path)
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", failing_open)
    monkeypatch.setattr(os, "open", failing_os_open)
    return refused


@pytest.mark.parametrize("code", [errno.EIO, errno.EACCES])
def test_an_unreadable_header_is_read_failed_and_counts_no_attempt(
    root: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    device = make_device(root)
    vault, code_ = new_vault(device)
    vault.lock()
    before = snapshot(root)
    with monkeypatch.context() as patched:
        refused = refuse_reading(patched, "header", code)
        for call in (
            lambda: device.unlock(vault.id, PIN),
            lambda: device.recover(vault.id, code_, NEW_PIN),
            device.profiles,
        ):
            with pytest.raises(ReadFailed) as caught:
                call()
            assert isinstance(caught.value, StorageError)
            assert caught.value.key == "error.storage_read"
            assert caught.value.params == {"file": f"vaults/{vault.id}/header"}
        assert refused
    assert snapshot(root) == before
    device.unlock(vault.id, PIN)


def test_an_unreadable_attempts_file_is_read_failed(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = make_device(root)
    vault, _ = new_vault(device)
    with pytest.raises(WrongPin):
        device.unlock(vault.id, "000000")  # now there is an attempts file
    with monkeypatch.context() as patched:
        refuse_reading(patched, "attempts")
        for call in (lambda: device.unlock(vault.id, PIN), lambda: device.retry_after(vault.id)):
            with pytest.raises(ReadFailed) as caught:
                call()
            assert caught.value.params == {"file": f"vaults/{vault.id}/attempts"}
    device.unlock(vault.id, PIN)


@pytest.mark.parametrize("which", ["conversation", "catalog"])
def test_an_unreadable_shard_is_read_failed_and_nothing_changes(
    root: Path, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    device = make_device(root)
    vault, _ = new_vault(device)
    cid = conversation_id()
    vault.put_record(cid, "t", {"id": "x"})
    vault.put_index({cid: {"v": 1}})
    vault.lock()
    reopened = device.unlock(vault.id, PIN)  # a fresh vault: nothing cached yet
    before = snapshot(root)
    name, label = (
        (cid, f"vaults/{vault.id}/shards/{cid[:2]}/{cid}")
        if which == "conversation"
        else ("catalog", f"vaults/{vault.id}/shards/catalog")
    )
    calls = (
        [lambda: reopened.read_shard(cid), lambda: reopened.put_record(cid, "t", {"id": "y"})]
        if which == "conversation"
        else [reopened.index, lambda: reopened.get_meta("k"), lambda: reopened.put_meta("k", {})]
    )
    with monkeypatch.context() as patched:
        refuse_reading(patched, name)
        for call in calls:
            with pytest.raises(ReadFailed) as caught:
                call()
            assert caught.value.params == {"file": label}
    assert snapshot(root) == before
    assert reopened.read_shard(cid) == {"t": {"x": {"id": "x"}}}
    assert reopened.index() == {cid: {"v": 1}}


def test_an_unlistable_folder_is_read_failed(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    device = make_device(root)
    vault, _ = new_vault(device)
    vault.put_record(conversation_id(), "t", {"id": "x"})
    real_listdir = os.listdir

    def refusing(path: Any = ".") -> list[str]:
        raise OSError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))

    with monkeypatch.context() as patched:
        patched.setattr(os, "listdir", refusing)
        with pytest.raises(ReadFailed) as caught:
            device.profiles()
        assert caught.value.params == {"file": "vaults"}
        with pytest.raises(ReadFailed) as caught:
            vault.shard_ids()
        assert caught.value.params == {"file": f"vaults/{vault.id}/shards"}
    assert os.listdir is real_listdir
    assert len(vault.shard_ids()) == 1


# -- a folder fsync that fails after the rename ------------------------------------------


def fail_folder_fsync(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Makes fsync fail only on folders (the O_RDONLY folder fd ``sync_folder`` opens)."""
    failed: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            failed.append(fd)
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return failed


def test_a_failed_folder_fsync_after_the_rename_keeps_memory_equal_to_disk(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = make_device(root)
    vault, _ = new_vault(device)
    cid = conversation_id()
    vault.put_record(cid, "preparations", preparation("p1", "første svar"))
    vault.put_index({cid: {"state": "preparing"}})
    with monkeypatch.context() as patched:
        failed = fail_folder_fsync(patched)
        with pytest.raises(NotDurable) as caught:
            vault.put_record(cid, "preparations", preparation("p1", "andet svar"))
        assert isinstance(caught.value, WriteFailed)  # screens show a save problem
        assert caught.value.key == "error.not_durable"  # "saved, save again to be sure"
        assert caught.value.params == {"file": f"vaults/{vault.id}/shards/{cid[:2]}/{cid}"}
        with pytest.raises(NotDurable):
            vault.put_index({cid: {"state": "held"}})
        assert failed
    # memory holds what is on disk: the new version
    assert vault.read_shard(cid)["preparations"]["p1"] == preparation("p1", "andet svar")
    assert vault.index() == {cid: {"state": "held"}}
    fresh = make_device(root).unlock(vault.id, PIN)
    assert fresh.read_shard(cid)["preparations"]["p1"] == preparation("p1", "andet svar")
    assert fresh.index() == {cid: {"state": "held"}}
    fresh.lock()
    # the next save builds on that version, so nothing the disk already had is undone
    vault.put_record(cid, "preparations", preparation("p2", "næste svar"))
    again = make_device(root).unlock(vault.id, PIN).read_shard(cid)["preparations"]
    assert again == {
        "p1": preparation("p1", "andet svar"),
        "p2": preparation("p2", "næste svar"),
    }


# -- killed while saving --------------------------------------------------------------


class Acks:
    """The highest acknowledged number per saved thing, across all child processes."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str, str], int] = {}
        self.index: dict[str, int] = {}
        self.meta: dict[str, int] = {}
        self.count = 0

    def take(self, output: bytes) -> None:
        for line in output.decode().splitlines(keepends=True):
            if not line.endswith("\n"):
                continue  # cut off by the kill: never acknowledged
            kind, *fields = line.split()
            if kind == "rec":
                shard, table, rid, n = fields
                self._raise(self.records, (shard, table, rid), int(n))
            elif kind == "cat":
                self._raise(self.index, fields[0], int(fields[1]))
            elif kind == "meta":
                self._raise(self.meta, fields[0], int(fields[1]))

    def _raise(self, table: dict[Any, int], key: Any, n: int) -> None:
        table[key] = max(table.get(key, 0), n)
        self.count += 1

    def check(self, vault: Vault) -> None:
        shards = {sid: vault.read_shard(sid) for sid in vault.shard_ids()}
        for (shard, table, rid), n in self.records.items():
            assert shards[shard][table][rid]["n"] >= n, (shard, table, rid)
        index = vault.index()
        for cid, n in self.index.items():
            assert index[cid]["n"] >= n, cid
        for key, n in self.meta.items():
            meta = vault.get_meta(key)
            assert meta is not None and meta["n"] >= n, key


def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob(".*.tmp")]


@pytest.mark.slow
def test_killed_while_autosaving_loses_nothing_acknowledged(root: Path) -> None:
    kills = 200
    rng = random.Random(20261122)
    vault, _ = new_vault(make_device(root))
    profile_id = vault.id
    vault.lock()
    acks = Acks()
    crashed_mid_write = 0
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    started = time.monotonic()
    for kill in range(kills):
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.storage_child",
                str(root),
                profile_id,
                PIN,
                str(kill * 1_000_000),
                str(rng.randrange(2**32)),
            ],
            stdout=subprocess.PIPE,
            cwd=PROJECT,
            env=env,
        )
        assert child.stdout is not None
        assert child.stdout.readline() == b"ready\n", "child did not start"
        time.sleep(rng.uniform(0.0, 0.03))
        child.send_signal(signal.SIGKILL)
        output, _ = child.communicate()
        assert child.returncode == -signal.SIGKILL
        acks.take(output)
        crashed_mid_write += bool(temp_files(root))
        reopened = Device(root, clock=FakeClock(time.time())).unlock(profile_id, PIN)
        acks.check(reopened)
        assert temp_files(root) == []
        reopened.lock()
    elapsed = time.monotonic() - started
    assert acks.count > kills * 5, "too few saves to mean anything"
    assert crashed_mid_write > 0, "no kill landed inside a save"
    print(
        f"{kills} kills, {acks.count} acknowledged saves, "
        f"{crashed_mid_write} kills inside a save, {elapsed:.1f} s"
    )

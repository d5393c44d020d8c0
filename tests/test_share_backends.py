"""One conformance suite for every ``sync.share.Share`` backend, plus their faults.

The suite runs against ``FolderShare`` on a temp dir and against ``SmbShare`` on a real
Samba server on loopback (``tests/samba.py``). ``Backend.dir`` is the share's folder as
the server sees it, used to plant files (half-written temps) behind the client's back.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import smbclient
from smbprotocol.exceptions import SMBConnectionClosed, SMBOSError

from sync import folder as folder_module
from sync.folder import FolderShare
from sync.locations import describe, open_share
from sync.share import Share, ShareFull, ShareUnavailable
from sync.smb import SmbLocation, SmbShare
from tests.samba import SambaServer, samba_fixture, samba_server_fixture  # noqa: F401

HOUR = 3600.0


@dataclass
class Backend:
    kind: str
    dir: Path
    make: Callable[[], Share]
    shares: list[Share] = field(default_factory=list)

    def share(self) -> Share:
        made = self.make()
        self.shares.append(made)
        return made

    def temps(self) -> list[str]:
        return sorted(str(path.relative_to(self.dir)) for path in self.dir.rglob(".tmp-*"))


def _smb(server: SambaServer, folder: str, **options: float) -> SmbShare:
    return SmbShare(
        server.location(folder),
        username=server.username,
        password=server.password,
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture(params=["folder", "smb"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "folder":
        root = tmp_path / "share"
        root.mkdir()
        made = Backend("folder", root, lambda: FolderShare(root))
    else:
        server: SambaServer = request.getfixturevalue("samba")
        name = f"t{time.monotonic_ns()}"
        root = server.share_dir / name
        root.mkdir()
        made = Backend("smb", root, lambda: _smb(server, name, timeout=10.0))
    yield made
    for share in made.shares:
        if isinstance(share, SmbShare):
            share.close()


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


# -- conformance ---------------------------------------------------------------------


def test_write_once_creates_and_never_overwrites(backend: Backend) -> None:
    share = backend.share()
    assert share.write_once("objects/ab/abc123", b"first") is True
    assert share.read("objects/ab/abc123") == b"first"
    assert (backend.dir / "objects" / "ab" / "abc123").read_bytes() == b"first"
    assert share.write_once("objects/ab/abc123", b"second") is False
    assert share.read("objects/ab/abc123") == b"first"
    assert share.write_once("objects/ab/abc123", b"first") is False  # same push twice
    assert share.write_once("empty", b"") is True
    assert share.read("empty") == b""
    assert backend.temps() == []


def test_read_missing_is_none(backend: Backend) -> None:
    share = backend.share()
    assert share.read("nothing") is None
    assert share.read("no/such/folder/file") is None
    share.write_once("file", b"x")
    assert share.read("file/below") is None  # a file where a folder would be
    share.write_once("folder/file", b"x")
    assert share.read("folder") is None  # a folder where a file would be
    assert share.write_once("folder", b"x") is False


def test_list_sorted_without_temps(backend: Backend) -> None:
    share = backend.share()
    for name in ("c2", "a1", "B3", "b.4"):
        assert share.write_once(f"journal/dev1/{name}", name.encode())
    (backend.dir / "journal" / "dev1" / ".tmp-half").write_bytes(b"half")
    (backend.dir / "journal" / "dev1" / ".DS_Store").write_bytes(b"")
    assert share.list("journal/dev1") == ["B3", "a1", "b.4", "c2"]
    assert share.list("journal") == ["dev1"]
    assert share.list("") == ["journal"]
    assert share.list("journal/missing") == []
    assert share.list("journal/dev1/a1") == []  # a file, not a folder


def test_nested_folders_created_on_demand(backend: Backend) -> None:
    share = backend.share()
    assert share.write_once("a/b/c/d/e", b"deep")
    assert share.write_once("a/b/x", b"side")
    assert share.list("a/b/c/d") == ["e"]
    assert share.list("a/b") == ["c", "x"]
    assert (backend.dir / "a" / "b" / "c" / "d" / "e").read_bytes() == b"deep"


@pytest.mark.parametrize(
    "path", ["../x", "/abs", "a//b", ".hidden", "a/../b", "a/./b", "", "a/", "a\\b", "ä"]
)
def test_bad_paths_rejected(backend: Backend, path: str) -> None:
    share = backend.share()
    with pytest.raises(ValueError):
        share.read(path)
    with pytest.raises(ValueError):
        share.write_once(path, b"x")
    if path:  # "" lists the share's own folder
        with pytest.raises(ValueError):
            share.list(path)
    assert list(backend.dir.iterdir()) == []


def test_concurrent_writers_exactly_one_wins(backend: Backend) -> None:
    shares = [backend.share(), backend.share()]  # two devices
    payloads = [bytes([65 + n]) * 300_000 for n in range(2)]
    for round_ in range(8):
        path = f"objects/cc/race{round_}"
        barrier = threading.Barrier(2)
        results: dict[int, bool] = {}
        errors: list[BaseException] = []

        def push(
            n: int,
            target: str,
            gate: threading.Barrier,
            results: dict[int, bool],
            errors: list[BaseException],
        ) -> None:
            try:
                gate.wait(5)
                results[n] = shares[n].write_once(target, payloads[n])
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [
            threading.Thread(target=push, args=(n, path, barrier, results, errors))
            for n in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert errors == []
        assert sorted(results.values()) == [False, True]
        winner = next(n for n, won in results.items() if won)
        assert shares[0].read(path) == payloads[winner]
        assert (backend.dir / "objects" / "cc" / f"race{round_}").read_bytes() == payloads[winner]
    assert backend.temps() == []


def test_sweep_removes_old_temps_only(backend: Backend) -> None:
    share = backend.share()
    share.write_once("objects/ab/keep", b"keep")
    old_top = backend.dir / ".tmp-old1"
    old_deep = backend.dir / "objects" / "ab" / ".tmp-old2"
    fresh = backend.dir / "objects" / "ab" / ".tmp-fresh"
    for path in (old_top, old_deep, fresh):
        path.write_bytes(b"partial")
    _age(old_top, HOUR)
    _age(old_deep, HOUR)
    _age(backend.dir / "objects" / "ab" / "keep", HOUR)  # old, but not a temp
    assert share.sweep_temps() == 2
    assert backend.temps() == ["objects/ab/.tmp-fresh"]
    assert share.read("objects/ab/keep") == b"keep"
    assert share.sweep_temps() == 0


# -- FolderShare faults ----------------------------------------------------------------


def test_folder_root_gone_is_unavailable(tmp_path: Path) -> None:
    root = tmp_path / "mnt"
    root.mkdir()
    share = FolderShare(root)
    share.write_once("objects/ab/x", b"x")
    root.rename(tmp_path / "away")  # the drive was unmounted / moved
    with pytest.raises(ShareUnavailable):
        share.read("objects/ab/x")
    with pytest.raises(ShareUnavailable):
        share.write_once("objects/ab/y", b"y")
    with pytest.raises(ShareUnavailable):
        share.list("objects")
    with pytest.raises(ShareUnavailable):
        share.sweep_temps()
    assert not root.exists()  # never recreated
    (tmp_path / "away").rename(root)
    assert share.read("objects/ab/x") == b"x"


def test_folder_root_gone_mid_write_leaves_nothing_visible(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "mnt"
    root.mkdir()
    share = FolderShare(root)
    real_fsync = os.fsync

    def unmount_then_fsync(fd: int) -> None:
        real_fsync(fd)
        if root.exists():
            root.rename(tmp_path / "away")

    monkeypatch.setattr(os, "fsync", unmount_then_fsync)
    with pytest.raises(ShareUnavailable):
        share.write_once("objects/ab/x", b"x" * 10_000)
    monkeypatch.undo()
    (tmp_path / "away").rename(root)
    assert share.read("objects/ab/x") is None
    assert share.list("objects/ab") == []
    assert share.write_once("objects/ab/x", b"x" * 10_000) is True


@pytest.mark.parametrize("code", [errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)])
def test_folder_full_is_share_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    share = FolderShare(tmp_path)
    share.write_once("objects/ab/old", b"old")
    real_write = os.write

    def full(fd: int, data: bytes) -> int:
        if len(data) > 100:
            raise OSError(code, os.strerror(code))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(ShareFull) as caught:
        share.write_once("objects/ab/new", b"n" * 1000)
    assert caught.value.key == "error.share_full"
    monkeypatch.undo()
    assert share.read("objects/ab/new") is None
    assert sorted(p.name for p in (tmp_path / "objects" / "ab").iterdir()) == ["old"]


def test_folder_full_on_mkdir_is_share_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    share = FolderShare(tmp_path)

    def full(path: object, mode: int = 0o777) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "mkdir", full)
    with pytest.raises(ShareFull):
        share.write_once("objects/ab/new", b"n")


def test_folder_permission_error_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    share = FolderShare(tmp_path)

    def denied(*args: object, **kwargs: object) -> int:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(ShareUnavailable):
        share.write_once("x", b"x")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("renameat2", [True, False])
def test_folder_without_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renameat2: bool
) -> None:
    """FAT, some FUSE/CIFS mounts: no link(); fall back to a rename that cannot replace."""

    def no_link(src: object, dst: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_link)
    if not renameat2:
        monkeypatch.setattr(folder_module, "_renameat2", None)
    share = FolderShare(tmp_path)
    assert share.write_once("a/x", b"1") is True
    assert share.write_once("a/x", b"2") is False
    assert share.read("a/x") == b"1"
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["x"]


def test_folder_tilde_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "drev").mkdir()
    share = open_share("~/drev")
    assert isinstance(share, FolderShare)
    assert share.write_once("x", b"x")
    assert (tmp_path / "drev" / "x").read_bytes() == b"x"


# -- SmbShare faults -------------------------------------------------------------------


@pytest.fixture
def smb_dir(samba: SambaServer) -> Iterator[tuple[SambaServer, str]]:
    name = f"f{time.monotonic_ns()}"
    (samba.share_dir / name).mkdir()
    yield samba, name


def test_smb_server_stopped_then_back(smb_dir: tuple[SambaServer, str]) -> None:
    server, name = smb_dir
    share = _smb(server, name, timeout=10.0, connection_timeout=2.0)
    assert share.write_once("objects/ab/before", b"before")
    server.stop()
    try:
        for call in (
            lambda: share.write_once("objects/ab/during", b"during"),
            lambda: share.read("objects/ab/before"),
            lambda: share.list("objects/ab"),
            share.sweep_temps,
        ):
            started = time.monotonic()
            with pytest.raises(ShareUnavailable):
                call()
            assert time.monotonic() - started < 3.0
    finally:
        server.start()
    assert share.read("objects/ab/before") == b"before"  # same object, new connection
    assert share.write_once("objects/ab/after", b"after")
    assert share.list("objects/ab") == ["after", "before"]
    share.close()


def test_smb_hung_server_times_out(smb_dir: tuple[SambaServer, str]) -> None:
    server, name = smb_dir
    share = _smb(server, name, timeout=1.5, connection_timeout=1.0)
    assert share.write_once("x", b"x")
    server.pause()
    try:
        for call in (lambda: share.read("x"), lambda: share.write_once("y", b"y")):
            started = time.monotonic()
            with pytest.raises(ShareUnavailable, match=r"did not answer|not reachable"):
                call()
            assert time.monotonic() - started < 5.0
    finally:
        server.resume()
    assert share.read("x") == b"x"
    workers = [t for t in threading.enumerate() if t.name.endswith(f":{server.port}")]
    assert len(workers) <= 2  # failed connection attempts leave no receiver threads behind
    share.close()


def test_smb_rename_landed_but_client_saw_cut(
    smb_dir: tuple[SambaServer, str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server, name = smb_dir
    share = _smb(server, name)
    real_rename = smbclient.rename

    def rename_then_cut(src: str, dst: str, **kwargs: object) -> None:
        real_rename(src, dst, **kwargs)
        raise SMBConnectionClosed("connection cut after the rename")

    monkeypatch.setattr(smbclient, "rename", rename_then_cut)
    data = os.urandom(2048)
    with pytest.raises(ShareUnavailable):
        share.write_once("objects/ab/h1", data)
    monkeypatch.undo()
    assert share.write_once("objects/ab/h1", data) is False  # the retry: already there
    assert share.read("objects/ab/h1") == data
    with caplog.at_level(logging.WARNING, logger="sync.smb"):
        assert share.write_once("objects/ab/h1", b"SECRET-other-bytes") is False
    assert "other bytes" in caplog.text
    assert "SECRET" not in caplog.text and server.password not in caplog.text
    assert share.read("objects/ab/h1") == data
    assert list((server.share_dir / name).rglob(".tmp-*")) == []
    share.close()


def test_smb_half_written_temp_invisible_and_swept(smb_dir: tuple[SambaServer, str]) -> None:
    server, name = smb_dir
    share = _smb(server, name)
    assert share.write_once("journal/dev/0001", b"seg")
    half = server.share_dir / name / "journal" / "dev" / ".tmp-x"
    half.write_bytes(b"half a segm")
    assert share.list("journal/dev") == ["0001"]
    assert share.sweep_temps() == 0  # fresh: maybe someone is still writing it
    _age(half, HOUR)
    assert share.sweep_temps() == 1
    assert not half.exists()
    share.close()


def test_smb_disk_full_is_share_full(
    smb_dir: tuple[SambaServer, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, name = smb_dir
    share = _smb(server, name)
    assert share.write_once("a", b"a")
    real_open = smbclient.open_file

    def full(path: str, mode: str = "r", **kwargs: object) -> object:
        if "x" in mode:
            raise SMBOSError(0xC000007F, path)  # STATUS_DISK_FULL
        return real_open(path, mode=mode, **kwargs)

    monkeypatch.setattr(smbclient, "open_file", full)
    with pytest.raises(ShareFull):
        share.write_once("b", b"b")
    monkeypatch.undo()
    assert share.list("") == ["a"]
    share.close()


def test_smb_missing_base_folder_is_unavailable(samba: SambaServer) -> None:
    share = _smb(samba, "not-created-yet")
    with pytest.raises(ShareUnavailable, match="folder not found"):
        share.read("x")
    with pytest.raises(ShareUnavailable):
        share.write_once("x", b"x")
    assert not (samba.share_dir / "not-created-yet").exists()
    (samba.share_dir / "not-created-yet").mkdir()
    assert share.write_once("x", b"x")
    share.close()


def test_smb_wrong_password_is_unavailable(smb_dir: tuple[SambaServer, str]) -> None:
    server, name = smb_dir
    share = SmbShare(server.location(name), username=server.username, password="wrong")
    with pytest.raises(ShareUnavailable) as caught:
        share.list("")
    assert "wrong" not in str(caught.value)


def test_smb_session_is_encrypted(smb_dir: tuple[SambaServer, str]) -> None:
    server, name = smb_dir
    share = _smb(server, name)
    assert share.list("") == []
    sessions = [s for c in share._cache.values() for s in c.session_table.values()]
    assert sessions and all(s.encrypt_data for s in sessions)
    share.close()


def test_smb_unencrypted_when_asked(smb_dir: tuple[SambaServer, str]) -> None:
    server, name = smb_dir
    share = SmbShare(
        server.location(name), username=server.username, password=server.password, encrypt=False
    )
    assert share.write_once("x", b"x")
    sessions = [s for c in share._cache.values() for s in c.session_table.values()]
    assert sessions and not any(s.encrypt_data for s in sessions)
    share.close()


# -- locations -------------------------------------------------------------------------


def test_open_share_picks_backend(tmp_path: Path) -> None:
    smb = open_share("smb://nas.local/Fælles%20drev/samtale", username="u", password="p")
    assert isinstance(smb, SmbShare)
    assert smb.location == SmbLocation("nas.local", "Fælles drev", ("samtale",), 445)
    assert isinstance(open_share(str(tmp_path)), FolderShare)
    assert isinstance(open_share(f"file://{tmp_path}"), FolderShare)
    for bad in ("ftp://host/x", "https://host/share", "webdav://x/y"):
        with pytest.raises(ValueError, match="unsupported"):
            open_share(bad)
    for bad in ("smb://host", "smb://host/", "smb:///share", "smb://host:99999/s", ""):
        with pytest.raises(ValueError):
            open_share(bad)


def test_smb_location_parsing_and_describe() -> None:
    loc = SmbLocation.parse("smb://KOMMUNE;anna:hemmelig@fil01:1445/Data/HR/samtale")
    assert (loc.host, loc.port, loc.share, loc.base) == ("fil01", 1445, "Data", ("HR", "samtale"))
    assert (loc.username, loc.password) == ("KOMMUNE\\anna", "hemmelig")
    assert "hemmelig" not in repr(loc) and "hemmelig" not in repr(SmbShare(loc))
    assert loc.describe() == "smb://fil01:1445/Data/HR/samtale"
    shown = describe("smb://anna:hemmelig@fil01/Data")
    assert shown == "smb://fil01/Data"
    assert describe("~/x") == os.path.expanduser("~/x")


# -- measurements (printed; run with -s to see them) ---------------------------------


def test_measure_100_writes_and_reads(backend: Backend) -> None:
    share = backend.share()
    payloads = [os.urandom(2048) for _ in range(100)]
    started = time.perf_counter()
    for n, data in enumerate(payloads):
        assert share.write_once(f"objects/{n % 16:02x}/rec{n:03d}", data)
    wrote = time.perf_counter() - started
    started = time.perf_counter()
    for n, data in enumerate(payloads):
        assert share.read(f"objects/{n % 16:02x}/rec{n:03d}") == data
    read = time.perf_counter() - started
    print(f"\n{backend.kind}: 100 x write_once 2 KB {wrote:.3f} s, 100 x read {read:.3f} s")
    assert wrote + read < 6.0

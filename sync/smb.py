"""A share spoken to directly over SMB 2/3 with ``smbprotocol``'s ``smbclient`` (no mount).

Implements ``sync.share.Share`` for ``smb://host[:port]/share[/folder...]`` locations,
for tablets and phones that cannot mount a network drive.

How the contract is kept over SMB:

- **Write once**: the bytes go to ``<dir>/.tmp-<random>`` (created exclusively), and are
  published with ``smbclient.rename``, which the server refuses when the final name
  exists (``STATUS_OBJECT_NAME_COLLISION``) — exactly the write-once rule. Then the temp
  is removed and False returned. A rename can succeed on the server while the client sees
  the connection cut; the retry then finds the final file and compares bytes: equal means
  the earlier push landed (False, nothing to do). Different bytes cannot happen for
  content-addressed paths; it is logged (path and sizes only) and also answered False,
  as the contract says for any existing path.
- **Bounded time**: every call runs under a watchdog. ``connection_timeout`` bounds the
  TCP connect and negotiation, and when a whole call takes longer than ``timeout`` the
  watchdog shuts the socket down, which wakes the blocked call; it then raises
  ``ShareUnavailable``. A hung server can never block the caller forever.
- **Failures**: a cut connection (``SMBConnectionClosed``), a refused one (smbprotocol
  raises a plain ``ValueError``), ``OSError``/``SMBOSError`` and any other failure inside
  the client become ``ShareUnavailable``; ``STATUS_DISK_FULL``/quota become ``ShareFull``.
  After a failure the connection is dropped, and the next call connects and logs in
  again, so the same ``SmbShare`` works again once the server is back.
- Each ``SmbShare`` keeps its own connection cache (not smbclient's global one), and the
  port and credentials are passed on every call. Calls on one object are serialised.
- The base folder (``/share/folder``) is never created: if it is missing the share is
  unavailable, as for an unmounted drive. Folders below it are created on demand.
- Nothing here logs file contents or credentials.
- NTLM's RC4 is plain Python (``sync.ntlm``): phones run with OpenSSL's legacy provider
  off, where pyspnego's RC4 would fail every user-name/password login.
"""

from __future__ import annotations

import builtins
import errno
import logging
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import smbclient
from smbclient import ClientConfig
from smbprotocol.connection import Connection
from smbprotocol.exceptions import SMBOSError

from sync.ntlm import use_plain_rc4
from sync.share import (
    TEMP_PREFIX,
    ShareFull,
    ShareUnavailable,
    SyncError,
    check_path,
    is_temp,
)

log = logging.getLogger(__name__)
use_plain_rc4()

DEFAULT_PORT = 445
SWEEP_AGE = 15 * 60.0
"""Seconds a temp file must be untouched before ``sweep_temps`` removes it. Generous,
because the age compares the server's clock with this device's."""

_STATUS_DISK_FULL = 0xC000007F
_STATUS_QUOTA_EXCEEDED = 0xC0000044
_FULL_STATUS = {_STATUS_DISK_FULL, _STATUS_QUOTA_EXCEEDED}
_FULL_ERRNO = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_MISSING = {errno.ENOENT, errno.ENOTDIR}

T = TypeVar("T")


@dataclass(frozen=True)
class SmbLocation:
    """An ``smb://`` location, parsed. ``base`` is the folder inside the share."""

    host: str
    share: str
    base: tuple[str, ...] = ()
    port: int = DEFAULT_PORT
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)

    @classmethod
    def parse(cls, location: str) -> SmbLocation:
        """``smb://[domain;][user[:password]@]host[:port]/share[/folder...]``."""
        parts = urlsplit(location)
        if parts.scheme.lower() != "smb":
            raise ValueError(f"not an smb:// location: {describe_smb(location)}")
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError as exc:
            raise ValueError(f"bad port in {describe_smb(location)}") from exc
        host = parts.hostname or ""
        if not host or ":" in host:
            raise ValueError(f"no usable host in {describe_smb(location)}")
        names = [unquote(part) for part in parts.path.split("/") if part]
        if not names:
            raise ValueError(f"no share named in {describe_smb(location)} (smb://host/share)")
        if any(name in (".", "..") or "\\" in name for name in names):
            raise ValueError(f"bad folder in {describe_smb(location)}")
        username = unquote(parts.username or "").replace(";", "\\")  # smb://DOMAIN;user@host
        return cls(
            host=host,
            share=names[0],
            base=tuple(names[1:]),
            port=port,
            username=username,
            password=unquote(parts.password or ""),
        )

    def describe(self) -> str:
        """The location without credentials, for screens and logs."""
        port = "" if self.port == DEFAULT_PORT else f":{self.port}"
        return "/".join([f"smb://{self.host}{port}", self.share, *self.base])


def describe_smb(location: str) -> str:
    """An ``smb://`` location with any user name and password removed."""
    parts = urlsplit(location)
    netloc = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{netloc}{parts.path}"


class SmbShare:
    """``sync.share.Share`` over SMB, via ``smbclient`` with a private connection cache."""

    def __init__(
        self,
        location: SmbLocation | str,
        *,
        username: str = "",
        password: str = "",
        encrypt: bool = True,
        timeout: float = 30.0,
        connection_timeout: float = 10.0,
        sweep_age: float = SWEEP_AGE,
    ) -> None:
        loc = SmbLocation.parse(location) if isinstance(location, str) else location
        self.location = loc
        self.timeout = timeout
        self.sweep_age = sweep_age
        self._username = username or loc.username
        self._password = password or loc.password
        self._cache: dict[str, Any] = {}
        self._kwargs: dict[str, Any] = {
            "port": loc.port,
            "username": self._username or None,
            "password": self._password or None,
            "encrypt": encrypt,
            "connection_timeout": connection_timeout,
            "connection_cache": self._cache,
        }
        self._lock = threading.RLock()
        self._ready = False  # the base folder was checked on the current connection
        self._timed_out = False

    def __repr__(self) -> str:
        return f"SmbShare({self.location.describe()!r})"

    # -- the Share contract ----------------------------------------------------------

    def read(self, path: str) -> bytes | None:
        unc = self._unc(check_path(path))
        return self._call("read", lambda: self._read(unc))

    def write_once(self, path: str, data: bytes) -> bool:
        parts = check_path(path)
        return self._call("write", lambda: self._write_once(path, parts, bytes(data)))

    def list(self, folder: str) -> list[str]:
        unc = self._unc(check_path(folder) if folder else [])
        names = self._call("list", lambda: self._listdir(unc))
        return sorted(name for name in names if not is_temp(name) and _valid_part(name))

    def remove(self, path: str) -> bool:
        """Deletes one file; False when there was none (``sync.share.Erasable``)."""
        unc = self._unc(check_path(path))
        return self._call("remove", lambda: self._remove(unc))

    def sweep_temps(self, under: str = "", older_than: float | None = None) -> int:
        """Remove temp files untouched for ``older_than`` seconds (default ``sweep_age``)
        in the folder ``under`` (all of the share when empty) and below it."""
        age = self.sweep_age if older_than is None else older_than
        cutoff = time.time() - age  # file ages on the server, not the app's day
        parts = check_path(under) if under else []
        return self._call("sweep", lambda: self._sweep(self._unc(parts), cutoff))

    def close(self) -> None:
        """Log off and drop the connection (the next call connects again)."""
        with self._lock:
            self._reset(graceful=True)

    # -- operations (run inside _call) -----------------------------------------------

    def _read(self, unc: str) -> bytes | None:
        try:
            with smbclient.open_file(unc, mode="rb", share_access="r", **self._kwargs) as file:
                data: bytes = file.read()
        except SMBOSError as exc:
            if exc.errno in _MISSING or exc.errno == errno.EISDIR:  # no file there
                return None
            raise
        return data

    def _write_once(self, path: str, parts: Sequence[str], data: bytes) -> bool:
        final = self._unc(parts)
        temp = self._unc([*parts[:-1], TEMP_PREFIX + secrets.token_hex(8)])
        try:
            self._write_temp(temp, data)
        except SMBOSError as exc:
            if exc.errno not in _MISSING:
                raise
            self._make_dirs(parts[:-1])
            self._write_temp(temp, data)
        try:
            smbclient.rename(temp, final, **self._kwargs)
        except SMBOSError as exc:
            # The server answered, so the connection is fine: do not leave the temp.
            with suppress(SMBOSError):
                smbclient.remove(temp, **self._kwargs)
            if exc.errno != errno.EEXIST:
                raise
        else:
            return True
        existing = self._read(final)
        if existing != data:
            log.warning(
                "share file %s exists with other bytes (%s here, %s there); kept as is",
                path,
                len(data),
                None if existing is None else len(existing),
            )
        return False

    def _remove(self, unc: str) -> bool:
        try:
            smbclient.remove(unc, **self._kwargs)
        except SMBOSError as exc:
            if exc.errno in _MISSING:
                return False
            raise
        return True

    def _write_temp(self, unc: str, data: bytes) -> None:
        with smbclient.open_file(unc, mode="xb", buffering=0, **self._kwargs) as file:
            view = memoryview(data)
            while view:
                view = view[file.write(view) :]
            file.flush()  # SMB2 FLUSH: the server commits the bytes before the rename

    def _make_dirs(self, parts: Sequence[str]) -> None:
        """Create the folders below the base one level at a time; never the base."""
        for depth in range(1, len(parts) + 1):
            try:
                smbclient.mkdir(self._unc(parts[:depth]), **self._kwargs)
            except SMBOSError as exc:
                if exc.errno == errno.EEXIST:
                    continue
                if exc.errno in _MISSING:
                    raise ShareUnavailable(
                        f"folder not found on the share: {self.location.describe()}",
                        location=self.location.describe(),
                    ) from exc
                raise

    def _listdir(self, unc: str) -> builtins.list[str]:
        try:
            names: builtins.list[str] = smbclient.listdir(unc, **self._kwargs)
        except SMBOSError as exc:
            if exc.errno in _MISSING:
                return []
            raise
        return names

    def _sweep(self, unc: str, cutoff: float) -> int:
        try:
            with smbclient.scandir(unc, **self._kwargs) as entries:
                found = [(entry.name, entry.path, entry.smb_info) for entry in entries]
        except SMBOSError as exc:
            if exc.errno in _MISSING:
                return 0
            raise
        removed = 0
        for name, entry_path, info in found:
            is_dir = bool(info.file_attributes & 0x10)  # FILE_ATTRIBUTE_DIRECTORY
            if is_dir and not is_temp(name):
                removed += self._sweep(entry_path, cutoff)
            elif not is_dir and is_temp(name) and _timestamp(info.last_write_time) <= cutoff:
                try:
                    smbclient.remove(entry_path, **self._kwargs)
                except SMBOSError as exc:
                    # Gone meanwhile, or still open by its writer (sharing violation).
                    if exc.errno not in (errno.ENOENT, errno.EPERM, errno.EACCES):
                        raise
                    continue
                removed += 1
        return removed

    # -- connection handling ---------------------------------------------------------

    def _unc(self, parts: Sequence[str]) -> str:
        loc = self.location
        return "\\".join([f"\\\\{loc.host}", loc.share, *loc.base, *parts])

    def _call(self, action: str, operation: Callable[[], T]) -> T:
        with self._lock, self._guard(action):
            if not self._ready:
                self._check_base()
                self._ready = True
            return operation()

    def _connect(self) -> None:
        """Connect and log in. Done here rather than left to ``smbclient`` so that a
        connection whose negotiation fails is closed, not left with a socket and a
        receiver thread (smbprotocol leaks both then)."""
        loc = self.location
        key = f"{loc.host.lower()}:{loc.port}"
        connection = self._cache.get(key)
        if connection is None or not connection.transport.connected:
            connection = Connection(ClientConfig().client_guid, loc.host, loc.port)
            self._cache[key] = connection  # visible to the watchdog meanwhile
            try:
                connection.connect(timeout=self._kwargs["connection_timeout"])
            except BaseException:
                self._cache.pop(key, None)
                if connection.transport is not None:
                    with suppress(Exception):
                        connection.disconnect(close=False)
                raise
        smbclient.register_session(loc.host, **self._kwargs)

    def _check_base(self) -> None:
        """Connect, log in and make sure the base folder exists."""
        self._connect()
        unc = self._unc([])
        try:
            info = smbclient.stat(unc, **self._kwargs)
        except SMBOSError as exc:
            if exc.errno in _MISSING:
                raise ShareUnavailable(
                    f"folder not found on the share: {self.location.describe()}",
                    location=self.location.describe(),
                ) from exc
            raise
        if not info.st_mode & 0o040000:
            raise ShareUnavailable(
                f"not a folder on the share: {self.location.describe()}",
                location=self.location.describe(),
            )

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        self._timed_out = False
        watchdog = threading.Timer(self.timeout, self._expire)
        watchdog.daemon = True
        started = time.monotonic()
        watchdog.start()
        where = self.location.describe()
        try:
            yield
        except ShareFull:
            raise
        except SyncError:
            self._reset()
            raise
        except Exception as exc:
            status = getattr(exc, "ntstatus", None) or getattr(exc, "status", None)
            if status in _FULL_STATUS or getattr(exc, "errno", None) in _FULL_ERRNO:
                raise ShareFull(f"share is full ({action}): {where}", location=where) from exc
            self._reset()
            if self._timed_out:
                message = f"share did not answer within {self.timeout:g} s ({action}): {where}"
            else:
                message = f"share not reachable ({action}): {where}: {type(exc).__name__}"
            log.info("%s after %.1f s", message, time.monotonic() - started)
            raise ShareUnavailable(message, location=where) from exc
        finally:
            watchdog.cancel()
        if self._timed_out:  # finished just as the watchdog fired: the socket is gone
            self._reset()

    def _expire(self) -> None:
        """Watchdog: shut the sockets so a call blocked on a hung server returns."""
        self._timed_out = True
        for connection in list(self._cache.values()):
            sock = getattr(getattr(connection, "transport", None), "_sock", None)
            if sock is not None:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _reset(self, *, graceful: bool = False) -> None:
        """Forget the connection; the next call connects and logs in again."""
        self._ready = False
        connections = list(self._cache.values())
        self._cache.clear()
        for connection in connections:
            with suppress(Exception):
                connection.disconnect(close=graceful, timeout=2)


def _valid_part(name: str) -> bool:
    try:
        check_path(name)
    except ValueError:
        return False
    return True


def _timestamp(value: datetime | int) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    return float(value)

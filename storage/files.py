"""Durable, atomic file replacement: the one way the vault writes a file.

A save goes to a temp file in the same folder, is written in full, fsynced, renamed over
the old file with ``os.replace`` and made durable by fsyncing the folder. A crash at any
moment leaves either the old file or the new one, never a mix; a half-written temp file
is only ever ciphertext (callers pass sealed bytes) and is removed by ``remove_stale_temps``
on the next unlock. A full disk surfaces as ``DiskFull`` with the old file untouched. A
folder fsync that fails *after* the rename raises ``NotDurable``: the new file is in place,
so a caller that caches content must take the new version before passing the error on.
Every read error other than a missing file surfaces as ``ReadFailed``.

This module knows nothing about encryption or TinyDB; it moves bytes durably.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path

from storage.errors import DiskFull, NotDurable, ReadFailed, WriteFailed

_TEMP_SUFFIX = ".tmp"
_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}
# Folder fsync makes a rename durable on POSIX; Windows cannot open a folder this way.
_SYNC_FOLDERS = os.name == "posix"


def is_temp_name(name: str) -> bool:
    return name.startswith(".") and name.endswith(_TEMP_SUFFIX)


def replace_file(path: Path, data: bytes, *, label: str, durable: bool = True) -> None:
    """Atomically makes ``data`` the content of ``path``; durable when it returns.

    ``label`` names the file in errors (a path relative to the data root). With
    ``durable=False`` (bulk set-up only) nothing is fsynced: atomic but not durable.

    DiskFull / WriteFailed: the old file is untouched. NotDurable (a WriteFailed): ``data``
    *is* the file's content now, but the folder fsync failed, so it may not survive a crash.
    """
    folder = path.parent
    temp = folder / f".{path.name}.{secrets.token_hex(4)}{_TEMP_SUFFIX}"
    try:
        _make_folder(folder, durable=durable)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        try:
            _write_all(fd, data)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise _save_error(exc, label) from exc
    if durable:
        try:
            sync_folder(folder)
        except OSError as exc:
            raise NotDurable(label, _reason(exc)) from exc


def overwrite_file(path: Path, data: bytes, *, label: str) -> None:
    """Writes ``data`` over ``path`` in place: neither atomic nor durable, and about a
    tenth of ``replace_file``'s cost (no temp file, rename or fsync). Only for a file its
    reader checks and can do without — a crash may leave it torn or old (the rollback
    manifests, sealed, which lag by design)."""
    try:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
        except FileNotFoundError:
            _make_folder(path.parent, durable=False)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
        try:
            view, offset = memoryview(data), 0
            while offset < len(data):
                offset += os.pwrite(fd, view[offset:], offset)
            if os.fstat(fd).st_size > len(data):  # a no-op truncate still dirties the inode
                os.ftruncate(fd, len(data))
        finally:
            os.close(fd)
    except OSError as exc:
        raise _save_error(exc, label) from exc


def _save_error(exc: OSError, label: str) -> DiskFull | WriteFailed:
    if exc.errno in _NO_SPACE:
        return DiskFull(label)
    return WriteFailed(label, _reason(exc))


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def read_file(path: Path, *, label: str) -> bytes | None:
    """The file's bytes, or None when it does not exist; ReadFailed naming ``label`` when
    the system refuses to read it (permissions, I/O error, a folder in its place)."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ReadFailed(label, _reason(exc)) from exc


def list_folder(folder: Path, *, label: str) -> list[str]:
    """The names in ``folder``, or ``[]`` when it does not exist; ReadFailed otherwise."""
    try:
        return os.listdir(folder)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ReadFailed(label, _reason(exc)) from exc


def sync_folder(folder: Path) -> None:
    if not _SYNC_FOLDERS:
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temps(folder: Path) -> int:
    """Deletes temp files left by a crash under ``folder``; returns how many.

    Best effort: a temp file is only ciphertext, so one that cannot be listed or deleted
    (permissions, I/O error) is left for a later unlock rather than blocking this one.
    """
    removed = 0
    for current, _dirs, names in os.walk(folder):
        for name in names:
            if is_temp_name(name):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(current, name))
                    removed += 1
    return removed


def _make_folder(folder: Path, *, durable: bool) -> None:
    """Creates missing folders; fsyncs each new folder's parent so the folder survives."""
    if folder.is_dir():
        return
    _make_folder(folder.parent, durable=durable)
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
        if durable:
            sync_folder(folder.parent)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]

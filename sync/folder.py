"""A share that is a local or mounted folder (a network drive, a USB stick, a test dir).

Implements ``sync.share.Share`` with plain file operations:

- ``write_once`` writes ``<dir>/.tmp-<random>`` next to the final name, fsyncs it, then
  publishes it with a call that *fails* when the final name exists: ``os.link`` first,
  then Linux ``renameat2(RENAME_NOREPLACE)`` for filesystems without hard links, then
  ``os.rename`` on Windows (which never replaces). Only where none of these exist does it
  fall back to check-then-rename, which a concurrent writer of the very same path could
  race (harmless for content-addressed files, whose bytes are equal). The temp file is
  always removed and the folder fsynced, so a crash leaves at most an invisible temp.
- The share root itself is never created: a missing root means the drive is not mounted
  (or was moved away), which is ``ShareUnavailable``, not an empty share.
- ``ENOSPC``/``EDQUOT`` become ``ShareFull``; any other ``OSError`` (folder gone, drive
  unmounted, permission denied, I/O error) becomes ``ShareUnavailable``.
- ``list`` leaves out temp files and any other name that is not a valid share path
  part (``.DS_Store``, ``~$lock``): the engine could not ask for them anyway.
- ``sweep_temps`` only removes temps older than ``older_than`` seconds, so another
  device's write in progress is not yanked from under it.
"""

from __future__ import annotations

import ctypes
import errno
import os
import secrets
import stat
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from sync.share import TEMP_PREFIX, ShareFull, ShareUnavailable, check_path, is_temp

SWEEP_AGE = 15 * 60.0
"""Seconds a temp file must be untouched before ``sweep_temps`` removes it."""

_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
# link() is not supported on this filesystem (FAT, some FUSE/CIFS mounts, Android storage).
_NO_LINK = {
    errno.EPERM,
    errno.EOPNOTSUPP,
    getattr(errno, "ENOTSUP", errno.EOPNOTSUPP),
    errno.ENOSYS,
    errno.EMLINK,
    errno.EXDEV,
    errno.EACCES,
}
_RENAME_NOREPLACE = 1
_AT_FDCWD = -100


def _libc_renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        # The process's own symbols include libc's (glibc and Android's bionic alike).
        # Not ctypes.util.find_library: it runs ldconfig, gcc or ld as child processes,
        # at import time, which a packaged app on a phone must not do.
        libc = ctypes.CDLL(None, use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


_renameat2 = _libc_renameat2()


def _rename_noreplace(src: str, dst: str) -> bool:
    """Rename ``src`` to ``dst`` unless ``dst`` exists: True when renamed, False when it
    existed. Raises OSError(ENOTSUP) when the platform has no such rename."""
    if sys.platform == "win32":
        try:
            os.rename(src, dst)  # never replaces on Windows
        except FileExistsError:
            return False
        return True
    if _renameat2 is None:
        raise OSError(errno.ENOTSUP, "no rename without replace here")
    result = _renameat2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code == errno.EEXIST:
        return False
    if code in (errno.EINVAL, errno.ENOSYS):  # filesystem or kernel cannot do NOREPLACE
        raise OSError(errno.ENOTSUP, "rename without replace not supported")
    raise OSError(code, os.strerror(code), dst)


def _fsync_dir(path: str) -> None:
    """Make a directory entry change durable; skipped where directories cannot be fsynced."""
    if sys.platform == "win32":
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM):
            return
        raise
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EBADF, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
    finally:
        os.close(fd)


class FolderShare:
    """``sync.share.Share`` over a folder that exists (a mounted drive, a local dir)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser()

    def __repr__(self) -> str:
        return f"FolderShare({str(self.root)!r})"

    # -- the Share contract ----------------------------------------------------------

    def read(self, path: str) -> bytes | None:
        target = self._target(path)
        with self._errors("read"):
            self._check_root()
            try:
                with open(target, "rb") as file:
                    return file.read()
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                self._check_root()  # gone because the whole share went away?
                return None

    def write_once(self, path: str, data: bytes) -> bool:
        parts = check_path(path)
        final = os.path.join(self.root, *parts)
        with self._errors("write"):
            self._check_root()
            if os.path.lexists(final):
                return False
            folder = self._make_dirs(parts[:-1])
            temp = os.path.join(folder, TEMP_PREFIX + secrets.token_hex(8))
            try:
                self._write_temp(temp, data)
                published = self._publish(temp, final)
            finally:
                with suppress(FileNotFoundError):
                    os.unlink(temp)
            _fsync_dir(folder)
            return published

    def list(self, folder: str) -> list[str]:
        target = self._target(folder) if folder else str(self.root)
        with self._errors("list"):
            self._check_root()
            try:
                names = os.listdir(target)
            except (FileNotFoundError, NotADirectoryError):
                self._check_root()
                return []
        return sorted(name for name in names if not is_temp(name) and _valid_part(name))

    def remove(self, path: str) -> bool:
        """Deletes one file; False when there was none (``sync.share.Erasable``)."""
        target = self._target(path)
        with self._errors("remove"):
            self._check_root()
            try:
                os.unlink(target)
            except (FileNotFoundError, NotADirectoryError):
                return False
            _fsync_dir(os.path.dirname(target))
            return True

    def sweep_temps(self, under: str = "", older_than: float = SWEEP_AGE) -> int:
        """Remove temp files untouched for ``older_than`` seconds in ``under`` (a folder
        of the share; all of it when empty) and below; returns how many."""
        cutoff = time.time() - older_than
        removed = 0
        top = self._target(under) if under else str(self.root)
        with self._errors("sweep"):
            self._check_root()
            for entry in _walk(top):
                if not is_temp(entry.name):
                    continue
                try:
                    info = entry.stat(follow_symlinks=False)
                    if stat.S_ISDIR(info.st_mode) or info.st_mtime > cutoff:
                        continue
                    os.unlink(entry.path)
                except FileNotFoundError:
                    continue  # its writer published or removed it meanwhile
                removed += 1
        return removed

    # -- helpers ---------------------------------------------------------------------

    def _target(self, path: str) -> str:
        return os.path.join(self.root, *check_path(path))

    def _check_root(self) -> None:
        if not self.root.is_dir():
            raise ShareUnavailable(f"share folder not found: {self.root}", location=str(self.root))

    def _make_dirs(self, parts: Sequence[str]) -> str:
        """Create the folders below the root one by one; never the root itself."""
        current = str(self.root)
        for part in parts:
            parent, current = current, os.path.join(current, part)
            try:
                os.mkdir(current)
            except FileExistsError:
                continue
            _fsync_dir(parent)
        return current

    @staticmethod
    def _write_temp(temp: str, data: bytes) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(temp, flags, 0o644)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)

    @staticmethod
    def _publish(temp: str, final: str) -> bool:
        try:
            os.link(temp, final)
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in _NO_LINK:
                raise
        else:
            return True
        try:
            return _rename_noreplace(temp, final)
        except OSError as exc:
            if exc.errno not in (errno.ENOTSUP, errno.EOPNOTSUPP):
                raise
        # Last resort (no link, no NOREPLACE rename): check, then rename. See module doc.
        if os.path.lexists(final):
            return False
        os.rename(temp, final)
        return True

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            if exc.errno in _FULL:
                raise ShareFull(
                    f"share is full ({action}): {self.root}", location=str(self.root)
                ) from exc
            raise ShareUnavailable(
                f"share not reachable ({action}): {self.root}: {exc.strerror or exc}",
                location=str(self.root),
            ) from exc


def _valid_part(name: str) -> bool:
    try:
        check_path(name)
    except ValueError:
        return False
    return True


def _walk(top: str) -> Iterator[os.DirEntry[str]]:
    """Every entry below ``top``, depth first, without following symlinks."""
    try:
        entries = list(os.scandir(top))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        yield entry
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except FileNotFoundError:
            continue
        if is_dir and not is_temp(entry.name):
            yield from _walk(entry.path)

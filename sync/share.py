"""What the sync engine needs from a share, whatever it is: a mounted folder or SMB.

A share is a plain folder many people can write to. It is trusted neither to keep
secrets nor to order writes, so the engine only ever asks for four things:

- ``read(path)``: the bytes of a file, or None when there is none;
- ``write_once(path, data)``: create a file that does not exist yet, atomically
  (temp name + rename, so a half-written file is never visible under ``path``);
  returns False, writing nothing, when ``path`` already exists — pushing the same
  content twice is harmless;
- ``list(folder)``: the names directly inside ``folder`` (no temp files), sorted;
  an empty list when the folder does not exist;
- ``sweep_temps(under="")``: remove temp files left behind by a cut connection or a
  crash, in the folder ``under`` and below it (the whole share when empty; the engine
  only ever names the folders where its own writes were cut).

A share that can also ``remove(path)`` one file (``Erasable``: both real backends) lets
short-lived files be cleaned up — a pairing's rendezvous (``sync.pairing``). Nothing
the engine keeps is ever removed: envelopes and journals stay write-once.

Paths are relative, with ``/`` between parts, and never start with ``/`` or contain
``..``. Any failure to reach the share raises ``ShareUnavailable``; a full share raises
``ShareFull``. Both leave the share as it was, apart from invisible temp files.
"""

from __future__ import annotations

import re
from typing import Protocol, runtime_checkable

_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
TEMP_PREFIX = ".tmp-"


class SyncError(Exception):
    """Base of sync errors; ``key`` names the text to show, ``params`` fill it in."""

    key = "error.sync"

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.params = params


class ShareUnavailable(SyncError):
    """The share cannot be reached now (offline, server down, connection cut)."""

    key = "error.share_unavailable"


class ShareFull(SyncError):
    """The share has no room; nothing was lost, the outbox keeps what was not sent."""

    key = "error.share_full"


def check_path(path: str) -> list[str]:
    """The parts of a share path, or ValueError when it could escape the share."""
    parts = path.split("/")
    if not parts or any(not _PART.match(part) for part in parts):
        raise ValueError(f"not a share path: {path!r}")
    return parts


def is_temp(name: str) -> bool:
    return name.startswith(TEMP_PREFIX)


class Share(Protocol):
    def read(self, path: str) -> bytes | None: ...

    def write_once(self, path: str, data: bytes) -> bool: ...

    def list(self, folder: str) -> list[str]: ...

    def sweep_temps(self, under: str = "") -> int: ...


@runtime_checkable
class Erasable(Share, Protocol):
    def remove(self, path: str) -> bool: ...

"""Where the share is, as the person typed it: a folder path or an ``smb://`` address.

``open_share`` turns a location into a ``sync.share.Share``:

- ``smb://host[:port]/share[/folder...]`` → ``SmbShare`` (SMB spoken directly, encrypted);
- ``file:///path`` or a plain path (``~`` expanded) → ``FolderShare`` (a mounted drive);
- any other ``scheme://`` → ``ValueError`` naming the schemes that work.

Opening does not touch the network or the disk; the first call on the share does.
``describe`` gives the location without user name or password, for screens and logs.
"""

from __future__ import annotations

import os
import re
from urllib.parse import unquote, urlsplit

from sync.folder import FolderShare
from sync.share import Share
from sync.smb import SmbShare, describe_smb

SCHEMES = ("smb", "file")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def open_share(location: str, *, username: str = "", password: str = "") -> Share:
    """The share at ``location``; ``username``/``password`` are for ``smb://`` only."""
    location = location.strip()
    if not location:
        raise ValueError("no share location given")
    scheme = _scheme(location)
    if scheme == "smb":
        return SmbShare(location, username=username, password=password)
    if scheme == "file":
        return FolderShare(_file_path(location))
    if scheme is not None:
        raise ValueError(
            f"unsupported share location {scheme}:// (use a folder path or smb://host/share)"
        )
    return FolderShare(os.path.expanduser(location))


def describe(location: str) -> str:
    """The location for display: credentials removed, folders with ``~`` expanded."""
    location = location.strip()
    scheme = _scheme(location)
    if scheme is None:
        return os.path.expanduser(location)
    if scheme == "file":
        return _file_path(location)
    return describe_smb(location)


def _scheme(location: str) -> str | None:
    match = _SCHEME.match(location)
    return match.group(1).lower() if match else None


def _file_path(location: str) -> str:
    parts = urlsplit(location)
    if parts.netloc not in ("", "localhost"):
        raise ValueError("file:// locations must be on this device (file:///path)")
    return os.path.expanduser(unquote(parts.path))

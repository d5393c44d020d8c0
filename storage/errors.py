"""What can go wrong in the vault, as errors a person can act on.

Every error carries a translation ``key`` (the text lives in ``assets/i18n``) and the
``params`` that text needs, so a view can say "Forkert PIN-kode — prøv igen om 30
sekunder" instead of showing a traceback. The English message is for logs only.
"""

from __future__ import annotations

from typing import Any


class StorageError(Exception):
    """Base of every vault error; ``key`` names the text to show, ``params`` fill it in."""

    key = "error.storage"

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.params: dict[str, Any] = params


class WrongPin(StorageError):
    """The PIN did not open the vault; nothing was changed except the failure count.

    ``attempts`` counts failures in a row; ``retry_after`` is how many seconds must pass
    before the next attempt (0.0 while fewer than three failures).
    """

    key = "error.wrong_pin"

    def __init__(self, retry_after: float, attempts: int) -> None:
        super().__init__(
            f"wrong PIN ({attempts} failed attempts; wait {retry_after:.0f} s)",
            retry_after=retry_after,
            attempts=attempts,
        )
        self.retry_after = retry_after
        self.attempts = attempts


class TooSoon(StorageError):
    """An unlock was attempted before the wrong-PIN delay passed; the PIN was not tried."""

    key = "error.too_soon"

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too soon: try again in {retry_after:.0f} s", retry_after=retry_after)
        self.retry_after = retry_after


class CorruptFile(StorageError):
    """A file is damaged, or does not belong where it was found.

    ``file`` is the path relative to the data root; ``detail`` says what check failed.
    Authenticated encryption cannot tell a flipped bit from a file moved from another
    place: both are reported here, never as a wrong PIN and never as misread data.
    """

    key = "error.corrupt_file"

    def __init__(self, file: str, detail: str) -> None:
        super().__init__(f"{file}: {detail}", file=file, detail=detail)
        self.file = file
        self.detail = detail


class DiskFull(StorageError):
    """The disk had no room for a save; the previous version is kept, on disk and in memory."""

    key = "error.disk_full"

    def __init__(self, file: str) -> None:
        super().__init__(f"no space left on device while saving {file}", file=file)
        self.file = file


class WriteFailed(StorageError):
    """A save failed for another reason the system gave (permissions, I/O error); the
    previous version is kept, on disk and in memory — except for ``NotDurable``, below."""

    key = "error.storage"

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"could not save {file}: {reason}", file=file)
        self.file = file


class NotDurable(WriteFailed):
    """The new version replaced the old one, but the system could not confirm it is durable
    (the folder fsync failed). Memory holds the new version, like the file; a power cut
    may still bring the old one back, so saving again is the safe reaction."""

    key = "error.not_durable"

    def __init__(self, file: str, reason: str) -> None:
        StorageError.__init__(
            self, f"saved {file}, but could not make it durable: {reason}", file=file
        )
        self.file = file


class ReadFailed(StorageError):
    """A file exists but the system would not read it (permissions, I/O error); ``file`` is
    the path relative to the data root. Nothing was changed."""

    key = "error.storage_read"

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"could not read {file}: {reason}", file=file)
        self.file = file


class VaultLocked(StorageError):
    """The vault was locked (idle or by hand); unlock again to continue."""

    key = "error.vault_locked"

    def __init__(self) -> None:
        super().__init__("the vault is locked")


class BadPin(StorageError):
    """A new PIN does not meet the rules (at least ``min`` characters)."""

    key = "error.pin_too_short"

    def __init__(self, minimum: int) -> None:
        super().__init__(f"a PIN needs at least {minimum} characters", min=minimum)


class WrongRecoveryCode(StorageError):
    """The recovery code is mistyped or belongs to another vault."""

    key = "error.wrong_recovery_code"

    def __init__(self) -> None:
        super().__init__("the recovery code does not open this vault")

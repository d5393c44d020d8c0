"""The ways into one profile's vault: PIN and recovery code to vault key.

Owns the profile's ``header`` (key slots) and ``attempts`` (wrong-PIN brake) files. The
vault key itself is random; a PIN change or a recovery only rewraps it, so no shard is
touched. The order of an unlock matters:

1. read the header — damage is ``CorruptFile``, never "wrong PIN";
2. refuse with ``TooSoon`` while the delay runs — without running the KDF;
3. record the attempt as failed *before* the KDF, so killing the app mid-guess still
   counts; a correct PIN then clears the count;
4. run Argon2id once and unwrap.

A wrong PIN changes nothing but the attempts file.

A new PIN (create, change, recovery) is wrapped with the stronger of the header's KDF cost
and the device's configured cost, field by field: the header is not authenticated as a
whole, so a cost lowered by someone with write access must not carry over to the new PIN.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from storage import sealing
from storage.attempts import Attempts, read_attempts, write_attempts
from storage.errors import BadPin, CorruptFile, TooSoon, WrongPin, WrongRecoveryCode
from storage.files import read_file, remove_stale_temps, replace_file
from storage.header import Header, Slot, decode_header, encode_header
from storage.sealing import InvalidSealError, KdfParams

MIN_PIN_LENGTH = 6
Clock = Callable[[], float]


def check_new_pin(pin: str) -> None:
    """Raises BadPin unless ``pin`` may become a PIN."""
    if len(sealing.normalize_pin(pin)) < MIN_PIN_LENGTH:
        raise BadPin(MIN_PIN_LENGTH)


class ProfileKeys:
    """Header and attempts of one profile, with a lock so attempts are counted one by one.

    ``kdf`` is the device's configured cost: new profiles use it, and no PIN is ever
    wrapped with less (see the module docstring).
    """

    def __init__(self, root: Path, profile_id: str, clock: Clock, kdf: KdfParams) -> None:
        self.profile_id = profile_id
        self.root = root
        self.folder = root / "vaults" / profile_id
        self.lock = threading.RLock()
        self._clock = clock
        self._kdf = kdf

    @property
    def header_path(self) -> Path:
        return self.folder / "header"

    @property
    def attempts_path(self) -> Path:
        return self.folder / "attempts"

    def label(self, path: Path) -> str:
        """``path`` relative to the data root, as errors name files."""
        return path.relative_to(self.root).as_posix()

    def create(self, pin: str, *, symbol: int) -> tuple[bytes, str]:
        """Writes a new header; returns the vault key and the recovery code (shown once)."""
        check_new_pin(pin)
        vault_key, code = sealing.new_key(), sealing.new_recovery_code()
        moment = dt.datetime.fromtimestamp(self._clock(), dt.UTC)
        created = moment.isoformat(timespec="microseconds")
        recovery_salt = sealing.new_salt()
        draft = Header(
            self.profile_id,
            created,
            symbol,
            self._kdf,
            pin=Slot(sealing.new_salt(), b""),
            recovery=Slot(recovery_salt, b""),
        )
        kek = sealing.recovery_key(code, recovery_salt)
        wrapped = sealing.seal(kek, vault_key, draft.recovery_associated())
        header = self._with_pin(draft.with_recovery(Slot(recovery_salt, wrapped)), vault_key, pin)
        self._write_header(header)
        return vault_key, code

    def header(self) -> Header:
        """The parsed header; KeyError when the profile does not exist."""
        data = read_file(self.header_path, label=self.label(self.header_path))
        if data is None:
            raise KeyError(self.profile_id)
        header = decode_header(data, label=self.label(self.header_path))
        if header.vault_id != self.profile_id:
            raise CorruptFile(self.label(self.header_path), "header belongs to another profile")
        return header

    def sweep_temps(self) -> None:
        """Removes temp files a crash left in this profile (none is being written now)."""
        with self.lock:
            remove_stale_temps(self.folder)

    def retry_after(self) -> float:
        return self._read_attempts().wait(self._clock())

    def unlock(self, pin: str) -> bytes:
        """The vault key for ``pin``; TooSoon, WrongPin, CorruptFile or ReadFailed otherwise."""
        with self.lock:
            return self._try_pin(self.header(), pin)

    def change_pin(
        self, vault_key: bytes, old_pin: str, new_pin: str, *, epochs: EpochKeeper
    ) -> None:
        """Rewraps the vault key under ``new_pin`` at the next header epoch; shards are
        not touched. ``epochs`` is told before and after, so an old header is refused
        from then on (see ``storage.manifest``)."""
        check_new_pin(new_pin)
        with self.lock:
            header = self.header()
            if not sealing.same_bytes(self._try_pin(header, old_pin), vault_key):
                raise CorruptFile(self.label(self.header_path), "header opens another vault")
            self._next_epoch(header, vault_key, new_pin, epochs)

    def _next_epoch(
        self, header: Header, vault_key: bytes, pin: str, epochs: EpochKeeper
    ) -> None:
        """Each step durable: both epochs allowed, the new header, only the new epoch."""
        new = header.epoch + 1
        epochs.set_epochs([header.epoch, new])
        self._write_header(self._with_pin(header.at_epoch(new), vault_key, pin))
        epochs.set_epochs([new])

    def recover(
        self, code: str, new_pin: str, *, epochs: Callable[[bytes], EpochKeeper]
    ) -> bytes:
        """Opens the vault with the recovery code and sets ``new_pin`` at the next header
        epoch (``epochs`` gives the vault's keeper for its key); the code stays valid."""
        check_new_pin(new_pin)
        with self.lock:
            header = self.header()
            try:
                kek = sealing.recovery_key(code, header.recovery.salt)
                vault_key = sealing.open_sealed(
                    kek, header.recovery.wrapped, header.recovery_associated()
                )
            except (ValueError, InvalidSealError):
                raise WrongRecoveryCode() from None
            self._next_epoch(header, vault_key, new_pin, epochs(vault_key))
            self._write_attempts(Attempts())
            return vault_key

    def _try_pin(self, header: Header, pin: str) -> bytes:
        now = self._clock()
        attempts = self._read_attempts()
        wait = attempts.wait(now)
        if wait > 0:
            raise TooSoon(wait)
        failed = attempts.failed(now)
        self._write_attempts(failed)
        try:
            kek = sealing.derive_key(pin, header.pin.salt, header.kdf)
            vault_key = sealing.open_sealed(kek, header.pin.wrapped, header.pin_associated())
        except InvalidSealError:
            raise WrongPin(failed.delay(), failed.failures) from None
        self._write_attempts(Attempts())
        return vault_key

    def _with_pin(self, header: Header, vault_key: bytes, pin: str) -> Header:
        """``header`` with ``pin`` wrapping the vault key, at no less than the device's cost."""
        kdf = header.kdf.at_least(self._kdf)
        salt = sealing.new_salt()
        draft = header.with_pin(Slot(salt, b""), kdf)
        kek = sealing.derive_key(pin, salt, kdf)
        wrapped = sealing.seal(kek, vault_key, draft.pin_associated())
        return header.with_pin(Slot(salt, wrapped), kdf)

    def _read_attempts(self) -> Attempts:
        return read_attempts(self.attempts_path, label=self.label(self.attempts_path))

    def _write_header(self, header: Header) -> None:
        replace_file(self.header_path, encode_header(header), label=self.label(self.header_path))

    def _write_attempts(self, attempts: Attempts) -> None:
        write_attempts(self.attempts_path, attempts, label=self.label(self.attempts_path))


class EpochKeeper(Protocol):
    """Where the vault keeps which header epochs may open it (``storage.manifest``)."""

    def set_epochs(self, epochs: list[int]) -> None: ...


def new_profile_id() -> str:
    return secrets.token_hex(16)

"""The profiles on one device (a shared tablet holds several), and the way into each.

Data folder layout::

    <root>/vaults/<profile id>/header     key slots, KDF cost, picture symbol (no names)
    <root>/vaults/<profile id>/attempts   wrong-PIN count
    <root>/vaults/<profile id>/shards/... sealed TinyDB shards

Profile ids are random hex. One ``Device`` per data folder per process: it serialises
attempts per profile and keeps at most one unlocked ``VaultCore`` per profile. Unlocking a
profile that is already open (a second tab or session) checks the PIN as always, then
returns a new ``Vault`` handle onto the same core — same cache, same per-shard locks — so
two caches never race over the same files and neither handle is locked behind the other's
back. The core forgets its keys when its last handle is locked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from storage.errors import CorruptFile
from storage.files import list_folder
from storage.header import VAULT_ID
from storage.keys import ProfileKeys, new_profile_id
from storage.manifest import Manifests
from storage.sealing import KdfParams
from storage.vault import Vault, VaultCore

_MAX_SYMBOL = 2**31


@dataclass(frozen=True)
class ProfileInfo:
    """What the unlock screen may show before any PIN: an id, a picture, a date."""

    id: str
    symbol: int
    created: str  # ISO 8601, UTC, microseconds: profiles list in the order they were made


class Device:
    """The vaults in ``root``.

    ``kdf`` is the Argon2id cost for new profiles, and the least any new PIN (after a PIN
    change or a recovery) is wrapped with; existing PINs unlock with their header's cost.
    """

    def __init__(
        self,
        root: Path,
        *,
        kdf: KdfParams = KdfParams.DEFAULT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        kdf.check()
        self.root = Path(root)
        self.problems: list[CorruptFile] = []
        self._kdf = kdf
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, ProfileKeys] = {}
        self._cores: dict[str, VaultCore] = {}

    @property
    def kdf(self) -> KdfParams:
        """The Argon2id cost new secrets on this device are derived with."""
        return self._kdf

    def profiles(self) -> list[ProfileInfo]:
        """Every readable profile, oldest first; damaged headers go to ``self.problems``.

        Raises ReadFailed when the system refuses to list the folder or read a header.
        """
        found: list[ProfileInfo] = []
        problems: list[CorruptFile] = []
        names = sorted(list_folder(self.root / "vaults", label="vaults"))
        for name in names:
            if not VAULT_ID.fullmatch(name):
                continue
            try:
                header = self._profile(name).header()
            except CorruptFile as problem:
                problems.append(problem)
                continue
            except KeyError:
                continue  # a folder without a header: creation never finished
            found.append(ProfileInfo(header.vault_id, header.symbol, header.created))
        self.problems = problems
        return sorted(found, key=lambda p: (p.created, p.id))

    def create_profile(self, pin: str, *, symbol: int) -> tuple[Vault, str]:
        """A new, unlocked vault and its recovery code — show the code once, never store it."""
        if type(symbol) is not int or not 0 <= symbol < _MAX_SYMBOL:
            raise ValueError("symbol must be a non-negative int")
        keys = self._profile(new_profile_id())
        vault_key, code = keys.create(pin, symbol=symbol)
        return self._opened(keys, vault_key), code

    def unlock(self, profile_id: str, pin: str) -> Vault:
        """Raises TooSoon (KDF not run), WrongPin, CorruptFile, ReadFailed, or KeyError if
        unknown. An already open profile gets another handle onto the same vault."""
        keys = self._profile(profile_id)
        return self._opened(keys, keys.unlock(pin))

    def recover(self, profile_id: str, recovery_code: str, new_pin: str) -> Vault:
        """Opens with the recovery code and sets ``new_pin``; the old PIN stops working."""
        keys = self._profile(profile_id)

        def epochs(vault_key: bytes) -> Manifests:
            with self._lock:
                core = self._cores.get(profile_id)
            if core is not None:
                return core.manifests
            return Manifests(keys.folder / "shards", vault_key, profile_id, keys.label,
                             self._clock)

        return self._opened(keys, keys.recover(recovery_code, new_pin, epochs=epochs))

    def retry_after(self, profile_id: str) -> float:
        """Seconds until an unlock attempt is allowed (0.0 = now)."""
        return self._profile(profile_id).retry_after()

    def _profile(self, profile_id: str) -> ProfileKeys:
        if not isinstance(profile_id, str) or not VAULT_ID.fullmatch(profile_id):
            raise KeyError(profile_id)
        with self._lock:
            keys = self._keys.get(profile_id)
            if keys is None:
                keys = ProfileKeys(self.root, profile_id, self._clock, self._kdf)
                self._keys[profile_id] = keys
            return keys

    def _opened(self, keys: ProfileKeys, vault_key: bytes) -> Vault:
        """A new handle: onto the profile's open core, or onto a new one."""
        with keys.lock:  # one core per profile, even when two unlocks finish at once
            with self._lock:
                core = self._cores.get(keys.profile_id)
                if core is not None:
                    if not core.opens_with(vault_key):
                        label = keys.label(keys.header_path)
                        raise CorruptFile(label, "header opens another vault")
                    core.handles += 1
                    return Vault(core, self._release)
            core = VaultCore(keys, vault_key, self._clock)  # sweeps temps: no handle writes
            with self._lock:
                core.handles = 1
                self._cores[keys.profile_id] = core
            return Vault(core, self._release)

    def _release(self, core: VaultCore) -> None:
        """A handle was locked; the last one makes the core forget keys and caches."""
        with self._lock:
            core.handles -= 1
            last = core.handles == 0
            if last and self._cores.get(core.id) is core:
                del self._cores[core.id]
        if last:
            core.forget()

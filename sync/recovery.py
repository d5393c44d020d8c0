"""A person's keys back on a new device with their recovery code, when no device of
theirs is left (stolen, broken, lost).

**Design.** The recovery code a profile gets at setup (28 random symbols, 140 bits,
shown once, never stored) already opens that device's vault. The same code also stands
for a **recovery place** on the share (``sealing.recovery_key`` with a salt of its own,
then HKDF subkeys): a folder name that says nothing about the person or the code, and a
key. The device keeps that place (slot and key — never the code) in its vault and, on a
sync, writes what a new device needs to become the person again::

    recovery/<slot>/<n, 6 digits>   sealed with the place's key (AES-256-GCM),
                                    associated data b"SMTK" | 1 | slot:
                                    {"format": 1, "identity": private keys,
                                     "meta": {profile, settings, pinned organisation}}

A new entry (next number, write-once) only when what it holds changed — e.g. once the
person's organisation is pinned. A new device with the code reads the highest entry that
opens, takes the person's own keys (so everything on the share sealed for them opens
again: the new device syncs their whole history) and trusts the organisation they had
pinned. Then the person reports the lost device (Mine enheder → Meld tabt): HR approves
new keys, and from then on the lost device reads nothing new.

**Why this holds.** The share sees a random folder name and ciphertext. 140 random bits
cannot be guessed, so HKDF is enough (no Argon2id needed, unlike the short pairing code).
Whoever holds the code is the person as far as the keys go — the same trust the code
already has over the vault; the person is told to keep it away from the device. An entry
that does not open, or holds something else, is skipped; none that opens:
``NoRecovery``.

Must not touch: Flet, the vault's files, cryptography (through ``storage.sealing``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conversations.records import canonical_json
from storage import sealing
from storage.sealing import Identity, InvalidSealError
from sync.pairing import identity_text
from sync.share import Erasable, Share, SyncError

FORMAT = 1
ROOT = "recovery"
_MAGIC = b"SMTK" + bytes([FORMAT])
_SALT = sealing.checksum(b"samtale recovery place v1")[: sealing.SALT_SIZE]
_ENTRY = re.compile(r"\d{6}")


class NoRecovery(SyncError):
    """Nothing on the share opens with this code: a wrong code, or a share this person's
    device never reached since it was set up."""

    key = "error.recovery_none"


@dataclass(frozen=True)
class RecoveryPlace:
    slot: str
    key: bytes

    def to_dict(self) -> dict[str, str]:
        return {"slot": self.slot, "key": base64.b64encode(self.key).decode()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecoveryPlace | None:
        try:
            return cls(str(data["slot"]), base64.b64decode(str(data["key"]), validate=True))
        except (KeyError, binascii.Error, ValueError):
            return None


def recovery_place(code: str) -> RecoveryPlace:
    """Where and with what key this recovery code keeps the person's keys. ValueError for
    something that cannot be a recovery code."""
    root = sealing.recovery_key(code, _SALT)
    return RecoveryPlace(sealing.subkey(root, "recovery slot").hex()[:32],
                         sealing.subkey(root, "recovery box"))


def entries(share: Share, place: RecoveryPlace) -> list[int]:
    return sorted(int(name) for name in share.list(f"{ROOT}/{place.slot}")
                  if _ENTRY.fullmatch(name))


def write_entry(share: Share, place: RecoveryPlace, identity: Identity,
                meta: Mapping[str, Any]) -> int:
    """Writes the next entry; returns its number. ShareUnavailable propagates."""
    body = canonical_json({"format": FORMAT, "identity": identity_text(identity),
                           "meta": dict(meta)})
    taken = entries(share, place)
    number = (taken[-1] if taken else 0) + 1
    while not share.write_once(_path(place, number),
                               sealing.seal(place.key, body, _associated(place))):
        number += 1  # someone holds that number: the next one (never overwritten)
    return number


def read_newest(share: Share, place: RecoveryPlace) -> tuple[Identity, dict[str, Any]]:
    """The person's identity and meta from the newest entry that opens. NoRecovery when
    none does; ShareUnavailable propagates."""
    for number in reversed(entries(share, place)):
        blob = share.read(_path(place, number))
        if blob is None:
            continue
        try:
            data = json.loads(sealing.open_sealed(place.key, blob, _associated(place)))
            identity = Identity.from_bytes(base64.b64decode(data["identity"], validate=True))
            meta = data["meta"]
        except (InvalidSealError, ValueError, KeyError, TypeError, binascii.Error):
            continue
        if data.get("format") == FORMAT and isinstance(meta, dict):
            return identity, meta
    raise NoRecovery("no recovery entry opens with this code")


def forget(share: Share, place: RecoveryPlace) -> None:
    """Removes this place's entries where the share allows it (a code replaced)."""
    if not isinstance(share, Erasable):
        return
    for number in entries(share, place):
        share.remove(_path(place, number))


def _path(place: RecoveryPlace, number: int) -> str:
    return f"{ROOT}/{place.slot}/{number:06d}"


def _associated(place: RecoveryPlace) -> bytes:
    return _MAGIC + place.slot.encode()

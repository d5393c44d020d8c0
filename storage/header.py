"""The vault header: the one small unencrypted file per profile, and its exact format.

It holds what is needed before the vault is open — format version, vault id, creation
time, the profile's picture ``symbol`` (an int; never a name), the Argon2id cost, and two
key slots: the vault key wrapped by the PIN-derived key and by the recovery-code key.

File layout::

    b"SAMTALE\\x01" + body (canonical JSON, UTF-8) + SHA-256(magic + body)

The trailing checksum catches every flipped byte — in the magic, the body or the checksum
itself — and reports ``CorruptFile`` before any PIN is tried, so damage is never mistaken
for a wrong PIN. Each wrapped key is sealed with associated data naming its slot and the
fields that slot depends on (format, vault id, created, symbol, its salt and for the PIN
its KDF cost). The whole body cannot be the associated data: a PIN change rewrites the
PIN slot, and the recovery slot cannot be rewrapped without the recovery code.

The checksum is not keyed: someone who can write the file can change the KDF cost and
recompute it. That makes the PIN fail (the cost is in the PIN slot's associated data) but
must never weaken a new PIN — ``keys`` wraps every new PIN with at least the device's
configured cost — and ``KdfParams.check`` caps what an unlock may be made to run.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, replace
from typing import Any

from storage import sealing
from storage.errors import CorruptFile
from storage.sealing import KdfParams

FORMAT = 1
_MAGIC = b"SAMTALE\x01"
_CHECKSUM_SIZE = 32
_WRAPPED_SIZE = sealing.KEY_SIZE + sealing.SEAL_OVERHEAD
VAULT_ID = re.compile(r"[0-9a-f]{32}")
_FIELDS = {"format", "vault", "created", "symbol", "kdf", "pin", "recovery"}
_EPOCH = "epoch"  # absent until the first PIN change: headers from before read as 0


@dataclass(frozen=True)
class Slot:
    """One way into the vault: a salt and the vault key sealed under the derived key."""

    salt: bytes
    wrapped: bytes


@dataclass(frozen=True)
class Header:
    vault_id: str
    created: str
    symbol: int
    kdf: KdfParams
    pin: Slot
    recovery: Slot
    epoch: int = 0
    """Moves on with every PIN change; ``storage.manifest`` refuses an older header."""

    def pin_associated(self) -> bytes:
        kdf = self.kdf
        extra = [kdf.memory_kib, kdf.iterations, kdf.lanes]
        if self.epoch:  # bound, so an edited number makes the PIN fail
            extra.append(self.epoch)
        return self._associated("pin", self.pin.salt, extra)

    def recovery_associated(self) -> bytes:
        return self._associated("recovery", self.recovery.salt, [])

    def with_pin(self, slot: Slot, kdf: KdfParams) -> Header:
        """The header with a new PIN slot and the cost that slot was derived with."""
        return replace(self, pin=slot, kdf=kdf)

    def at_epoch(self, epoch: int) -> Header:
        return replace(self, epoch=epoch)

    def with_recovery(self, slot: Slot) -> Header:
        return replace(self, recovery=slot)

    def _associated(self, slot: str, salt: bytes, extra: list[int]) -> bytes:
        fields = [FORMAT, slot, self.vault_id, self.created, self.symbol, _b64(salt), *extra]
        return b"samtale header slot|" + sealing.checksum(_canonical(fields))


def encode_header(header: Header) -> bytes:
    epoch = {_EPOCH: header.epoch} if header.epoch else {}
    body = _canonical(
        {
            **epoch,
            "format": FORMAT,
            "vault": header.vault_id,
            "created": header.created,
            "symbol": header.symbol,
            "kdf": {
                "memory_kib": header.kdf.memory_kib,
                "iterations": header.kdf.iterations,
                "lanes": header.kdf.lanes,
            },
            "pin": _slot_json(header.pin),
            "recovery": _slot_json(header.recovery),
        }
    )
    return _MAGIC + body + sealing.checksum(_MAGIC + body)


def decode_header(data: bytes, *, label: str) -> Header:
    """Parses a header strictly; any damage raises CorruptFile naming ``label``."""
    if len(data) < len(_MAGIC) + _CHECKSUM_SIZE or not data.startswith(_MAGIC):
        raise CorruptFile(label, "not a vault header (unknown start)")
    body, stored = data[len(_MAGIC) : -_CHECKSUM_SIZE], data[-_CHECKSUM_SIZE:]
    if not sealing.same_bytes(sealing.checksum(_MAGIC + body), stored):
        raise CorruptFile(label, "header checksum mismatch (damaged file)")
    try:
        return _parse(json.loads(body))
    except (ValueError, TypeError, KeyError) as exc:
        raise CorruptFile(label, f"header content invalid: {exc}") from None


def _parse(raw: Any) -> Header:
    if not isinstance(raw, dict) or set(raw) - {_EPOCH} != _FIELDS:
        raise ValueError("unexpected fields")
    epoch = _int(raw.get(_EPOCH, 0))
    if epoch < 0 or (_EPOCH in raw and epoch == 0):
        raise ValueError("bad epoch")
    if _int(raw["format"]) != FORMAT:
        raise ValueError(f"unsupported format {raw['format']!r}")
    vault_id, created, kdf = raw["vault"], raw["created"], raw["kdf"]
    if not isinstance(vault_id, str) or not VAULT_ID.fullmatch(vault_id):
        raise ValueError("bad vault id")
    if not isinstance(created, str):
        raise ValueError("bad creation time")
    if not isinstance(kdf, dict) or set(kdf) != {"memory_kib", "iterations", "lanes"}:
        raise ValueError("bad KDF parameters")
    params = KdfParams(_int(kdf["memory_kib"]), _int(kdf["iterations"]), _int(kdf["lanes"]))
    params.check()
    return Header(
        vault_id=vault_id,
        created=created,
        symbol=_int(raw["symbol"]),
        kdf=params,
        pin=_slot(raw["pin"]),
        recovery=_slot(raw["recovery"]),
        epoch=epoch,
    )


def _slot(raw: Any) -> Slot:
    if not isinstance(raw, dict) or set(raw) != {"salt", "wrapped"}:
        raise ValueError("bad key slot")
    slot = Slot(salt=_unb64(raw["salt"]), wrapped=_unb64(raw["wrapped"]))
    if len(slot.salt) != sealing.SALT_SIZE or len(slot.wrapped) != _WRAPPED_SIZE:
        raise ValueError("bad key slot size")
    return slot


def _slot_json(slot: Slot) -> dict[str, str]:
    return {"salt": _b64(slot.salt), "wrapped": _b64(slot.wrapped)}


def _int(value: Any) -> int:
    if type(value) is not int:
        raise ValueError(f"expected an integer, got {value!r}")
    return value


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("expected base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError("bad base64") from exc

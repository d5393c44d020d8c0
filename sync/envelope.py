"""The on-share form of one record version: an envelope, sealed for its readers, signed.

Bytes of an envelope::

    b"SMTE" | format (1 byte) | header length (4 bytes, big-endian) | header | ciphertext
            | Ed25519 signature (64 bytes) over everything before it

The header is canonical JSON (sorted keys, no spaces) and readable by anyone who can
open the share folder — it says who wrote what for whom, never what it says::

    {"format": 1, "sender": person id, "device": device id, "shard": conversation id,
     "table": vault table, "record": record id, "type": record type,
     "version": version id, "parents": [version ids], "links": [version ids],
     "recipients": {person id: base64 wrapped content key},
     "keep_until": "YYYY-MM"}

``keep_until`` (optional; envelopes from before it was added have none and read as
before) is the month through which the version is kept on the share
(``conversations.retention.share_keep_until``): HR's maintenance run
(``sync.housekeeping``) removes a conversation's envelopes once all are past it, without
opening any. It is signed like every other header field.

``links`` name shared versions the record descends from through versions that were
never shared (a person's autosaved drafts between two shares): without them a reader
could not tell that the new version follows the one it holds.

The ciphertext is the record (canonical JSON) sealed by ``storage.sealing.seal_for`` for
the recipients; its associated data is the header without ``recipients``, so the
content cannot be moved under another header. An envelope is stored once, at
``objects/<first 2 hex>/<sha256 hex of its bytes>``, and never changes.

``open_envelope`` checks, in this order, and says which check failed
(``EnvelopeRejected.reason``): ``bad_format`` (does not start like an envelope),
``hash_mismatch`` (the bytes are not the ones their name promises: flipped, cut,
renamed), ``bad_format`` again (authentic bytes whose header is not what it should
be), ``unknown_sender`` (not in the directory), ``bad_signature`` (not signed by the
sender it names, e.g. re-signed by someone else), ``not_for_me``, ``undecryptable``
(signed, yet the key or content does not open: damaged before signing) and
``version_mismatch`` (the content does not hash to the version, or differs from the id,
type or parents the header claims).

One shortcut, taken only by the engine: a journal segment signed by the same person
lists this envelope's hash; that signature already covers these exact bytes, so
``vouched_by=sender`` skips a second signature check (a first sync of 10,000 records
would otherwise spend most of its time verifying each one twice over).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from conversations.merge import version_of
from conversations.records import canonical_json
from storage import sealing
from storage.sealing import Identity, InvalidSealError, NotARecipient, Sealed
from sync.share import SyncError

FORMAT = 1
MAGIC = b"SMTE"
_PREFIX = MAGIC + bytes([FORMAT])
_LENGTH_SIZE = 4
_SIG = sealing.SIGNATURE_SIZE
_HASH = re.compile(r"[0-9a-f]{64}")
_HEX32 = re.compile(r"[0-9a-f]{32}")
_HEADER_KEYS = frozenset(
    {"format", "sender", "device", "shard", "table", "record", "type", "version", "parents",
     "links", "recipients"}
)
_KEEP_UNTIL = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
REASONS = (
    "bad_format",
    "hash_mismatch",
    "unknown_sender",
    "bad_signature",
    "not_for_me",
    "undecryptable",
    "version_mismatch",
)


class MemberKeys(Protocol):
    """What the envelope needs of a directory member (``conversations.directory.Member``)."""

    @property
    def enc_key(self) -> str: ...

    @property
    def sign_key(self) -> str: ...


class Keyring(Protocol):
    """What the envelope needs of the directory: members' public keys by person id."""

    @property
    def members(self) -> Mapping[str, MemberKeys]: ...


class EnvelopeRejected(SyncError):
    """An envelope (or journal segment) that is not taken; ``reason`` says why."""

    key = "error.envelope_rejected"

    def __init__(self, reason: str) -> None:
        super().__init__(reason, reason=reason)
        self.reason = reason


@dataclass(frozen=True)
class Header:
    sender: str
    device: str
    shard: str
    table: str
    record: str
    type: str
    version: str
    parents: tuple[str, ...]
    links: tuple[str, ...]
    recipients: Mapping[str, str]
    keep_until: str | None = None

    def signed_part(self) -> dict[str, Any]:
        """Everything but the wrapped keys: the associated data of the content."""
        part: dict[str, Any] = {
            "format": FORMAT,
            "sender": self.sender,
            "device": self.device,
            "shard": self.shard,
            "table": self.table,
            "record": self.record,
            "type": self.type,
            "version": self.version,
            "parents": list(self.parents),
            "links": list(self.links),
        }
        if self.keep_until is not None:
            part["keep_until"] = self.keep_until
        return part


@dataclass(frozen=True)
class Opened:
    """An envelope that passed every check, and the record version it carried."""

    hash: str
    header: Header
    record: dict[str, Any]


def object_path(digest: str) -> str:
    """Where the envelope whose SHA-256 is ``digest`` (64 hex) lives on the share."""
    if not _HASH.fullmatch(digest):
        raise ValueError(f"not an object hash: {digest!r}")
    return f"objects/{digest[:2]}/{digest}"


def is_object_hash(text: str) -> bool:
    return bool(_HASH.fullmatch(text))


def digest_of(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def seal_envelope(
    record: Mapping[str, Any],
    *,
    shard: str,
    table: str,
    sender: str,
    device: str,
    identity: Identity,
    recipients: Mapping[str, str],
    links: Sequence[str] = (),
    keep_until: str | None = None,
) -> tuple[str, bytes]:
    """The envelope of ``record`` for ``recipients`` (person id -> public encryption key),
    and its hash. ValueError when the record's version is not the hash of its content."""
    version = record.get("version")
    if not isinstance(version, str) or version != version_of(record):
        raise ValueError("a record's version must be the hash of its content")
    header = Header(
        sender=sender,
        device=device,
        shard=shard,
        table=table,
        record=str(record.get("id")),
        type=str(record.get("type", "record")),
        version=version,
        parents=tuple(str(p) for p in record.get("parents", ())),
        links=tuple(links),
        recipients={},
        keep_until=keep_until,
    )
    _check_header(header)
    associated = canonical_json(header.signed_part())
    sealed = sealing.seal_for(canonical_json(dict(record)), associated, recipients)
    wrapped = {rid: _b64(wrap) for rid, wrap in sorted(sealed.wrapped.items())}
    header_bytes = canonical_json({**header.signed_part(), "recipients": wrapped})
    body = _PREFIX + len(header_bytes).to_bytes(_LENGTH_SIZE, "big") + header_bytes
    body += sealed.ciphertext
    blob = body + sealing.sign(identity, body)
    return digest_of(blob), blob


def read_header(blob: bytes) -> Header:
    """The header of an envelope, unchecked beyond its form; EnvelopeRejected(bad_format)."""
    return _split(blob)[0]


def verified_header(
    blob: bytes, expected_hash: str, directory: Keyring, *, vouched_by: str | None = None
) -> Header:
    """The header of an authentic envelope — its bytes are the ones ``expected_hash``
    names and its sender's signature holds (``vouched_by`` as in :func:`open_envelope`) —
    without opening the content; EnvelopeRejected naming the check that failed."""
    return _authentic(blob, expected_hash, directory, vouched_by)[0]


def _authentic(
    blob: bytes, expected_hash: str, directory: Keyring, vouched_by: str | None
) -> tuple[Header, bytes]:
    """Header and ciphertext of ``blob`` once its hash and signature hold."""
    _check_prefix(blob)
    if not sealing.same_bytes(digest_of(blob).encode(), expected_hash.encode()):
        raise EnvelopeRejected("hash_mismatch")
    header, body, ciphertext, signature = _split(blob)
    sender = directory.members.get(header.sender)
    if sender is None:
        raise EnvelopeRejected("unknown_sender")
    if vouched_by != header.sender and not sealing.verify(sender.sign_key, body, signature):
        raise EnvelopeRejected("bad_signature")
    return header, ciphertext


def open_envelope(
    blob: bytes,
    expected_hash: str,
    directory: Keyring,
    me_id: str,
    identity: Identity,
    *,
    vouched_by: str | None = None,
) -> Opened:
    """The record inside ``blob`` after every check (see the module docstring), or
    EnvelopeRejected naming the first that failed."""
    header, ciphertext = _authentic(blob, expected_hash, directory, vouched_by)
    if me_id not in header.recipients:
        raise EnvelopeRejected("not_for_me")
    associated = canonical_json(header.signed_part())
    try:
        wrap = _unb64(header.recipients[me_id])
        plain = sealing.open_for(Sealed(ciphertext, {me_id: wrap}), associated, me_id, identity)
        record = json.loads(plain)
    except (InvalidSealError, NotARecipient, ValueError):
        raise EnvelopeRejected("undecryptable") from None
    if not _matches(record, header):
        raise EnvelopeRejected("version_mismatch")
    return Opened(expected_hash, header, record)


def _matches(record: Any, header: Header) -> bool:
    return (
        isinstance(record, dict)
        and record.get("version") == header.version
        and version_of(record) == header.version
        and record.get("id") == header.record
        and str(record.get("type", "record")) == header.type
        and tuple(str(p) for p in record.get("parents", ())) == header.parents
    )


def _check_prefix(blob: bytes) -> None:
    if len(blob) < len(_PREFIX) + _LENGTH_SIZE + _SIG or not blob.startswith(_PREFIX):
        raise EnvelopeRejected("bad_format")


def _split(blob: bytes) -> tuple[Header, bytes, bytes, bytes]:
    """Header, signed body, ciphertext and signature; EnvelopeRejected(bad_format)."""
    _check_prefix(blob)
    start = len(_PREFIX) + _LENGTH_SIZE
    length = int.from_bytes(blob[len(_PREFIX) : start], "big")
    if start + length > len(blob) - _SIG:
        raise EnvelopeRejected("bad_format")
    raw = blob[start : start + length]
    try:
        data = json.loads(raw)
        header = _header(data)
    except (ValueError, TypeError, KeyError):
        raise EnvelopeRejected("bad_format") from None
    if canonical_json(data) != raw:
        raise EnvelopeRejected("bad_format")
    body = blob[:-_SIG]
    return header, body, body[start + length :], blob[-_SIG:]


def _header(data: Any) -> Header:
    if not isinstance(data, dict) or set(data) - {"keep_until"} != _HEADER_KEYS or (
        data["format"] != FORMAT
    ):
        raise ValueError("not an envelope header")
    if "keep_until" in data and data["keep_until"] is None:
        raise ValueError("keep_until is left out, never null")
    recipients = data["recipients"]
    if not isinstance(recipients, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in recipients.items()
    ):
        raise ValueError("bad recipients")
    parents, links = data["parents"], data["links"]
    for versions in (parents, links):
        if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
            raise ValueError("bad parents or links")
    header = Header(
        sender=data["sender"],
        device=data["device"],
        shard=data["shard"],
        table=data["table"],
        record=data["record"],
        type=data["type"],
        version=data["version"],
        parents=tuple(parents),
        links=tuple(links),
        recipients=recipients,
        keep_until=data.get("keep_until"),
    )
    _check_header(header)
    return header


def _check_header(header: Header) -> None:
    for name in ("sender", "device", "table", "record", "type", "version"):
        value = getattr(header, name)
        if not isinstance(value, str) or not value:
            raise ValueError(f"header field {name} must be a non-empty string")
    if not _HEX32.fullmatch(header.shard):
        raise ValueError("header shard must be a conversation id")
    if header.keep_until is not None and not (
        isinstance(header.keep_until, str) and _KEEP_UNTIL.fullmatch(header.keep_until)
    ):
        raise ValueError("header keep_until must be a month, YYYY-MM")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError("not base64") from exc

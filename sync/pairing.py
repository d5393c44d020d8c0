"""Adding a device to a person's profile with a short one-time code, over the share.

**Design.** The person's old device (it holds their keys) shows a code such as
``7QMK-3XHD``: 8 symbols of Crockford's alphabet, 40 random bits, valid 10 minutes by
the app's clock. Everything else comes from the code through Argon2id
(``storage.sealing.derive_key``, 64 MiB, a fixed salt) and HKDF subkeys: the
rendezvous **slot** (a folder name that says nothing about the code or the person) and
the **pairing key**. The new device first reaches the share the way a newcomer does
(location, and for SMB user name and password), then both write small files::

    pairing/<slot>/offer     old → new   sealed with the pairing key:
                                         {"expires", "person": the person's signing key}
    pairing/<slot>/request   new → old   sealed with the pairing key:
                                         {"device": new device id, "name", "enc": a fresh
                                          X25519 public key made for this pairing}
    pairing/<slot>/bundle    old → new   sealed for that X25519 key alone (seal_for),
                                         signed with the person's key

After reading the request, BOTH screens show the same six digits
(``sealing.short_confirmation`` over the pairing key and the new device's public key)
and the person confirms on the old device that they match; only then is the bundle
written. The bundle carries the person's private identity, profile, settings, directory,
pinned organisation card and every shard of their vault (the records with their version
history and open conflicts), so the new device has their conversations and works
offline at once. It does not carry the old device's id, its sync cursors or outbox (the
new device reads the share from the start, and what the old device has not sent yet it
sends itself), nor the organisation's private key that an HR person may keep.

The new device believes the bundle only when it opens with its own key, names its own
device id, is signed by the key the offer named (the offer is authenticated by the code)
and carries the private half of that same key. Then it sets its own PIN (and gets its
own recovery code), imports, and both devices remove the pairing files (``remove`` on
an ``Erasable`` share; left-overs are sealed and expire with the code).

**Why this holds.** The share sees a random folder name and ciphertexts. Someone who
watches the share and copies the offer can only guess codes offline through Argon2id:
2**40 guesses at about 0.1 s each is thousands of CPU-years, and the code is worthless
after 10 minutes. Someone who learnt the code (looking over a shoulder) and races the
real new device with a request of their own is caught by the six digits, which then
differ on the two screens — the person refuses, nothing is sent. A wrong code finds no
offer (or one that does not open): ``WrongCode``. An old offer: ``CodeExpired``. A
bundle sealed for another device: ``NotForThisDevice``. A changed byte, another signer,
an identity that is not the offer's: ``BundleRejected``. A share that goes away raises
``ShareUnavailable`` between steps. In every one of these cases the new device has
written nothing into any vault: the profile is created only from a bundle that passed.

Must not touch: Flet, the vault's files, cryptography (through ``storage.sealing``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conversations.records import canonical_json
from storage import sealing
from storage.sealing import Identity, InvalidSealError, KdfParams, NotARecipient, Sealed
from sync.share import Erasable, Share, ShareUnavailable, SyncError

FORMAT = 1
ROOT = "pairing"
CODE_VALID = dt.timedelta(minutes=10)
OFFER, REQUEST, BUNDLE = "offer", "request", "bundle"
_BUNDLE_PREFIX = b"SMTP" + bytes([FORMAT])
_LENGTH_SIZE = 4
_SIG = sealing.SIGNATURE_SIZE
# Argon2id needs a salt; one fixed for the app keeps the code the only secret, and a
# 40-bit code behind 64 MiB per guess is out of reach of tables as of single guesses.
_SALT = sealing.checksum(b"samtale pairing salt v1")[: sealing.SALT_SIZE]
MAX_NAME = 60

_log = logging.getLogger("samtale.sync.pairing")


class PairingError(SyncError):
    """A pairing that cannot go on; ``key`` names the text the person sees."""

    key = "error.pairing"


class WrongCode(PairingError):
    key = "error.pairing_wrong_code"


class CodeExpired(PairingError):
    key = "error.pairing_expired"


class NotForThisDevice(PairingError):
    key = "error.pairing_not_for_this_device"


class BundleRejected(PairingError):
    key = "error.pairing_bundle_rejected"


@dataclass(frozen=True)
class Rendezvous:
    """Where a pairing meets on the share, and its key; both from the code alone."""

    slot: str
    key: bytes = field(repr=False)

    def path(self, name: str) -> str:
        return f"{ROOT}/{self.slot}/{name}"

    def subkey(self, purpose: str) -> bytes:
        return sealing.subkey(self.key, f"samtale pairing {purpose} v1")


@dataclass(frozen=True)
class Offer:
    expires: dt.datetime
    person_sign: str


@dataclass(frozen=True)
class PairingRequest:
    """What the new device sent: its device id, the name the person gave it, and the
    public key the bundle is to be sealed for."""

    device: str
    name: str
    enc_pub: str


def new_code() -> str:
    return sealing.new_pairing_code()


def rendezvous(code: str, params: KdfParams = KdfParams.DEFAULT) -> Rendezvous:
    """Blocking (Argon2id). WrongCode when ``code`` cannot be a pairing code at all."""
    try:
        symbols = sealing.normalize_pairing_code(code)
    except ValueError:
        raise WrongCode("not a pairing code") from None
    master = sealing.derive_key(symbols, _SALT, params)
    slot = sealing.subkey(master, "samtale pairing slot v1").hex()[:32]
    return Rendezvous(slot, master)


def confirmation(place: Rendezvous, enc_pub: str) -> str:
    """The six digits both screens show: the code's key and the new device's key."""
    return sealing.short_confirmation(place.subkey("confirm"), enc_pub.encode())


# -- the old device ---------------------------------------------------------------------


def write_offer(share: Share, place: Rendezvous, *, person_sign: str,
                expires: dt.datetime) -> None:
    """Opens the rendezvous: valid until ``expires``, for the person with ``person_sign``."""
    body = canonical_json({"format": FORMAT, "kind": OFFER, "expires": expires.isoformat(),
                           "person": person_sign})
    _write(share, place.path(OFFER), sealing.seal(place.subkey(OFFER), body, _ad(place, OFFER)))


def read_request(share: Share, place: Rendezvous) -> PairingRequest | None:
    """The new device's request once it is there; None before. A request that does not
    open with the pairing key is not the new device's: logged and passed over."""
    blob = share.read(place.path(REQUEST))
    if blob is None:
        return None
    try:
        data = _opened(place, REQUEST, blob)
        request = PairingRequest(data["device"], data["name"], data["enc"])
        if (not all(isinstance(v, str) for v in (request.device, request.name, request.enc_pub))
                or len(request.device) != 32 or len(request.name) > MAX_NAME):
            raise ValueError("bad request")
        int(request.device, 16)
        sealing.fingerprint(request.enc_pub)  # a 32-byte key
    except (ValueError, KeyError, TypeError):
        _log.warning("pairing request rejected")
        return None
    return request


def write_bundle(share: Share, place: Rendezvous, request: PairingRequest,
                 person: Identity, contents: Mapping[str, Any]) -> int:
    """Seals ``contents`` for the requesting device alone and signs it with the
    person's key; returns the bundle's size in bytes."""
    plain = canonical_json({"format": FORMAT, "kind": BUNDLE, "device": request.device,
                            **contents})
    associated = _ad(place, BUNDLE) + request.device.encode()
    sealed = sealing.seal_for(plain, associated, {request.device: request.enc_pub})
    header = canonical_json({"format": FORMAT, "device": request.device,
                             "wrap": base64.b64encode(sealed.wrapped[request.device]).decode()})
    body = _BUNDLE_PREFIX + len(header).to_bytes(_LENGTH_SIZE, "big") + header
    blob = body + sealed.ciphertext
    blob += sealing.sign(person, blob)
    _write(share, place.path(BUNDLE), blob)
    return len(blob)


def clear(share: Share, place: Rendezvous) -> None:
    """Removes the pairing's files where the share allows it; a share that went away
    leaves them (sealed, and useless once the code expired)."""
    if not isinstance(share, Erasable):
        return
    for name in (BUNDLE, REQUEST, OFFER):
        try:
            share.remove(place.path(name))
        except ShareUnavailable:
            _log.info("pairing files left on the share: it went away")
            return


# -- the new device ---------------------------------------------------------------------


def read_offer(share: Share, place: Rendezvous, now: dt.datetime) -> Offer:
    """The old device's offer: WrongCode when there is none that opens with this code,
    CodeExpired when it is older than ``CODE_VALID``."""
    blob = share.read(place.path(OFFER))
    if blob is None:
        raise WrongCode("no offer for this code")
    try:
        data = _opened(place, OFFER, blob)
        expires = dt.datetime.fromisoformat(data["expires"])
        person = data["person"]
        if not isinstance(person, str) or expires.tzinfo is None:
            raise ValueError("bad offer")
        sealing.fingerprint(person)
    except (ValueError, KeyError, TypeError):
        raise WrongCode("the offer does not open with this code") from None
    if now > expires:
        raise CodeExpired("the code has expired")
    return Offer(expires, person)


def new_device_id() -> str:
    return secrets.token_hex(16)


def write_request(share: Share, place: Rendezvous, *, device: str, name: str,
                  receiver: Identity) -> None:
    """Asks for the bundle, to be sealed for ``receiver`` (a fresh identity, kept in
    memory only until the bundle is opened)."""
    body = canonical_json({"format": FORMAT, "kind": REQUEST, "device": device,
                           "name": name[:MAX_NAME], "enc": receiver.public().enc})
    _write(share, place.path(REQUEST),
           sealing.seal(place.subkey(REQUEST), body, _ad(place, REQUEST)))


def read_bundle(share: Share, place: Rendezvous, offer: Offer, *, device: str,
                receiver: Identity) -> tuple[Identity, dict[str, Any]] | None:
    """The person's identity and the bundle's contents once the bundle is there and
    passes every check; None before. NotForThisDevice, BundleRejected otherwise."""
    blob = share.read(place.path(BUNDLE))
    if blob is None:
        return None
    start = len(_BUNDLE_PREFIX) + _LENGTH_SIZE
    if len(blob) < start + _SIG or not blob.startswith(_BUNDLE_PREFIX):
        raise BundleRejected("bad format")
    if not sealing.verify(offer.person_sign, blob[:-_SIG], blob[-_SIG:]):
        raise BundleRejected("not signed by the person's key")
    length = int.from_bytes(blob[len(_BUNDLE_PREFIX):start], "big")
    try:
        header = json.loads(blob[start:start + length])
        named, wrap = header["device"], base64.b64decode(header["wrap"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise BundleRejected("bad header") from None
    if named != device:
        raise NotForThisDevice("the bundle names another device")
    associated = _ad(place, BUNDLE) + device.encode()
    try:
        plain = sealing.open_for(Sealed(blob[start + length:-_SIG], {device: wrap}),
                                 associated, device, receiver)
    except NotARecipient:
        raise NotForThisDevice("not sealed for this device") from None
    except InvalidSealError:
        raise BundleRejected("does not open") from None
    try:
        data = json.loads(plain)
        if data.get("format") != FORMAT or data.get("kind") != BUNDLE:
            raise ValueError("not a bundle")
        identity = Identity.from_bytes(base64.b64decode(data["identity"], validate=True))
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        raise BundleRejected("bad contents") from None
    if data.get("device") != device:
        raise NotForThisDevice("the bundle names another device")
    if identity.public().sign != offer.person_sign:
        raise BundleRejected("the identity is not the offer's person")
    return identity, data


def identity_text(identity: Identity) -> str:
    """A person's private identity as the bundle carries it (inside the sealed part)."""
    return base64.b64encode(identity.to_bytes()).decode()


# -- helpers -------------------------------------------------------------------------


def _ad(place: Rendezvous, kind: str) -> bytes:
    return f"samtale pairing {kind} v1|{place.slot}|".encode()


def _opened(place: Rendezvous, kind: str, blob: bytes) -> dict[str, Any]:
    try:
        plain = sealing.open_sealed(place.subkey(kind), blob, _ad(place, kind))
    except InvalidSealError:
        raise ValueError("does not open") from None
    data = json.loads(plain)
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("kind") != kind:
        raise ValueError(f"not a pairing {kind}")
    return data


def _write(share: Share, path: str, blob: bytes) -> None:
    """Write-once; a file already there (an earlier try of the same pairing, or someone
    else's) is replaced where the share allows, else PairingError."""
    if share.write_once(path, blob):
        return
    if isinstance(share, Erasable):
        share.remove(path)
        if share.write_once(path, blob):
            return
    raise PairingError(f"{path} is taken")

"""The only module that touches cryptographic primitives: a small recipe layer.

Callers get a handful of functions that cannot be misused — ``seal``/``open_sealed`` for
authenticated encryption, ``derive_key`` for PINs, ``recovery_key`` for recovery codes,
``subkey`` for domain separation, ``checksum`` for corruption detection — and never see a
nonce, a cipher object or an algorithm name. Nobody else imports ``cryptography``; when
sync needs X25519/Ed25519 they are added here, in the same style.

Choices, and why:

- AES-256-GCM with a fresh random 96-bit nonce per seal. The nonce is prepended to the
  ciphertext; the 16-byte tag is appended. Random nonces are safe for far more seals than
  a vault will ever make with one key (the bound is about 2**32 per key).
- Argon2id for PINs (default 64 MiB, t=3, p=4): a PIN has little entropy, so each guess
  must cost real memory and time. PINs are NFC-normalised first so "Æ" typed on two
  keyboards is the same PIN. Argon2id (RFC 9106, version 0x13) comes from cryptography
  where its OpenSSL has it (3.2 and later) and otherwise from argon2-cffi's low-level
  ``hash_secret_raw`` — the phone builds of cryptography carry OpenSSL 3.0. Both compute
  the same function, so a vault opens with either (tests prove the keys are equal).
- HKDF-SHA256 for recovery codes: a code carries 140 random bits, so guessing is
  hopeless whatever the KDF, and a memory-hard KDF would only add seconds on a tablet.

For the share (``sync/``), one person's ``Identity`` is an X25519 key (others encrypt to
it) and an Ed25519 key (it signs). ``seal_for`` encrypts once, with a fresh random
content key, and wraps that key for each recipient: an ephemeral X25519 agreement with
the recipient's public key, HKDF-SHA256 over the shared secret and both public keys,
and AES-256-GCM whose associated data names the recipient and the caller's associated
data — so a wrap moved under another recipient's name, or next to other associated
data, fails. ``open_for`` says ``NotARecipient`` when there is no wrap for you and
``InvalidSealError`` for anything damaged. ``sign``/``verify`` are plain Ed25519 (RFC
8032, deterministic). Public keys travel as base64 text; ``fingerprint`` makes them
comparable by eye.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import importlib
import os
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from argon2.low_level import ARGON2_VERSION, Type, hash_secret_raw
from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_SIZE = 32
SALT_SIZE = 16
_NONCE_SIZE = 12
_TAG_SIZE = 16
SEAL_OVERHEAD = _NONCE_SIZE + _TAG_SIZE

# Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_LENGTH = 28  # 28 symbols x 5 bits = 140 random bits, shown as 7 groups of 4
_CODE_GROUP = 4
_CODE_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})

# The most a header may ask of Argon2id: beyond this a tampered header could exhaust a
# tablet's memory or stall the unlock for minutes.
MAX_KDF_MEMORY_KIB = 1024 * 1024  # 1 GiB
MAX_KDF_ITERATIONS = 10
MAX_KDF_LANES = 16


class InvalidSealError(Exception):
    """A sealed blob failed authentication: wrong key, wrong associated data, or damaged."""


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost: memory in KiB, iterations (t) and lanes (p).

    Stored in each vault header, so a vault always unlocks with the cost it was made with.
    The header is not authenticated as a whole, so its cost is never trusted to go *down*
    (``at_least``) and never allowed beyond what a tablet can run (``check``).
    """

    memory_kib: int
    iterations: int
    lanes: int

    DEFAULT: ClassVar[KdfParams]
    FAST_FOR_TESTS: ClassVar[KdfParams]

    def check(self) -> None:
        """Raises ValueError for costs that are unsafe to run (a damaged or hostile header)."""
        if not 1 <= self.lanes <= MAX_KDF_LANES:
            raise ValueError(f"lanes {self.lanes} out of range")
        if not 1 <= self.iterations <= MAX_KDF_ITERATIONS:
            raise ValueError(f"iterations {self.iterations} out of range")
        if not 8 * self.lanes <= self.memory_kib <= MAX_KDF_MEMORY_KIB:
            raise ValueError(f"memory {self.memory_kib} KiB out of range")

    def at_least(self, floor: KdfParams) -> KdfParams:
        """The stronger of the two costs, field by field: never below ``floor`` anywhere."""
        return KdfParams(
            memory_kib=max(self.memory_kib, floor.memory_kib),
            iterations=max(self.iterations, floor.iterations),
            lanes=max(self.lanes, floor.lanes),
        )


KdfParams.DEFAULT = KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4)
KdfParams.FAST_FOR_TESTS = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return os.urandom(KEY_SIZE)


def new_salt() -> bytes:
    return os.urandom(SALT_SIZE)


def seal(key: bytes, plaintext: bytes, associated: bytes) -> bytes:
    """Encrypts and authenticates ``plaintext``, bound to ``associated`` (not secret)."""
    nonce = os.urandom(_NONCE_SIZE)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def open_sealed(key: bytes, blob: bytes, associated: bytes) -> bytes:
    """The plaintext of a ``seal`` result; raises InvalidSealError on any mismatch or damage."""
    if len(blob) < SEAL_OVERHEAD:
        raise InvalidSealError("sealed blob too short")
    try:
        return AESGCM(key).decrypt(blob[:_NONCE_SIZE], blob[_NONCE_SIZE:], associated)
    except InvalidTag:
        raise InvalidSealError("authentication failed") from None


def derive_key(secret: str, salt: bytes, params: KdfParams) -> bytes:
    """The Argon2id key for a PIN or passphrase. Slow on purpose: never on the event loop."""
    params.check()
    return choose_argon2id()(normalize_pin(secret).encode(), salt, params)


Argon2idFunction = Callable[[bytes, bytes, KdfParams], bytes]


def argon2id_backend() -> str:
    """Which library computes Argon2id on this device: "cryptography" or "argon2-cffi"."""
    return "cryptography" if choose_argon2id() is argon2id_cryptography else "argon2-cffi"


@functools.cache
def choose_argon2id() -> Argon2idFunction:
    """cryptography's Argon2id when its OpenSSL has one, else argon2-cffi's; decided once
    per process (``choose_argon2id.cache_clear()`` decides again)."""
    try:
        argon2id_cryptography(b"probe", b"\0" * SALT_SIZE, KdfParams(8, 1, 1))
    except (ImportError, UnsupportedAlgorithm):
        return argon2id_argon2_cffi
    return argon2id_cryptography


def argon2id_cryptography(secret: bytes, salt: bytes, params: KdfParams) -> bytes:
    """Argon2id through OpenSSL (3.2 or later); ImportError or UnsupportedAlgorithm
    where cryptography or its OpenSSL is too old."""
    # Looked up at call time: cryptography 43 (what phones get) has no such module.
    argon2 = importlib.import_module("cryptography.hazmat.primitives.kdf.argon2")
    return bytes(argon2.Argon2id(
        salt=salt,
        length=KEY_SIZE,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    ).derive(secret))


def argon2id_argon2_cffi(secret: bytes, salt: bytes, params: KdfParams) -> bytes:
    """Argon2id (version 0x13, raw output) through argon2-cffi's reference C code."""
    return hash_secret_raw(
        secret,
        salt,
        time_cost=params.iterations,
        memory_cost=params.memory_kib,
        parallelism=params.lanes,
        hash_len=KEY_SIZE,
        type=Type.ID,
        version=ARGON2_VERSION,
    )


def normalize_pin(pin: str) -> str:
    """The form a PIN is compared in: NFC, so composed and decomposed letters agree."""
    return unicodedata.normalize("NFC", pin)


def subkey(key: bytes, purpose: str) -> bytes:
    """An independent key for one purpose, so one key never serves two formats."""
    return HKDF(hashes.SHA256(), KEY_SIZE, salt=None, info=purpose.encode()).derive(key)


def checksum(data: bytes) -> bytes:
    """SHA-256 of ``data``: detects damage, not tampering (that is what seals are for)."""
    return hashlib.sha256(data).digest()


def same_bytes(a: bytes, b: bytes) -> bool:
    """Constant-time comparison."""
    return hmac.compare_digest(a, b)


def new_recovery_code() -> str:
    """A random recovery code such as ``K7QM-3XHD-...`` (7 groups of 4, 140 bits)."""
    symbols = "".join(_CODE_ALPHABET[b % 32] for b in os.urandom(_CODE_LENGTH))
    return "-".join(symbols[i : i + _CODE_GROUP] for i in range(0, _CODE_LENGTH, _CODE_GROUP))


def normalize_recovery_code(code: str) -> str:
    """The code's 28 symbols, forgiving case, spaces, dashes and O/0, I/L/1 look-alikes.

    Raises ValueError when what is left cannot be a recovery code.
    """
    cleaned = "".join(code.split()).replace("-", "").upper().translate(_CODE_LOOKALIKES)
    if len(cleaned) != _CODE_LENGTH or any(c not in _CODE_ALPHABET for c in cleaned):
        raise ValueError("not a recovery code")
    return cleaned


PAIRING_CODE_LENGTH = 8  # 40 random bits: short enough to type, see sync.pairing


def new_pairing_code() -> str:
    """A random one-time code for adding a device, e.g. ``7QMK-3XHD`` (8 symbols of
    Crockford's alphabet, 40 bits): only ever read through Argon2id (``derive_key``)."""
    symbols = "".join(_CODE_ALPHABET[b % 32] for b in os.urandom(PAIRING_CODE_LENGTH))
    return symbols[:4] + "-" + symbols[4:]


def normalize_pairing_code(code: str) -> str:
    """A pairing code's 8 symbols, forgiving case, spaces, dashes and look-alikes;
    ValueError when what is left cannot be one."""
    cleaned = "".join(code.split()).replace("-", "").upper().translate(_CODE_LOOKALIKES)
    if len(cleaned) != PAIRING_CODE_LENGTH or any(c not in _CODE_ALPHABET for c in cleaned):
        raise ValueError("not a pairing code")
    return cleaned


def short_confirmation(key: bytes, data: bytes) -> str:
    """Six digits (``482 913``) bound to ``key`` and ``data``: two screens that show the
    same digits hold the same key and saw the same data (a 1 in a million chance
    otherwise)."""
    mac = hmac.new(key, b"samtale confirmation v1|" + data, hashlib.sha256).digest()
    number = int.from_bytes(mac[:8], "big") % 1_000_000
    return f"{number // 1000:03d} {number % 1000:03d}"


def recovery_key(code: str, salt: bytes) -> bytes:
    """The key a recovery code stands for (HKDF: the code itself is high-entropy)."""
    symbols = normalize_recovery_code(code)
    return HKDF(hashes.SHA256(), KEY_SIZE, salt=salt, info=b"samtale recovery code v1").derive(
        symbols.encode()
    )


# -- identities for the share: X25519 to receive, Ed25519 to sign ----------------------

PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64
_IDENTITY_MAGIC = b"SMID\x01"
_WRAP_INFO = b"samtale wrap v1"
_WRAP_SIZE = PUBLIC_KEY_SIZE + SEAL_OVERHEAD + KEY_SIZE
_CONTENT_AD = b"samtale content v1|"
_FINGERPRINT_AD = b"samtale fingerprint v1|"
_INBOX_KEY = b"samtale inbox v1"


class NotARecipient(Exception):
    """``open_for``: the sealed content holds no key for this person."""


@dataclass(frozen=True)
class PublicKeys:
    """What others need to write to a person (``enc``) and to check them (``sign``): base64."""

    enc: str
    sign: str


class Identity:
    """A person's two private keys. Keep it in the vault (``to_bytes``), never on the share."""

    __slots__ = ("_enc", "_sign")

    def __init__(self, enc: X25519PrivateKey, sign: Ed25519PrivateKey) -> None:
        self._enc = enc
        self._sign = sign

    def public(self) -> PublicKeys:
        return PublicKeys(enc=_b64(_raw_public(self._enc)), sign=_b64(_raw_public(self._sign)))

    def to_bytes(self) -> bytes:
        return _IDENTITY_MAGIC + _raw_private(self._enc) + _raw_private(self._sign)

    @classmethod
    def from_bytes(cls, data: bytes) -> Identity:
        """The identity ``to_bytes`` made; ValueError for anything else."""
        size = len(_IDENTITY_MAGIC) + 2 * KEY_SIZE
        if len(data) != size or not data.startswith(_IDENTITY_MAGIC):
            raise ValueError("not a stored identity")
        body = data[len(_IDENTITY_MAGIC) :]
        return cls(
            X25519PrivateKey.from_private_bytes(body[:KEY_SIZE]),
            Ed25519PrivateKey.from_private_bytes(body[KEY_SIZE:]),
        )

    def __repr__(self) -> str:  # never the private keys, not even in a traceback
        return f"Identity(sign={fingerprint(self.public().sign)})"


def new_identity() -> Identity:
    return Identity(X25519PrivateKey.generate(), Ed25519PrivateKey.generate())


@dataclass(frozen=True)
class Sealed:
    """Content sealed once, with its key wrapped for each recipient id."""

    ciphertext: bytes
    wrapped: dict[str, bytes] = field(default_factory=dict)


def seal_for(plaintext: bytes, associated: bytes, recipients: Mapping[str, str]) -> Sealed:
    """Seals ``plaintext`` (bound to ``associated``) so that exactly ``recipients`` —
    person id -> public encryption key (base64) — can open it. ValueError for a bad key."""
    content_key = new_key()
    wrapped = {
        rid: _wrap(content_key, rid, _x25519_public(pub), associated)
        for rid, pub in recipients.items()
    }
    return Sealed(seal(content_key, plaintext, _CONTENT_AD + associated), wrapped)


def open_for(sealed: Sealed, associated: bytes, me_id: str, identity: Identity) -> bytes:
    """The plaintext, for the recipient ``me_id`` holding ``identity``.

    NotARecipient when nothing was wrapped for ``me_id``; InvalidSealError when the wrap,
    the ciphertext or ``associated`` differ in any byte from what was sealed.
    """
    wrap = sealed.wrapped.get(me_id)
    if wrap is None:
        raise NotARecipient(me_id)
    content_key = _unwrap(wrap, me_id, identity, associated)
    return open_sealed(content_key, sealed.ciphertext, _CONTENT_AD + associated)


def sign(identity: Identity, message: bytes) -> bytes:
    """An Ed25519 signature (64 bytes) over ``message``."""
    return identity._sign.sign(message)  # noqa: SLF001 - the key never leaves this module


def verify(sign_pub: str, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is ``sign_pub``'s over ``message``; False for a bad key too."""
    try:
        key = Ed25519PublicKey.from_public_bytes(_public_bytes(sign_pub))
        key.verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def fingerprint(pub: str) -> str:
    """A public key as four groups of four hex digits (``3f2a 9c01 77de 0b45``): short
    enough to read aloud and compare with the one on a colleague's screen."""
    digest = hashlib.sha256(_FINGERPRINT_AD + _public_bytes(pub)).hexdigest()[:16]
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def inbox_name(enc_pub: str) -> str:
    """The name of the share folder where what is sealed for the holder of ``enc_pub``
    is announced (``sync.inbox``): HMAC-SHA256 of the public key, 128 bits as hex. The
    key itself is never on the share in clear (it travels in the sealed directory and
    in join requests sealed for the organisation), so only members can tell whose inbox
    a name is; new keys give a new inbox."""
    return hmac.new(_INBOX_KEY, _public_bytes(enc_pub), hashlib.sha256).hexdigest()[:32]


def _wrap(content_key: bytes, rid: str, recipient: X25519PublicKey, associated: bytes) -> bytes:
    ephemeral = X25519PrivateKey.generate()
    ephemeral_pub = _raw_public(ephemeral)
    key = _wrap_key(ephemeral.exchange(recipient), ephemeral_pub, _raw_public(recipient))
    return ephemeral_pub + seal(key, content_key, _wrap_associated(rid, associated))


def _unwrap(wrap: bytes, rid: str, identity: Identity, associated: bytes) -> bytes:
    if len(wrap) != _WRAP_SIZE:
        raise InvalidSealError("wrapped key has the wrong size")
    ephemeral_pub = wrap[:PUBLIC_KEY_SIZE]
    try:
        peer = X25519PublicKey.from_public_bytes(ephemeral_pub)
        shared = identity._enc.exchange(peer)  # noqa: SLF001 - as in sign()
    except ValueError:  # a low-order point: only a damaged or hostile wrap has one
        raise InvalidSealError("wrapped key is damaged") from None
    key = _wrap_key(shared, ephemeral_pub, _raw_public(identity._enc))  # noqa: SLF001
    return open_sealed(key, wrap[PUBLIC_KEY_SIZE:], _wrap_associated(rid, associated))


def _wrap_key(shared: bytes, ephemeral_pub: bytes, recipient_pub: bytes) -> bytes:
    return HKDF(
        hashes.SHA256(), KEY_SIZE, salt=ephemeral_pub + recipient_pub, info=_WRAP_INFO
    ).derive(shared)


def _wrap_associated(rid: str, associated: bytes) -> bytes:
    """Recipient id and associated data, length-prefixed so no two pairs read the same."""
    rid_bytes = rid.encode()
    return _WRAP_INFO + b"|" + len(rid_bytes).to_bytes(4, "big") + rid_bytes + associated


def _x25519_public(pub: str) -> X25519PublicKey:
    return X25519PublicKey.from_public_bytes(_public_bytes(pub))


def _public_bytes(pub: str) -> bytes:
    try:
        raw = base64.b64decode(pub, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise ValueError("not a base64 public key") from None
    if len(raw) != PUBLIC_KEY_SIZE:
        raise ValueError("a public key has 32 bytes")
    return raw


def _raw_public(key: X25519PrivateKey | Ed25519PrivateKey | X25519PublicKey) -> bytes:
    public = key if isinstance(key, X25519PublicKey) else key.public_key()
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _raw_private(key: X25519PrivateKey | Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()

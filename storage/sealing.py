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
  keyboards is the same PIN.
- HKDF-SHA256 for recovery codes: a code carries 140 random bits, so guessing is
  hopeless whatever the KDF, and a memory-hard KDF would only add seconds on a tablet.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass
from typing import ClassVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
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
    return Argon2id(
        salt=salt,
        length=KEY_SIZE,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    ).derive(normalize_pin(secret).encode())


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


def recovery_key(code: str, salt: bytes) -> bytes:
    """The key a recovery code stands for (HKDF: the code itself is high-entropy)."""
    symbols = normalize_recovery_code(code)
    return HKDF(hashes.SHA256(), KEY_SIZE, salt=salt, info=b"samtale recovery code v1").derive(
        symbols.encode()
    )

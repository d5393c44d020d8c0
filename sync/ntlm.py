"""NTLM's RC4 in plain Python, so a user-name/password login to the share works on phones.

NTLM (MS-NLMP) encrypts the exported session key with RC4. pyspnego takes RC4 from
OpenSSL's legacy provider through cryptography; Flet's mobile runtime sets
``CRYPTOGRAPHY_OPENSSL_NO_LEGACY=1`` (and some OpenSSL builds have no legacy provider), so
every NTLM login there fails with "cipher RC4 … not supported". MD4 and DES, NTLM's other
legacy pieces, are already plain Python inside pyspnego.

``use_plain_rc4()`` swaps pyspnego's ``RC4Handle`` for ``PlainRC4`` everywhere, so the
login is the same code on a PC and on a phone. RC4 here only encrypts a 16-byte random
session key during the login (SMB 3 then signs and encrypts with AES); speed does not
matter and it protects nothing beyond what NTLM itself promises. This is protocol glue
for the SMB backend, not a cipher for Samtale's own data (that is ``storage.sealing``).
"""

from __future__ import annotations

import threading

from spnego._ntlm_raw import crypto

_SWAP = threading.Lock()


class PlainRC4:
    """An RC4 key stream with pyspnego's ``RC4Handle`` interface (``update``, ``reset``)."""

    def __init__(self, key: bytes) -> None:
        if not 1 <= len(key) <= 256:
            raise ValueError("RC4 keys are 1 to 256 bytes")
        self._key = bytes(key)
        self.reset()

    def reset(self) -> None:
        """Back to the start of the key stream."""
        state = list(range(256))
        j = 0
        for i in range(256):
            j = (j + state[i] + self._key[i % len(self._key)]) % 256
            state[i], state[j] = state[j], state[i]
        self._state, self._i, self._j = state, 0, 0

    def update(self, data: bytes) -> bytes:
        """Encrypts (or decrypts: the same thing) ``data``, continuing the key stream."""
        state, i, j = self._state, self._i, self._j
        out = bytearray(len(data))
        for n, byte in enumerate(data):
            i = (i + 1) % 256
            j = (j + state[i]) % 256
            state[i], state[j] = state[j], state[i]
            out[n] = byte ^ state[(state[i] + state[j]) % 256]
        self._i, self._j = i, j
        return bytes(out)


def use_plain_rc4() -> None:
    """Makes pyspnego's NTLM use ``PlainRC4``. Idempotent and thread-safe."""
    with _SWAP:
        # rc4init() and rc4k() look RC4Handle up in their own module at call time.
        crypto.RC4Handle = PlainRC4  # type: ignore[misc,assignment]

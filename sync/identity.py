"""This person's keys for the share, and this vault's device id: made once, kept in the vault.

The identity (an X25519 and an Ed25519 private key, see ``storage.sealing``) lives in the
vault's encrypted meta under ``"identity"``, so it is as safe as the person's records and
goes wherever the vault goes. Its public half is what the organisation's directory lists.
The device id (meta ``"device"``) is random and names this vault's journal on the share:
two devices of one person each have their own. It says nothing about the person.
"""

from __future__ import annotations

import base64
import secrets
import threading

from storage import Vault
from storage.schema import DEVICE_KEY, IDENTITY_KEY
from storage.sealing import Identity, new_identity

_FORMAT = 1
_made = threading.Lock()  # two threads of one app must not make two identities


def identity_of(vault: Vault) -> Identity:
    """This vault's identity, created and stored on first use."""
    with _made:
        stored = vault.get_meta(IDENTITY_KEY)
        if stored is None:
            identity = new_identity()
            data = base64.b64encode(identity.to_bytes()).decode()
            vault.put_meta(IDENTITY_KEY, {"format": _FORMAT, "private": data})
            return identity
    return Identity.from_bytes(base64.b64decode(stored["private"]))


def install_identity(vault: Vault, identity: Identity) -> None:
    """Gives this vault a person's existing identity (their second device, once the keys
    were carried over). Refuses to replace a different identity: records sealed for the
    old keys would become unreadable here."""
    with _made:
        stored = vault.get_meta(IDENTITY_KEY)
        if stored is not None:
            current = Identity.from_bytes(base64.b64decode(stored["private"]))
            if current.public() != identity.public():
                raise ValueError("this vault already has another identity")
            return
        data = base64.b64encode(identity.to_bytes()).decode()
        vault.put_meta(IDENTITY_KEY, {"format": _FORMAT, "private": data})


def device_id_of(vault: Vault) -> str:
    """This vault's device id on this device (32 hex), created on first use."""
    with _made:
        stored = vault.get_meta(DEVICE_KEY)
        if stored is None:
            device = secrets.token_hex(16)
            vault.put_meta(DEVICE_KEY, {"id": device})
            return device
    return str(stored["id"])


def install_device_id(vault: Vault, device: str) -> None:
    """Gives a new vault the device id its pairing named (``sync.pairing``), so the id
    the person's other device recorded is the one this vault's journal uses. Refuses
    to change an id the vault already has."""
    with _made:
        stored = vault.get_meta(DEVICE_KEY)
        if stored is not None:
            if stored["id"] != device:
                raise ValueError("this vault already has another device id")
            return
        vault.put_meta(DEVICE_KEY, {"id": device})


def replace_identity(vault: Vault, identity: Identity) -> None:
    """Gives this vault new keys for the person (after HR approved a key rotation,
    ``sync.organisation``). Records already in the vault stay readable here; only
    envelopes on the share sealed for the old keys are no longer opened by this vault."""
    with _made:
        data = base64.b64encode(identity.to_bytes()).decode()
        vault.put_meta(IDENTITY_KEY, {"format": _FORMAT, "private": data})

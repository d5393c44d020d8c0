"""Signing agreements with a person's Ed25519 key, and checking the signatures.

A signature is ``sealing.sign`` over ``b"samtale-agreement|" + digest + "|" + signer +
"|" + signed_at`` where ``digest`` is :func:`conversations.agreements.content_digest`
(hex, ASCII): who signed, what, and when are all covered, so the "signed at" the PDF
shows cannot be moved either. The prefix keeps an agreement signature from ever being
mistaken for a signature over anything else.

A signature verifies only when all of these hold: its signer is in the directory, it
carries the key the directory lists for that signer, its ``content_hash`` is the digest
of the agreement's content *now* (so one changed character after signing makes it
fail), and the Ed25519 signature itself checks out.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
from collections.abc import Iterable

from conversations.agreements import AgreementStatus, content_digest, status_of, with_signature
from conversations.directory import Directory
from conversations.model import Agreement, Signature
from storage import sealing
from storage.sealing import Identity

_DOMAIN = b"samtale-agreement|"


def signed_message(digest: str, signer_id: str, signed_at: dt.datetime) -> bytes:
    return _DOMAIN + "|".join((digest, signer_id, signed_at.isoformat())).encode()


def sign_agreement(
    agreement: Agreement, signer_id: str, identity: Identity, now: dt.datetime
) -> Agreement:
    """A new version of ``agreement`` signed by ``signer_id`` with ``identity``.

    InputRejected as :func:`conversations.agreements.with_signature` (nothing to sign,
    already signed)."""
    digest = content_digest(agreement)
    signature = Signature(
        signer_id=signer_id,
        signed_at=now,
        content_hash=digest,
        public_key=identity.public().sign,
        signature=base64.b64encode(
            sealing.sign(identity, signed_message(digest, signer_id, now))
        ).decode(),
    )
    return with_signature(agreement, signature)


def signature_valid(agreement: Agreement, signature: Signature, directory: Directory) -> bool:
    """Whether ``signature`` is genuine, by the directory's key, over the current content."""
    member = directory.member(signature.signer_id)
    if member is None or not member.sign_key:
        return False
    if signature.public_key != member.sign_key and not any(
        key.sign_key == signature.public_key and key.retired_at
        and signature.signed_at <= dt.datetime.fromisoformat(key.retired_at)
        for key in member.retired
    ):  # a key retired after a lost device still vouches for what it signed before
        return False
    digest = content_digest(agreement)
    if signature.content_hash != digest:
        return False
    try:
        raw = base64.b64decode(signature.signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    message = signed_message(digest, signature.signer_id, signature.signed_at)
    return sealing.verify(signature.public_key, message, raw)


def verify_signatures(agreement: Agreement, directory: Directory) -> dict[str, bool]:
    """Signer id -> whether their signature verifies (False if any of theirs does not)."""
    results: dict[str, bool] = {}
    for signature in agreement.signatures:
        ok = signature_valid(agreement, signature, directory)
        results[signature.signer_id] = results.get(signature.signer_id, True) and ok
    return results


def verified_status(
    agreement: Agreement, parties: Iterable[str], directory: Directory
) -> tuple[AgreementStatus, frozenset[str]]:
    """:func:`conversations.agreements.status_of`, counting only signatures that verify."""
    genuine = tuple(s for s in agreement.signatures if signature_valid(agreement, s, directory))
    return status_of(dataclasses.replace(agreement, signatures=genuine), parties)


def fingerprint_of(signature: Signature) -> str:
    """The signing key's short fingerprint (``3f2a 9c01 77de 0b45``); "" for a bad key."""
    try:
        return sealing.fingerprint(signature.public_key)
    except ValueError:
        return ""

"""The organisation on the share: its keys, its signed directory, and how people join.

Owns: founding an organisation (an org ``Identity`` kept in the HR person's vault), the
signed directory versions and the organisation's card on the share, and join requests
from new devices with HR's approval or refusal. ``conversations.directory`` owns what a
directory *says*; this module owns how one travels and why it can be believed.

**On the share** (every file write-once, see ``sync.share``)::

    organisation/card                        b"SMTO" | 1 | card body     | org signature
    organisation/directory/<v:010d>          b"SMTO" | 1 | snapshot body | org signature
    organisation/directory/changes/<v:010d>  b"SMTO" | 1 | change body   | org signature
    organisation/directory/grants/<v:010d>/<bucket:04d>
                                             b"SMTO" | 1 | grant body    | org signature
    organisation/directory/snapshot-grants/<v:010d>/<bucket:04d>-of-<buckets:04d>
                                             b"SMTO" | 1 | grant body    | org signature
    organisation/requests/<request id>       b"SMTR" | 1 | header length (4, big-endian)
                                             | header | ciphertext
    organisation/refused/<request id>        b"SMTO" | 1 | refusal body  | org signature

Bodies are canonical JSON (sorted keys, no spaces), each naming its ``kind`` so that no
org signature can be passed off as another kind of file::

    card:      {"format": 1, "kind": "card", "name": ..., "org": {"enc": ..., "sign": ...}}
    snapshot:  {"format": 1, "kind": "directory", "org": {...}, "version": v, "key": k,
                "ciphertext": ..., "buckets": n}
    change:    {"format": 1, "kind": "directory-change", "org": {...}, "version": v,
                "key": k, "ciphertext": ..., "grant": null | {...}, "buckets": n}
    grant:     {"format": 1, "kind": "directory-grant", "org": {...}, "version": v,
                "bucket": b, "ciphertext": ..., "wrapped": {id: ...}}
    refused:   {"format": 1, "kind": "refused", "request": request id}

**The directory at scale: a snapshot and a chain of changes.** A whole municipality
(45,000 members) makes a directory of tens of megabytes, and wrapping a key for every
member alone is 45,000 X25519 agreements. So a directory version is not rewritten
whole: HR writes the *change* that makes version ``v`` (``DirectoryChange``: the
members added or changed, the ids removed, the policy) as one small file, and a device
that holds version ``v - 1`` reads ``changes/v``, ``changes/v+1``, … until one is
missing — in proportion to what changed, never to the directory's size. A *snapshot*
(the whole directory) is written at founding, every ``SNAPSHOT_EVERY`` versions, after
new keys for a member, and whenever a change's slot is taken by something else; a
device without a chain (a newcomer, a new vault) reads the newest snapshot it can open
and the changes after it.

Who may read stays as it was — the members, and the organisation: changes and
snapshots are sealed (AES-GCM, ``sealing.seal``) with a *directory key*, and a key
reaches people only in *grants* (``sealing.seal_for`` of the keys, wrapped for each
recipient): beside a snapshot, for every member and the organisation, in buckets
(``snapshot-grants/<v>/<b>-of-<n>``, so a device that only checks whether its keys
were replaced reads one bucket, not the snapshot); in a hire's change,
for the newcomers alone (the keys since the newest snapshot, so they open it); and when
someone leaves or gets new keys, HR makes a new key (its id is that version) and grants
it to every member left, in buckets of ``GRANT_BUCKET`` members
(``grants/<v>/<bucket>``, the bucket from a hash of the member id), so a device reads
one bucket, not 45,000 wraps. The change is sealed with the new key: whoever left, or
holds keys replaced since, reads nothing from that version on. Keys are kept in the
vault beside the directory (``DirectoryChain``).

One thing this widens, plainly: a newcomer opens the newest snapshot and the changes
after it, so they read the entries of people who left (and earlier values of people
who changed) since that snapshot — at most ``SNAPSHOT_EVERY`` versions back — which a
one-file directory of before would not have shown them. Nothing reaches anyone who
was never a member, and a leaver reads nothing new.

A change is taken only when it verifies under the pinned org key, names the version of
the slot it sits in (a replayed change is ``misplaced``), opens with a key granted to
this device and leaves a whole directory. Otherwise it is logged (never its content)
and the chain stops there — nothing after a change that is not taken is applied, since
each builds on the one before; the device keeps the version it held, and a snapshot HR
writes over a taken slot carries everyone on. Migration: a directory of before (one
file, sealed for every member, ``"wrapped"`` instead of ``"buckets"``) is read as a
snapshot without a key; the first version HR publishes after it is a snapshot.

The card is the one file on the share that names the organisation: no directory file
names it or anybody in it (older versions carried the organisation's name in clear;
readers never needed it).

A join request's header is ``{"format": 1, "org": org signing key, "wrap": base64}``;
its ciphertext is ``storage.sealing.seal_for`` for the org's encryption key alone
(recipient id ``"organisation"``, associated data the header without ``wrap``), so the
share sees neither the person's name nor their claim. Inside: canonical JSON
``{"format": 1, "org": ..., "claim": {...}, "keys": {"enc", "sign"}, "device": ...}``
followed by the person's Ed25519 signature over ``b"SMTR" | 1 | that JSON``. The
request id is the SHA-256 (hex) of the request's bytes, so a copy under another name is
noticed.

**Trust model.** The share is trusted with nothing. The org's signing key is the root:
a device pins it once, on first contact, by reading the card and having the person
compare its fingerprint with the one HR shows (trust on first use, done by a person;
the card's own signature proves only that it is whole). From then on a directory is
believed only when it verifies under the pinned key *and* sits under the number it
claims — so a forged, damaged, truncated or replayed file is skipped (logged, never its
content) and the previous valid version stays. The org's private keys live only in the
vault of the HR person who founded it (meta ``"organisation"``). A join request proves
that its sender holds the private signing key whose public half it encloses; it does
not prove who the person is — HR checks that with them before approving.

**New keys for a person** (a lost or stolen device). A join request may claim a person
who is already a member. Two kinds:

- *From one of the person's remaining devices* (Mine enheder → Meld tabt): the device
  makes new keys and sends a request with a ``rekey`` part naming the old public keys,
  the lost devices and, per device of theirs, the last journal number its segments are
  to count (``until``: what this device has read of each, its own last one included),
  with a ``proof`` — the old signing key's signature over the request — inside the new
  key's signature. So the request comes from someone holding both keys.
- *Without any other device* (Jeg har mistet min enhed): an ordinary join request with
  new keys for the same person id; HR's device fills ``until`` from how far it has read
  the person's journals, and every old device counts as lost.

HR checks with the person and approves: the next directory lists the new keys and only
the requesting device, and keeps the old signing key as a ``RetiredKey`` (``until``,
``lost``, ``retired_at``) that vouches for segments up to those numbers and signatures
made before approval — history stays valid, the thief's later writes are refused
(``retired_key``). From then on everybody seals for the new keys: the old keys open
nothing new. The person's other devices keep the old keys and are shut out too; they
are added again with a code (``sync.pairing``), and whatever they had not synced is lost.

A person who leaves is removed from the directory (``Directory.without_member``):
nothing new is sealed for them, and their device never takes a directory that does not
list them.

Not covered here: the share may *withhold* the newest directory (delete it, or a
change, which stops the chain until the next snapshot); a reader that must never go
back should remember the highest version it has seen.

Must not touch: Flet, cryptography (through ``storage.sealing`` only).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conversations.directory import (
    Directory,
    DirectoryChange,
    Member,
    Policy,
    RetiredKey,
    change_between,
)
from conversations.model import InputRejected, Role
from conversations.records import canonical_json
from storage import Vault, sealing
from storage.schema import ORGANISATION_KEY
from storage.sealing import Identity, InvalidSealError, NotARecipient, PublicKeys, Sealed
from sync.envelope import digest_of
from sync.identity import device_id_of, identity_of
from sync.share import Share, SyncError

FORMAT = 1
MAGIC = b"SMTO"
REQUEST_MAGIC = b"SMTR"
REKEY_MAGIC = b"SMTK"
_PREFIX = MAGIC + bytes([FORMAT])
_REQUEST_PREFIX = REQUEST_MAGIC + bytes([FORMAT])
_LENGTH_SIZE = 4
_SIG = sealing.SIGNATURE_SIZE

ROOT = "organisation"
CARD_PATH = f"{ROOT}/card"
DIRECTORIES = f"{ROOT}/directory"
CHANGES = f"{DIRECTORIES}/changes"
GRANTS = f"{DIRECTORIES}/grants"
SNAPSHOT_GRANTS = f"{DIRECTORIES}/snapshot-grants"
SNAPSHOT_EVERY = 256
"""Versions between two snapshots: what a newcomer reads after the newest snapshot."""
GRANT_BUCKET = 256
"""Members per bucket of grants when a new directory key is made."""
REQUESTS = f"{ROOT}/requests"
REFUSED = f"{ROOT}/refused"
ORG_RECIPIENT = "organisation"

_VERSION = re.compile(r"[0-9]{10}")
_REQUEST_ID = re.compile(r"[0-9a-f]{64}")
_BUCKET_NAME = re.compile(r"([0-9]{4})-of-([0-9]{4})")
_ROLES = frozenset(role.value for role in Role)

_log = logging.getLogger("samtale.sync.organisation")


class AlreadyPublished(SyncError):
    """The path already holds something else: another directory with this version (two
    HR devices published at once — read the newest, apply the change again, publish),
    or another organisation's card."""

    key = "error.organisation_already_published"


@dataclass(frozen=True)
class OrgCard:
    """The public part of the organisation, for a new device's first contact."""

    name: str
    sign_pub: str
    enc_pub: str
    fingerprint: str


@dataclass(frozen=True, kw_only=True)
class JoinClaim:
    """What a new person says about themselves; HR may correct it when approving."""

    person_id: str
    name: str
    roles: frozenset[Role] = frozenset({Role.EMPLOYEE})
    unit: str = ""
    team: str = ""
    leader_id: str | None = None
    job_profile: str | None = None

    def __post_init__(self) -> None:
        if not self.person_id.strip():
            raise InputRejected("error.directory_invalid", field="id")
        if not self.name.strip():
            raise InputRejected("error.name_required")

    def to_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "name": self.name,
            "roles": sorted(role.value for role in self.roles),
            "unit": self.unit,
            "team": self.team,
            "leader_id": self.leader_id,
            "job_profile": self.job_profile,
        }

    @classmethod
    def from_dict(cls, data: Any) -> JoinClaim:
        """ValueError (or InputRejected, a ValueError) for anything but a claim."""
        if not isinstance(data, dict) or set(data) != set(_CLAIM_FIELDS):
            raise ValueError("not a join claim")
        for name, kinds in _CLAIM_FIELDS.items():
            if not isinstance(data[name], kinds):
                raise ValueError(f"bad claim field {name}")
        roles = data["roles"]
        if not all(isinstance(r, str) and r in _ROLES for r in roles):
            raise ValueError("bad claim roles")
        return cls(
            person_id=data["person_id"],
            name=data["name"],
            roles=frozenset(Role(r) for r in roles),
            unit=data["unit"],
            team=data["team"],
            leader_id=data["leader_id"],
            job_profile=data["job_profile"],
        )


_CLAIM_FIELDS: Mapping[str, type | tuple[type, ...]] = {
    "person_id": str,
    "name": str,
    "roles": list,
    "unit": str,
    "team": str,
    "leader_id": (str, type(None)),
    "job_profile": (str, type(None)),
}


@dataclass(frozen=True)
class Rekey:
    """In a join request from a remaining device: the person's keys until now (which
    signed the request too), the devices reported lost, and per device of theirs the
    last journal segment that is to count."""

    old: PublicKeys
    lost: tuple[str, ...]
    until: Mapping[str, int]


@dataclass(frozen=True)
class JoinRequest:
    """A checked join request: the claim, the keys its sender proved to hold, the device.

    ``replaces`` is the directory member with the same person id but other keys, if any:
    approving would give that person new keys — HR should be sure it is them.
    """

    id: str
    claim: JoinClaim
    keys: PublicKeys
    device: str
    replaces: Member | None = None
    rekey: Rekey | None = None


# -- org keys, kept in the HR person's vault -------------------------------------------


def found_organisation(
    hr_vault: Vault, hr_member: Member, name: str, policy: Policy
) -> Directory:
    """Makes the organisation's identity, keeps it in ``hr_vault`` and returns directory
    version 1 holding ``hr_member`` — with the HR role, this vault's public keys and
    device. Publish it with ``publish_card`` and ``publish_directory``.

    ValueError when the vault already keeps an organisation (a second one would orphan
    the first's directory) or when ``hr_member`` names keys other than this vault's."""
    if not name.strip():
        raise InputRejected("error.name_required")
    if hr_vault.get_meta(ORGANISATION_KEY) is not None:
        raise ValueError("this vault already keeps an organisation")
    keys = identity_of(hr_vault).public()
    if (hr_member.enc_key or keys.enc) != keys.enc or (hr_member.sign_key or keys.sign) != (
        keys.sign
    ):
        raise ValueError("the HR member's keys are not this vault's")
    device = device_id_of(hr_vault)
    member = dataclasses.replace(
        hr_member,
        roles=hr_member.roles | {Role.HR},
        enc_key=keys.enc,
        sign_key=keys.sign,
        devices=_with_device(hr_member.devices, device),
    )
    directory = Directory(1, {member.id: member}, policy)  # checks the member's leader
    org = sealing.new_identity()
    hr_vault.put_meta(
        ORGANISATION_KEY,
        {"format": FORMAT, "name": name, "identity": base64.b64encode(org.to_bytes()).decode()},
    )
    return directory


def org_identity_of(vault: Vault) -> Identity | None:
    """The organisation's identity when this vault keeps it (HR), else None."""
    stored = vault.get_meta(ORGANISATION_KEY)
    if stored is None:
        return None
    return Identity.from_bytes(base64.b64decode(stored["identity"]))


def org_name_of(vault: Vault) -> str | None:
    stored = vault.get_meta(ORGANISATION_KEY)
    return None if stored is None else str(stored["name"])


def is_org_keeper(vault: Vault) -> bool:
    return vault.get_meta(ORGANISATION_KEY) is not None


# -- the card: first contact ------------------------------------------------------------


def publish_card(share: Share, name: str, org: Identity) -> None:
    """Writes the organisation's public card once; AlreadyPublished when another org's card
    is already there."""
    keys = org.public()
    blob = _signed(org, {"kind": "card", "name": name, "org": _keys_dict(keys)})
    _write_once(share, CARD_PATH, blob)


def organisation_card(share: Share) -> OrgCard | None:
    """The card on the share, or None when there is none or it is not whole. Show its
    fingerprint to the person to compare with HR's before pinning ``sign_pub``."""
    blob = share.read(CARD_PATH)
    if blob is None:
        return None
    try:
        data = _body(blob, "card")
        name, keys = data["name"], _keys_from(data["org"])
        if not isinstance(name, str) or not sealing.verify(keys.sign, blob[:-_SIG], blob[-_SIG:]):
            raise ValueError("bad card")
        return OrgCard(name, keys.sign, keys.enc, sealing.fingerprint(keys.sign))
    except (ValueError, KeyError, TypeError):
        _log.warning("organisation card rejected")
        return None


# -- the signed directory: snapshots, changes, grants ----------------------------------


@dataclass(frozen=True)
class DirectoryChain:
    """What a device holds of the signed directory: the directory, the directory keys
    granted to it (key id -> 256-bit key; a key's id is the version that made it) and
    the version of the snapshot its chain starts from. A chain read from a one-file
    directory of before has no keys: it follows no changes, only newer snapshots."""

    directory: Directory
    keys: Mapping[int, bytes] = dataclasses.field(default_factory=dict)
    snapshot: int = 0

    def granted(self) -> dict[int, bytes]:
        """The keys a newcomer needs: the one that sealed the newest snapshot this chain
        knows and every later one."""
        since = max((k for k in self.keys if k <= self.snapshot), default=0)
        return {k: key for k, key in self.keys.items() if k >= since}

    def to_dict(self) -> dict[str, Any]:
        """For the vault, beside the directory's own dict."""
        return {"version": self.directory.version, "snapshot": self.snapshot,
                "keys": {str(k): base64.b64encode(key).decode()
                         for k, key in sorted(self.keys.items())}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], directory: Directory) -> DirectoryChain | None:
        """The chain kept with ``directory``; None when it was kept with another version
        (the directory changed without it) or is not whole: then read from a snapshot."""
        try:
            if data.get("version") != directory.version:
                return None
            keys = {int(k): base64.b64decode(v, validate=True)
                    for k, v in data["keys"].items()}
            return cls(directory, keys, int(data["snapshot"]))
        except (KeyError, TypeError, ValueError, AttributeError, binascii.Error):
            return None


def directory_path(version: int) -> str:
    """Where the snapshot (or one-file directory of before) of ``version`` lives."""
    return f"{DIRECTORIES}/{_number(version)}"


def change_path(version: int) -> str:
    """Where the change that makes ``version`` lives."""
    return f"{CHANGES}/{_number(version)}"


def grant_path(version: int, bucket: int) -> str:
    """Where one bucket of the grants of the key that ``version`` made lives."""
    return f"{GRANTS}/{_number(version)}/{bucket:04d}"


def snapshot_grant_path(version: int, bucket: int, buckets: int) -> str:
    """Where one of the ``buckets`` grants of the snapshot of ``version`` lives; the
    count is in the name, so a device finds its bucket without the snapshot itself."""
    return f"{SNAPSHOT_GRANTS}/{_number(version)}/{bucket:04d}-of-{buckets:04d}"


def _grant_path(version: int, bucket: int, buckets: int, where: str) -> str:
    if where == "snapshot":
        return snapshot_grant_path(version, bucket, buckets)
    return grant_path(version, bucket)


def grant_bucket(member_id: str, buckets: int) -> int:
    """Which of ``buckets`` grant files holds ``member_id``'s wrap."""
    return int(digest_of(member_id.encode())[:8], 16) % buckets


def _number(version: int) -> str:
    if not 0 < version < 10**10:
        raise ValueError(f"directory version out of range: {version}")
    return f"{version:010d}"


def publish_directory(share: Share, directory: Directory, org: Identity,
                      held: DirectoryChain | None = None) -> DirectoryChain:
    """Publishes ``directory`` as the next version and returns the organisation's chain
    with it. ``held`` is the chain this device kept (it is brought up to date from the
    share first); without one the chain is read from the newest snapshot.

    The next version after the chain's is written as a change (see the module
    docstring): a leaver or new keys for a member make a new directory key, granted to
    every member left; a hire grants the newcomer the keys since the snapshot. Every
    ``SNAPSHOT_EVERY`` versions, after new keys for a member, on a share with only
    one-file directories, and when the change's slot is taken, a snapshot is written.
    Publishing the same version again is harmless; AlreadyPublished when another
    directory holds it."""
    pub = org.public().sign
    chain = follow_directory(share, pub, ORG_RECIPIENT, org, held)
    if chain is not None and directory.version <= chain.directory.version:
        if chain.directory == directory:
            return chain
        path = change_path(directory.version) if directory.version > chain.snapshot else (
            directory_path(directory.version))
        raise AlreadyPublished(f"{path} already holds something else", path=path)
    if chain is None or not chain.keys or directory.version != chain.directory.version + 1:
        key_id = directory.version
        return _write_snapshot(share, directory, org, key_id, {key_id: sealing.new_key()})
    return _write_change(share, chain, directory, org)


def _write_change(share: Share, chain: DirectoryChain, directory: Directory,
                  org: Identity) -> DirectoryChain:
    pub, version = org.public().sign, directory.version
    old = chain.directory.members
    change = change_between(chain.directory, directory)
    rekeyed = any(m.id in old and old[m.id].enc_key not in ("", m.enc_key) for m in change.put)
    keys = dict(chain.keys)
    if change.remove or rekeyed:
        keys[version] = sealing.new_key()  # what was granted before opens nothing new
    key_id = max(keys)
    after = DirectoryChain(directory, keys, chain.snapshot)
    grant: dict[str, Any] | None = None
    buckets = 0
    if key_id == version:
        recipients = _recipients(directory)
        buckets = max(1, -(-len(recipients) // GRANT_BUCKET))
        if not _write_grants(share, version, buckets=buckets, recipients=recipients,
                             keys=after.granted(), org=org, where="change"):
            return _write_snapshot(share, directory, org, key_id, keys)
    else:
        newcomers = {m.id: m.enc_key for m in change.put
                     if m.enc_key and (m.id not in old or not old[m.id].enc_key)}
        if newcomers:
            grant = _sealed_dict(sealing.seal_for(
                _keys_json(after.granted()), _grant_associated(version, "change", pub),
                newcomers))
    sealed = sealing.seal(keys[key_id], canonical_json(change.to_dict()),
                          _change_associated(version, key_id, pub))
    blob = _signed(org, {"kind": "directory-change", "org": _keys_dict(org.public()),
                         "version": version, "key": key_id,
                         "ciphertext": base64.b64encode(sealed).decode(),
                         "grant": grant, "buckets": buckets})
    if not share.write_once(change_path(version), blob):
        # Taken by something no reader takes (the chain did not reach it): a snapshot
        # carries the version instead.
        return _write_snapshot(share, directory, org, key_id, keys)
    if rekeyed or version - chain.snapshot >= SNAPSHOT_EVERY:
        return _write_snapshot(share, directory, org, key_id, keys)
    return after


def _recipients(directory: Directory) -> dict[str, str]:
    """Every member with keys."""
    return {m.id: m.enc_key for m in directory.members.values() if m.enc_key}


def _write_grants(share: Share, version: int, *, buckets: int, recipients: Mapping[str, str],
                  keys: Mapping[int, bytes], org: Identity, where: str) -> bool:
    """The grants of ``keys`` (of a change's new key, or of a snapshot: ``where``) to
    ``recipients`` and the organisation, in ``buckets`` files; False when one is taken."""
    pub = org.public()
    split: list[dict[str, str]] = [{} for _ in range(buckets)]
    for rid, enc in recipients.items():
        split[grant_bucket(rid, buckets)][rid] = enc
    split[grant_bucket(ORG_RECIPIENT, buckets)][ORG_RECIPIENT] = pub.enc
    plain = _keys_json(keys)
    for bucket, members in enumerate(split):
        sealed = sealing.seal_for(plain, _grant_associated(version, _bucket_label(where, bucket),
                                                           pub.sign), members)
        blob = _signed(org, {"kind": "directory-grant", "org": _keys_dict(pub),
                             "version": version, "bucket": bucket, **_sealed_dict(sealed)})
        if not share.write_once(_grant_path(version, bucket, buckets, where), blob):
            return False
    return True


def _bucket_label(where: str, bucket: int) -> str:
    return f"bucket-{bucket}" if where == "change" else f"{where}-{bucket}"


def _write_snapshot(share: Share, directory: Directory, org: Identity, key_id: int,
                    keys: Mapping[int, bytes]) -> DirectoryChain:
    """The whole directory, sealed with the key ``key_id``, which is granted to every
    member and the organisation in buckets beside it (``snapshot_grant_path``)."""
    pub = org.public()
    version = directory.version
    chain = DirectoryChain(directory, dict(keys), version)
    recipients = _recipients(directory)
    buckets = max(1, -(-(len(recipients) + 1) // GRANT_BUCKET))
    sealed = sealing.seal(keys[key_id], canonical_json(directory.to_dict()),
                          _snapshot_associated(version, key_id, pub.sign))
    blob = _signed(org, {"kind": "directory", "org": _keys_dict(pub), "version": version,
                         "key": key_id, "ciphertext": base64.b64encode(sealed).decode(),
                         "buckets": buckets})
    path = directory_path(version)
    if _write_grants(share, version, buckets=buckets, recipients=recipients,
                     keys=chain.granted(), org=org, where="snapshot") and (
            share.write_once(path, blob)):
        return chain
    # Sealing is randomised: the same directory published twice differs in its bytes,
    # so compare what the version already there holds.
    held = _open_snapshot(_Reader(share, pub.sign, ORG_RECIPIENT, org),
                          share.read(path) or b"", version)
    if not isinstance(held, DirectoryChain) or held.directory != directory:
        raise AlreadyPublished(f"{path} already holds something else", path=path)
    return held


def _keys_json(keys: Mapping[int, bytes]) -> bytes:
    return canonical_json({"keys": {str(k): base64.b64encode(key).decode()
                                    for k, key in sorted(keys.items())}})


def _keys_from_json(plain: bytes) -> dict[int, bytes]:
    """ValueError (binascii.Error, KeyError, TypeError) for anything but granted keys."""
    data = json.loads(plain)
    keys = {int(k): base64.b64decode(v, validate=True) for k, v in data["keys"].items()}
    if not all(len(key) == sealing.KEY_SIZE for key in keys.values()):
        raise ValueError("a directory key has 32 bytes")
    return keys


def _sealed_dict(sealed: Sealed) -> dict[str, Any]:
    return {"ciphertext": base64.b64encode(sealed.ciphertext).decode(),
            "wrapped": {rid: base64.b64encode(w).decode() for rid, w in sealed.wrapped.items()}}


def _sealed_from(data: Any) -> Sealed:
    return Sealed(
        base64.b64decode(data["ciphertext"], validate=True),
        {rid: base64.b64decode(w, validate=True) for rid, w in data["wrapped"].items()},
    )


def _directory_associated(version: int, org_sign_pub: str) -> bytes:
    return f"samtale-directory|{version}|{org_sign_pub}".encode()


def _snapshot_associated(version: int, key_id: int, org_sign_pub: str) -> bytes:
    return f"samtale-directory-snapshot|{version}|{key_id}|{org_sign_pub}".encode()


def _change_associated(version: int, key_id: int, org_sign_pub: str) -> bytes:
    return f"samtale-directory-change|{version}|{key_id}|{org_sign_pub}".encode()


def _grant_associated(version: int, where: str, org_sign_pub: str) -> bytes:
    return f"samtale-directory-grant|{version}|{where}|{org_sign_pub}".encode()


@dataclass(frozen=True)
class _Reader:
    """Who reads the directory, from where: the share (None: only the file in hand),
    the pinned org key, the id to read as and its keys."""

    share: Share | None
    org_sign_pub: str
    me_id: str
    identity: Identity
    keys: Mapping[int, bytes] = dataclasses.field(default_factory=dict)  # granted already

    def read(self, path: str) -> bytes | None:
        return None if self.share is None else self.share.read(path)


def follow_directory(share: Share, org_sign_pub: str, me_id: str, identity: Identity,
                     held: DirectoryChain | None = None) -> DirectoryChain | None:
    """The newest directory ``me_id`` can read, as a chain: from ``held`` through the
    changes after it (one small file each, and for a new key one bucket of grants),
    and from a snapshot only when a newer one is there that the changes did not reach
    (a device without a chain, a one-file directory of before, a change slot taken).
    A change that is not genuine, not the next one or not for me stops the chain there:
    it is logged (never its content) and nothing after it is taken. None when nothing
    is readable. The organisation itself reads as ``ORG_RECIPIENT``."""
    reader = _Reader(share, org_sign_pub, me_id, identity)
    chain = held
    if chain is not None and chain.keys:
        chain = _follow_changes(reader, chain)
    reached = chain.directory.version if chain is not None else 0
    versions = sorted(
        (int(name) for name in share.list(DIRECTORIES) if _VERSION.fullmatch(name)),
        reverse=True,
    )
    for version in versions:
        if version <= reached:
            break
        blob = share.read(directory_path(version))
        if blob is None:
            continue
        found = _open_snapshot(reader, blob, version)
        if isinstance(found, DirectoryChain):
            if found.keys:
                found = _follow_changes(reader, found)
            return found
        _log.warning("rejected directory %010d: %s", version, found)
    return chain


def read_directory(
    share: Share, org_sign_pub: str, me_id: str, identity: Identity
) -> Directory | None:
    """The newest directory the pinned org key signed that ``me_id`` can read, from the
    newest snapshot it can open and the changes after it (``follow_directory`` without
    a chain); None when there is none."""
    chain = follow_directory(share, org_sign_pub, me_id, identity)
    return None if chain is None else chain.directory


def _follow_changes(reader: _Reader, chain: DirectoryChain) -> DirectoryChain:
    while True:
        version = chain.directory.version + 1
        blob = reader.read(change_path(version))
        if blob is None:
            return chain
        step = _change_problem(reader, blob, version, chain)
        if isinstance(step, str):
            _log.warning("rejected directory change %010d: %s", version, step)
            return chain
        chain = step


def _change_problem(reader: _Reader, blob: bytes, version: int,
                    chain: DirectoryChain) -> DirectoryChain | str:
    """The chain one change further, or why the change in ``blob`` is not taken."""
    data = _change_data(blob, version, reader.org_sign_pub)
    if isinstance(data, str):
        return data
    try:
        key_id = data["key"]
        keys = dict(chain.keys)
        if key_id not in keys:
            keys.update(_change_grants(reader, data, version))
        if key_id not in keys:
            return "not_for_me"  # removed, or this device holds keys replaced since
        plain = sealing.open_sealed(keys[key_id], base64.b64decode(data["ciphertext"],
                                                                   validate=True),
                                    _change_associated(version, key_id, reader.org_sign_pub))
        change = DirectoryChange.from_dict(json.loads(plain))
        if change.version != version:
            return "misplaced"
        return DirectoryChain(chain.directory.with_change(change), keys, chain.snapshot)
    except (InvalidSealError, NotARecipient):
        return "undecryptable"
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        return "bad_format"  # InputRejected is a ValueError


def _change_data(blob: bytes, version: int, org_sign_pub: str) -> dict[str, Any] | str:
    """The body of the change in ``blob``, signed by the org and for ``version``, or why
    it is not taken."""
    if len(blob) < len(_PREFIX) + _SIG or not blob.startswith(_PREFIX):
        return "bad_format"
    if not sealing.verify(org_sign_pub, blob[:-_SIG], blob[-_SIG:]):
        return "bad_signature"
    try:
        data = _body(blob, "directory-change")
        if _keys_from(data["org"]).sign != org_sign_pub:
            return "bad_format"
    except (ValueError, KeyError, TypeError):
        return "bad_format"
    if data.get("version") != version:
        return "misplaced"
    key_id, buckets = data.get("key"), data.get("buckets")
    if (not isinstance(key_id, int) or not isinstance(buckets, int) or buckets < 0
            or not isinstance(data.get("grant"), (dict, type(None)))):
        return "bad_format"
    return data


def _change_grants(reader: _Reader, data: Mapping[str, Any], version: int) -> dict[int, bytes]:
    """The keys a change grants ``me_id``: inline (a newcomer) or in its bucket (a new
    key); none when it grants them nothing. ValueError, InvalidSealError or
    binascii.Error when a grant is not genuine."""
    grant = data["grant"]
    if grant is not None and reader.me_id in grant["wrapped"]:
        return _keys_from_json(sealing.open_for(
            _sealed_from(grant), _grant_associated(version, "change", reader.org_sign_pub),
            reader.me_id, reader.identity))
    if data["buckets"]:
        return _bucket_keys(reader, version, data["buckets"], "change")
    return {}


def _bucket_keys(reader: _Reader, version: int, buckets: int, where: str) -> dict[int, bytes]:
    """The keys granted to ``me_id`` in its bucket of ``version``'s grants; none when
    the bucket does not name me. ValueError (InvalidSealError) when it is not genuine."""
    bucket = grant_bucket(reader.me_id, buckets)
    blob = reader.read(_grant_path(version, bucket, buckets, where))
    if blob is None:
        raise ValueError("grant missing")
    if not sealing.verify(reader.org_sign_pub, blob[:-_SIG], blob[-_SIG:]):
        raise ValueError("grant not signed by the organisation")
    data = _body(blob, "directory-grant")
    if data["version"] != version or data["bucket"] != bucket:
        raise ValueError("grant misplaced")
    if reader.me_id not in data["wrapped"]:
        return {}
    return _keys_from_json(sealing.open_for(
        _sealed_from(data),
        _grant_associated(version, _bucket_label(where, bucket), reader.org_sign_pub),
        reader.me_id, reader.identity))


def _open_snapshot(reader: _Reader, blob: bytes, version: int) -> DirectoryChain | str:
    """The chain a snapshot (or a one-file directory of before) starts, or why it is not
    taken. A snapshot that does not name ``me_id`` opens with keys granted to them by a
    change after it (a newcomer) when ``share`` is given to look for one."""
    if len(blob) < len(_PREFIX) + _SIG or not blob.startswith(_PREFIX):
        return "bad_format"
    if not sealing.verify(reader.org_sign_pub, blob[:-_SIG], blob[-_SIG:]):
        return "bad_signature"
    try:
        data = _body(blob, "directory")
        if _keys_from(data["org"]).sign != reader.org_sign_pub:
            return "bad_format"
        if data["version"] != version:
            return "misplaced"
        if "buckets" not in data:
            return _open_one_file(reader, data, version)
        key_id, buckets = data["key"], data["buckets"]
        if not isinstance(key_id, int) or not isinstance(buckets, int) or buckets < 1:
            return "bad_format"
        ciphertext = base64.b64decode(data["ciphertext"], validate=True)
        keys = reader.keys or (_bucket_keys(reader, version, buckets, "snapshot")
                               if reader.share is not None else {})
        if not keys and reader.share is not None:
            keys = _granted_after(reader, version)
        if key_id not in keys:
            return "not_for_me"
        plain = sealing.open_sealed(keys[key_id], ciphertext,
                                    _snapshot_associated(version, key_id, reader.org_sign_pub))
        directory = Directory.from_dict(json.loads(plain))
    except (InvalidSealError, NotARecipient):
        return "undecryptable"
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        return "bad_format"  # InputRejected is a ValueError
    if directory.version != version:
        return "misplaced"
    return DirectoryChain(directory, keys, version)


def _granted_after(reader: _Reader, version: int) -> dict[int, bytes]:
    """For a newcomer: the keys granted to ``me_id`` by the first change after the
    snapshot ``version`` that grants them any; none when no change does."""
    while True:
        version += 1
        blob = reader.read(change_path(version))
        if blob is None:
            return {}
        data = _change_data(blob, version, reader.org_sign_pub)
        if isinstance(data, str):
            return {}
        try:
            keys = _change_grants(reader, data, version)
        except (InvalidSealError, NotARecipient, ValueError, KeyError, TypeError,
                binascii.Error):
            return {}
        if keys:
            return keys


def _open_one_file(reader: _Reader, data: Mapping[str, Any],
                   version: int) -> DirectoryChain | str:
    """A directory of before: one file sealed for every member, no directory key."""
    sealed = _sealed_from(data)
    try:
        plain = sealing.open_for(sealed, _directory_associated(version, reader.org_sign_pub),
                                 reader.me_id, reader.identity)
    except NotARecipient:
        return "not_for_me"
    directory = Directory.from_dict(json.loads(plain))
    if directory.version != version:
        return "misplaced"
    return DirectoryChain(directory)


def _snapshot_versions(share: Share) -> list[int]:
    return sorted(
        (int(name) for name in share.list(DIRECTORIES) if _VERSION.fullmatch(name)),
        reverse=True,
    )


def _snapshot_grants(share: Share, version: int, org_sign_pub: str,
                     only: str | None = None) -> list[dict[str, Any]]:
    """The genuine grant buckets of the snapshot ``version`` (none for a one-file
    directory of before): signed by the org, each in its own place. With ``only``, just
    the bucket that would name that member."""
    found = []
    for name in share.list(f"{SNAPSHOT_GRANTS}/{version:010d}"):
        match = _BUCKET_NAME.fullmatch(name)
        if match is None or int(match[2]) < 1 or (
            only is not None and grant_bucket(only, int(match[2])) != int(match[1])
        ):
            continue
        blob = share.read(f"{SNAPSHOT_GRANTS}/{version:010d}/{name}")
        if blob is None or not sealing.verify(org_sign_pub, blob[:-_SIG], blob[-_SIG:]):
            continue
        try:
            data = _body(blob, "directory-grant")
        except (ValueError, KeyError, TypeError):
            continue
        if data.get("version") == version and data.get("bucket") == int(match[1]):
            found.append(data)
    return found


def find_listing(share: Share, org_sign_pub: str,
                 identity: Identity) -> tuple[str, Directory] | None:
    """The member id and directory when the newest snapshot lists ``identity``'s keys
    under some member — a person whose lost device HR replaced with this one: their
    id was only known to HR (new keys for a member always write a snapshot). One X25519
    agreement per member; None when not listed."""
    versions = _snapshot_versions(share)
    if not versions:
        return None
    version = versions[0]
    blob = share.read(directory_path(version))
    if blob is None:
        return None
    for data in _snapshot_grants(share, version, org_sign_pub):
        label = _bucket_label("snapshot", data["bucket"])
        for rid in data.get("wrapped", {}):
            try:
                keys = _keys_from_json(sealing.open_for(
                    _sealed_from(data), _grant_associated(version, label, org_sign_pub),
                    rid, identity))
            except (InvalidSealError, NotARecipient, ValueError, KeyError, TypeError,
                    binascii.Error):
                continue
            found = _open_snapshot(_Reader(share, org_sign_pub, rid, identity, keys), blob,
                                   version)
            if not isinstance(found, DirectoryChain):
                continue
            member = found.directory.member(rid)
            if member is not None and member.enc_key == identity.public().enc:
                return rid, found.directory
    try:  # a one-file directory of before
        ids = list(_body(blob, "directory").get("wrapped", {}))
    except (ValueError, KeyError, TypeError):
        return None
    for rid in ids:
        found = _open_snapshot(_Reader(None, org_sign_pub, rid, identity), blob, version)
        if isinstance(found, DirectoryChain):
            member = found.directory.member(rid)
            if member is not None and member.enc_key == identity.public().enc:
                return rid, found.directory
    return None


def keys_replaced(share: Share, org_sign_pub: str, me_id: str, identity: Identity) -> bool:
    """Whether the newest genuine snapshot grants its key to ``me_id`` but not for these
    keys: HR gave the person new keys (a lost device; that always writes a snapshot),
    and this device holds the old ones — it is shut out and must be added again with
    a code. Reads the one bucket of grants that names ``me_id``, not the snapshot."""
    for version in _snapshot_versions(share):
        grants = _snapshot_grants(share, version, org_sign_pub, only=me_id)
        if grants:
            mine = [g for g in grants if me_id in g.get("wrapped", {})]
            if not mine:
                return False
            try:
                sealing.open_for(_sealed_from(mine[0]), _grant_associated(
                    version, _bucket_label("snapshot", mine[0]["bucket"]), org_sign_pub),
                    me_id, identity)
            except InvalidSealError:
                return True
            except (NotARecipient, ValueError, KeyError, TypeError, binascii.Error):
                return False
            return False
        blob = share.read(directory_path(version))
        if blob is None:
            continue
        try:
            data = _body(blob, "directory")
        except (ValueError, KeyError, TypeError):
            continue
        if "buckets" in data:
            continue  # a snapshot whose grants are gone: not one to go by
        problem = _open_snapshot(_Reader(None, org_sign_pub, me_id, identity), blob, version)
        if problem in ("bad_format", "bad_signature", "misplaced"):
            continue  # not a genuine directory: look at the one before
        return problem == "undecryptable" and me_id in data.get("wrapped", {})
    return False


# -- join requests ----------------------------------------------------------------------------


def request_to_join(share: Share, card: OrgCard, person_vault: Vault, claim: JoinClaim) -> str:
    """Writes this person's join request, sealed for the organisation alone and signed
    with their own key; returns its id."""
    identity = identity_of(person_vault)
    fields = {"format": FORMAT, "org": card.sign_pub, "claim": claim.to_dict(),
              "keys": _keys_dict(identity.public()), "device": device_id_of(person_vault)}
    return _write_request(share, card, fields, identity)


def request_new_keys(
    share: Share, card: OrgCard, person_vault: Vault, claim: JoinClaim, new: Identity, *,
    lost: tuple[str, ...], until: Mapping[str, int],
) -> str:
    """From a remaining device of a member: asks HR to list ``new`` keys for them
    instead of this vault's, naming the ``lost`` devices and, per device, the last
    journal segment to count (see the module docstring). Signed with both keys."""
    old = identity_of(person_vault)
    fields: dict[str, Any] = {
        "format": FORMAT, "org": card.sign_pub, "claim": claim.to_dict(),
        "keys": _keys_dict(new.public()), "device": device_id_of(person_vault),
    }
    rekey = {"old": _keys_dict(old.public()), "lost": sorted(lost), "until": dict(until)}
    proof = sealing.sign(old, _rekey_message(fields, rekey))
    fields["rekey"] = {**rekey, "proof": base64.b64encode(proof).decode()}
    return _write_request(share, card, fields, new)


def _rekey_message(fields: Mapping[str, Any], rekey: Mapping[str, Any]) -> bytes:
    return REKEY_MAGIC + bytes([FORMAT]) + canonical_json({**fields, "rekey": rekey})


def _write_request(share: Share, card: OrgCard, fields: Mapping[str, Any],
                   identity: Identity) -> str:
    inner = canonical_json(dict(fields))
    plain = inner + sealing.sign(identity, _REQUEST_PREFIX + inner)
    header = {"format": FORMAT, "org": card.sign_pub}
    sealed = sealing.seal_for(plain, canonical_json(header), {ORG_RECIPIENT: card.enc_pub})
    wrap = base64.b64encode(sealed.wrapped[ORG_RECIPIENT]).decode()
    header_bytes = canonical_json({**header, "wrap": wrap})
    blob = (
        _REQUEST_PREFIX + len(header_bytes).to_bytes(_LENGTH_SIZE, "big") + header_bytes
        + sealed.ciphertext
    )
    request_id = digest_of(blob)
    share.write_once(f"{REQUESTS}/{request_id}", blob)
    return request_id


def pending_requests(share: Share, org: Identity, directory: Directory) -> list[JoinRequest]:
    """The join requests addressed to ``org`` that still wait for HR: checked, neither
    refused nor already approved (person and keys in ``directory``), by name."""
    refused = set(share.list(REFUSED))
    pending: list[JoinRequest] = []
    for name in share.list(REQUESTS):
        if not _REQUEST_ID.fullmatch(name):
            continue
        if name in refused and _is_refused(share, name, org):
            continue
        blob = share.read(f"{REQUESTS}/{name}")
        if blob is None:
            continue
        opened = _open_request(blob, name, org)
        if isinstance(opened, str):
            if opened != "other_org":
                _log.warning("rejected join request %s: %s", name, opened)
            continue
        member = directory.member(opened.claim.person_id)
        if any((m.enc_key, m.sign_key) == (opened.keys.enc, opened.keys.sign)
               for m in directory.members.values()):
            continue  # approved (also as another member's new keys)
        if opened.rekey is not None and (
            member is None or member.sign_key != opened.rekey.old.sign
        ):
            continue  # new keys for keys already replaced: out of date
        pending.append(dataclasses.replace(opened, replaces=member))
    return sorted(pending, key=lambda r: (r.claim.name, r.id))


def approve(
    request: JoinRequest,
    directory: Directory,
    *,
    roles: frozenset[Role] | None = None,
    leader_id: str | None = None,
    retired_at: str = "",
    until: Mapping[str, int] | None = None,
) -> Directory:
    """The next directory version with the requester as a member: their claim, their
    keys and device; ``roles``/``leader_id`` given by HR replace what was asked.
    InputRejected when the leader is not in the directory.

    When the person is a member with other keys, the old signing key is retired (see
    the module docstring) at ``retired_at`` (ISO 8601, the approval's moment): with the
    request's ``rekey`` part, as the person's remaining device asked; without one,
    every old device counts as lost and ``until`` says how far HR's device has read
    their journals. A rekey request whose old keys are not the member's current ones
    (already replaced) is refused: InputRejected."""
    claim = request.claim
    existing = directory.member(claim.person_id)
    same_keys = existing is not None and (existing.enc_key, existing.sign_key) == (
        request.keys.enc, request.keys.sign
    )
    devices = existing.devices if existing is not None and same_keys else ()
    retired = existing.retired if existing is not None else ()
    if request.rekey is not None and (
        existing is None or existing.sign_key != request.rekey.old.sign
    ):
        raise InputRejected("error.rekey_stale")
    if existing is not None and not same_keys and existing.sign_key:
        if request.rekey is not None:
            key = RetiredKey(sign_key=existing.sign_key, until=request.rekey.until,
                             lost=request.rekey.lost, retired_at=retired_at)
        else:
            key = RetiredKey(sign_key=existing.sign_key, until=dict(until or {}),
                             lost=existing.devices, retired_at=retired_at)
        retired = (*retired, key)
    if request.rekey is not None and existing is not None:
        # The member's roles, unit and team stay as HR set them.
        claim = JoinClaim(person_id=existing.id, name=existing.name, roles=existing.roles,
                          unit=existing.unit, team=existing.team,
                          leader_id=existing.leader_id, job_profile=existing.job_profile)
    member = Member(
        id=claim.person_id,
        name=claim.name,
        roles=roles if roles is not None else claim.roles,
        unit=claim.unit,
        team=claim.team,
        leader_id=leader_id if leader_id is not None else claim.leader_id,
        job_profile=claim.job_profile,
        enc_key=request.keys.enc,
        sign_key=request.keys.sign,
        devices=_with_device(devices, request.device),
        retired=retired,
    )
    return directory.with_member(member)


def refuse(share: Share, request: JoinRequest, org: Identity) -> None:
    """Marks the request refused (signed by the org), so it stops showing."""
    if not _REQUEST_ID.fullmatch(request.id):
        raise ValueError(f"not a request id: {request.id!r}")
    share.write_once(f"{REFUSED}/{request.id}", _refusal(org, request.id))


def _refusal(org: Identity, request_id: str) -> bytes:
    return _signed(org, {"kind": "refused", "request": request_id})


def _is_refused(share: Share, request_id: str, org: Identity) -> bool:
    blob = share.read(f"{REFUSED}/{request_id}")
    if blob is None:
        return False
    if blob == _refusal(org, request_id):  # Ed25519 and canonical JSON: deterministic
        return True
    _log.warning("rejected refusal marker %s", request_id)
    return False


def was_refused(share: Share, request_id: str, org_sign_pub: str) -> bool:
    """For the device that sent request ``request_id``: whether HR refused it (a
    refusal marker the pinned organisation signed for exactly this request)."""
    if not _REQUEST_ID.fullmatch(request_id):
        return False
    blob = share.read(f"{REFUSED}/{request_id}")
    if blob is None:
        return False
    try:
        body = _body(blob, "refused")
    except ValueError:
        return False
    return body.get("request") == request_id and sealing.verify(
        org_sign_pub, blob[:-_SIG], blob[-_SIG:])


def _open_request(blob: bytes, name: str, org: Identity) -> JoinRequest | str:
    """The checked request in ``blob``, or why it is not taken."""
    if not sealing.same_bytes(digest_of(blob).encode(), name.encode()):
        return "hash_mismatch"
    start = len(_REQUEST_PREFIX) + _LENGTH_SIZE
    if len(blob) < start or not blob.startswith(_REQUEST_PREFIX):
        return "bad_format"
    length = int.from_bytes(blob[len(_REQUEST_PREFIX) : start], "big")
    if start + length > len(blob):
        return "bad_format"
    raw = blob[start : start + length]
    try:
        header = json.loads(raw)
        if (
            not isinstance(header, dict)
            or set(header) != {"format", "org", "wrap"}
            or header["format"] != FORMAT
            or canonical_json(header) != raw
            or not isinstance(header["org"], str)
        ):
            return "bad_format"
        wrap = base64.b64decode(header["wrap"], validate=True)
    except (ValueError, TypeError, binascii.Error):
        return "bad_format"
    if header["org"] != org.public().sign:
        return "other_org"
    associated = canonical_json({"format": FORMAT, "org": header["org"]})
    try:
        plain = sealing.open_for(
            Sealed(blob[start + length :], {ORG_RECIPIENT: wrap}), associated, ORG_RECIPIENT, org
        )
    except (InvalidSealError, NotARecipient):
        return "undecryptable"
    inner, signature = plain[:-_SIG], plain[-_SIG:]
    try:
        data = json.loads(inner)
        if (
            not isinstance(data, dict)
            or set(data) - {"rekey"} != {"format", "org", "claim", "keys", "device"}
            or data["format"] != FORMAT
            or data["org"] != header["org"]
            or canonical_json(data) != inner
            or not isinstance(data["device"], str)
        ):
            return "bad_format"
        claim = JoinClaim.from_dict(data["claim"])
        keys = _keys_from(data["keys"])
        rekey = _rekey_from(data) if "rekey" in data else None
    except (ValueError, KeyError, TypeError, binascii.Error):
        return "bad_format"
    if not sealing.verify(keys.sign, _REQUEST_PREFIX + inner, signature):
        return "bad_signature"
    if isinstance(rekey, str):
        return rekey
    return JoinRequest(name, claim, keys, data["device"], rekey=rekey)


def _rekey_from(data: Mapping[str, Any]) -> Rekey | str:
    """The checked rekey part of a request, "bad_proof" when the old key did not sign
    it; ValueError (or binascii.Error) for anything malformed."""
    part = data["rekey"]
    if not isinstance(part, dict) or set(part) != {"old", "lost", "until", "proof"}:
        raise ValueError("bad rekey")
    old = _keys_from(part["old"])
    lost, until = part["lost"], part["until"]
    if not isinstance(lost, list) or not all(isinstance(d, str) for d in lost):
        raise ValueError("bad lost devices")
    if not isinstance(until, dict) or not all(
        isinstance(n, int) and not isinstance(n, bool) for n in until.values()
    ):
        raise ValueError("bad until")
    proof = base64.b64decode(part["proof"], validate=True)
    fields = {k: v for k, v in data.items() if k != "rekey"}
    rekey = {"old": part["old"], "lost": lost, "until": until}
    if not sealing.verify(old.sign, _rekey_message(fields, rekey), proof):
        return "bad_proof"
    return Rekey(old, tuple(lost), dict(until))


# -- shared helpers --------------------------------------------------------------------------


def _signed(org: Identity, fields: Mapping[str, Any]) -> bytes:
    body = _PREFIX + canonical_json({"format": FORMAT, **fields})
    return body + sealing.sign(org, body)


def _body(blob: bytes, kind: str) -> dict[str, Any]:
    """The canonical body of an org-signed file of ``kind`` (signature not checked here);
    ValueError for anything else."""
    if len(blob) < len(_PREFIX) + _SIG or not blob.startswith(_PREFIX):
        raise ValueError("not an organisation file")
    raw = blob[len(_PREFIX) : -_SIG]
    data = json.loads(raw)
    if (
        not isinstance(data, dict)
        or data.get("format") != FORMAT
        or data.get("kind") != kind
        or canonical_json(data) != raw
    ):
        raise ValueError(f"not an organisation {kind}")
    return data


def _keys_dict(keys: PublicKeys) -> dict[str, str]:
    return {"enc": keys.enc, "sign": keys.sign}


def _keys_from(data: Any) -> PublicKeys:
    """Public keys from their dict form; ValueError unless both are 32-byte keys."""
    if not isinstance(data, dict) or set(data) != {"enc", "sign"}:
        raise ValueError("not a pair of public keys")
    enc, sign = data["enc"], data["sign"]
    if not isinstance(enc, str) or not isinstance(sign, str):
        raise ValueError("not a pair of public keys")
    sealing.fingerprint(enc)  # ValueError unless a 32-byte base64 key
    sealing.fingerprint(sign)
    return PublicKeys(enc=enc, sign=sign)


def _with_device(devices: tuple[str, ...], device: str) -> tuple[str, ...]:
    return devices if device in devices else (*devices, device)


def _write_once(share: Share, path: str, blob: bytes) -> None:
    if not share.write_once(path, blob) and share.read(path) != blob:
        raise AlreadyPublished(f"{path} already holds something else", path=path)

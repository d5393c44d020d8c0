"""Mine enheder: a person's devices — adding one with a code, and reporting one lost.

Flet-free, like every service. Blocking methods (Argon2id, the share, the vault) are
plain methods the screens run with ``asyncio.to_thread``.

- **Adding a device** (``sync.pairing`` has the design and why it holds). On the old
  device ``Devices.start_adding`` shows a code and opens the rendezvous; ``waiting``
  returns the new device's name and the six digits to compare once it has asked;
  ``confirm`` sends the bundle (everything the person's vault holds that is theirs)
  and records the new device. On the new device ``Joining`` enters the share and the
  code, shows the same six digits, waits for the bundle, and ``finish`` makes the
  profile with the person's own new PIN from it.
- **A lost or stolen device** (``sync.organisation`` has the design). ``mark_lost`` on
  one of the person's other devices records the device as lost, makes new keys and
  asks HR to list them (a rekey request signed with the old and the new keys). Until
  HR approves, this device sends nothing (``sync`` says why; the work waits in the
  outbox); once the directory lists the new keys, the device takes them and syncs on,
  and the lost device's keys open nothing new.
- **Devices as records**: one ``conversations.devices.DeviceEntry`` per device, written
  by the person, read by them and HR; the last sync is noted at most once an hour.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from conversations.devices import DeviceEntry, device_entry_id, listed
from conversations.directory import Directory, Member
from conversations.model import InputRejected, Person
from conversations.records import hash_content
from services.clock import Clock
from services.session import MIN_PIN, Session, remember_recovery_place
from storage import Device
from storage.schema import (
    CONFLICTS_KEY,
    CURSORS_KEY,
    DEVICE_TABLE,
    DEVICES_SHARD,
    DIRECTORY_KEY,
    NEW_KEYS_KEY,
    ORG_PIN_KEY,
    OUTBOX_KEY,
    PROFILE_KEY,
    RECOVERY_KEPT_KEY,
    RECOVERY_PLACE_KEY,
    REMINDERS_KEY,
    SETTINGS_KEY,
    SHARE_KEY,
)
from storage.sealing import Identity, new_identity
from sync.identity import (
    device_id_of,
    identity_of,
    install_device_id,
    install_identity,
    replace_identity,
)
from sync.journal import (
    SegmentRejected,
    device_folder,
    owners_of,
    read_any_segment,
    segment_path,
    seq_of,
)
from sync.locations import open_share
from sync.organisation import (
    JoinClaim,
    JoinRequest,
    approve,
    find_listing,
    keys_replaced,
    org_identity_of,
    organisation_card,
    publish_directory,
    read_directory,
    request_new_keys,
    was_refused,
)
from sync.pairing import (
    CODE_VALID,
    Offer,
    PairingRequest,
    Rendezvous,
    clear,
    confirmation,
    identity_text,
    new_code,
    new_device_id,
    read_bundle,
    read_offer,
    read_request,
    rendezvous,
    write_bundle,
    write_offer,
    write_request,
)
from sync.recovery import RecoveryPlace, forget, read_newest, recovery_place, write_entry

if TYPE_CHECKING:
    from sync.share import Share

NOTE_SYNC_EVERY = dt.timedelta(hours=1)
POLL_SECONDS = 2.0  # how often a pairing screen looks at the share
BUNDLED_META = (PROFILE_KEY, SETTINGS_KEY, DIRECTORY_KEY, ORG_PIN_KEY, CONFLICTS_KEY,
                REMINDERS_KEY)
"""The vault's meta that goes to a new device. Not: the device id, the sync cursors and
outbox (the device's own), the share's password (typed on the new device), the audit log
(what this device did), the organisation's private key an HR person may keep."""
RECOVERY_META = (PROFILE_KEY, SETTINGS_KEY, ORG_PIN_KEY)
"""What the recovery code keeps beside the keys: enough to be the person and trust their
organisation; the directory and the records come from the share on the first sync."""


@dataclasses.dataclass
class Adding:
    """A pairing under way on the old device."""

    code: str
    place: Rendezvous
    expires: dt.datetime
    request: PairingRequest | None = None
    sent: int = 0  # the bundle's size in bytes, once sent


class Devices:
    """*Mine enheder* for the person signed in to ``session`` (see the module docstring)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.adding: Adding | None = None

    # --- my devices ---------------------------------------------------------------

    def this_device(self) -> str:
        return device_id_of(self.session.unlocked_vault())

    def entries(self) -> list[DeviceEntry]:
        """Blocking. My devices as this vault knows them, the ones in use first."""
        me = self.session.current_person().id
        table = self.session.unlocked_vault().read_shard(DEVICES_SHARD).get(DEVICE_TABLE, {})
        return listed((DeviceEntry.from_dict(r) for r in table.values()), me)

    def ensure_listed(self, default_name: str) -> None:
        """Blocking. Records this device (when first seen on *Mine enheder*)."""
        device = self.this_device()
        if not any(e.device_id == device for e in self.entries()):
            self.record(device, default_name)

    def record(self, device: str, name: str) -> DeviceEntry:
        """Blocking. Publishes my entry for ``device`` under ``name`` (added now)."""
        me = self.session.current_person().id
        entry = DeviceEntry(id=device_entry_id(me, device), person_id=me, device_id=device,
                            name=name, added_at=self.session.clock.now(), author=me)
        self.session.publish(DEVICES_SHARD, DEVICE_TABLE, entry.to_dict())
        return entry

    def note_sync(self) -> None:
        """Blocking. After a sync: this device's entry says when, at most once an hour."""
        device, now = self.this_device(), self.session.clock.now()
        entry = next((e for e in self.entries() if e.device_id == device), None)
        if entry is None or entry.lost:
            return
        if entry.last_sync is None or now - entry.last_sync >= NOTE_SYNC_EVERY:
            self.session.publish(DEVICES_SHARD, DEVICE_TABLE,
                                 entry.revised(last_sync=now).to_dict())

    # --- adding a device: the old device's side -----------------------------------

    def start_adding(self) -> str:
        """Blocking (Argon2id, the share). A new code, shown until the new device asks;
        ShareUnavailable when the share cannot be reached."""
        vault = self.session.unlocked_vault()
        if self.adding is not None:  # a code shown before is worth nothing now
            self.cancel()
        code = new_code()
        place = rendezvous(code, self.session.device.kdf)
        expires = self.session.clock.now() + CODE_VALID
        write_offer(self.session.open_share(), place,
                    person_sign=identity_of(vault).public().sign, expires=expires)
        self.adding = Adding(code, place, expires)
        return code

    def waiting(self) -> tuple[str, str] | None:
        """Blocking. The new device's name and the six digits to compare, once it asked;
        None before. InputRejected once the code has expired (the files are removed)."""
        adding = self._adding()
        if self.session.clock.now() > adding.expires:
            self.cancel()
            raise InputRejected("error.pairing_expired")
        if adding.request is None:
            adding.request = read_request(self.session.open_share(), adding.place)
        if adding.request is None:
            return None
        return adding.request.name, confirmation(adding.place, adding.request.enc_pub)

    def confirm(self) -> int:
        """Blocking. The person saw the same digits on both screens: sends the bundle
        and records the new device; returns the bundle's size in bytes."""
        adding = self._adding()
        if self.session.clock.now() > adding.expires:
            self.cancel()
            raise InputRejected("error.pairing_expired")
        if adding.request is None:
            raise InputRejected("error.pairing_no_request")
        vault = self.session.unlocked_vault()
        adding.sent = write_bundle(self.session.open_share(), adding.place, adding.request,
                                   identity_of(vault), self.bundle())
        self.record(adding.request.device, adding.request.name)
        return adding.sent

    def bundle(self) -> dict[str, Any]:
        """Blocking. What a new device of mine gets: my identity, profile, settings,
        directory, pinned organisation, and every shard of my vault with its history."""
        vault = self.session.unlocked_vault()
        meta = {key: vault.get_meta(key) for key in BUNDLED_META}
        return {
            "identity": identity_text(identity_of(vault)),
            "meta": {k: v for k, v in meta.items() if v is not None},
            "index": vault.index(),
            "shards": {sid: vault.read_shard(sid) for sid in vault.shard_ids()},
        }

    def cancel(self) -> None:
        """Blocking. Stops adding; the pairing's files go from the share where it can."""
        adding, self.adding = self.adding, None
        if adding is not None:
            clear(self.session.open_share(), adding.place)

    def _adding(self) -> Adding:
        if self.adding is None:
            raise InputRejected("error.pairing_not_started")
        return self.adding

    # --- the recovery code's copy of my keys --------------------------------------

    def keep_recovery(self) -> bool:
        """Blocking (the share). Puts my keys, profile and pinned organisation where my
        recovery code finds them (``sync.recovery``), when that changed since last time;
        True when it wrote. ShareUnavailable propagates (the next sync tries again)."""
        vault = self.session.unlocked_vault()
        place = RecoveryPlace.from_dict(vault.get_meta(RECOVERY_PLACE_KEY) or {})
        if place is None:
            return False
        meta = {key: value for key in RECOVERY_META
                if isinstance(value := vault.get_meta(key), dict)}
        identity = identity_of(vault)
        public = identity.public()
        digest = hash_content({"meta": meta, "keys": [public.enc, public.sign],
                               "slot": place.slot})
        if (vault.get_meta(RECOVERY_KEPT_KEY) or {}).get("digest") == digest:
            return False
        write_entry(self.session.open_share(), place, identity, meta)
        vault.put_meta(RECOVERY_KEPT_KEY, {"digest": digest})
        return True

    # --- a lost or stolen device --------------------------------------------------

    def mark_lost(self, device: str) -> None:
        """Blocking. Records ``device`` as lost and asks HR for new keys for me (see
        the module docstring); InputRejected for this device itself, or without an
        organisation to ask."""
        session = self.session
        vault, me = session.unlocked_vault(), session.current_person()
        if device == self.this_device():
            raise InputRejected("error.lost_this_device")
        pin = session.organisation()
        if pin is None:
            raise InputRejected("error.no_organisation")
        entry = next((e for e in self.entries() if e.device_id == device), None)
        if entry is None:
            entry = DeviceEntry(id=device_entry_id(me.id, device), person_id=me.id,
                                device_id=device, name=device[:8],
                                added_at=session.clock.now(), author=me.id)
        stored = vault.get_meta(NEW_KEYS_KEY)
        new = (Identity.from_bytes(base64.b64decode(stored["private"])) if stored
               else new_identity())
        lost = tuple(sorted({device, *(stored or {}).get("lost", [])}))
        share = session.open_share()
        card = organisation_card(share)
        if card is None or card.sign_pub != pin["sign_pub"]:
            raise InputRejected("error.no_organisation")
        request = request_new_keys(share, card, vault, self._claim(me), new,
                                   lost=lost, until=self._read_up_to(me.id))
        vault.put_meta(NEW_KEYS_KEY, {"private": identity_text(new), "lost": list(lost),
                                      "request": request})
        session.publish(DEVICES_SHARD, DEVICE_TABLE,
                        entry.revised(lost_at=session.clock.now()).to_dict())

    def new_keys_waiting(self) -> bool:
        return bool(self.session.unlocked_vault().get_meta(NEW_KEYS_KEY))

    def take_new_keys(self) -> None:
        """Blocking; before every sync. With new keys waiting: once the directory on the
        share lists them, this vault takes them (and the directory); until then
        InputRejected, so nothing goes out signed with the old keys."""
        session = self.session
        vault, me = session.unlocked_vault(), session.current_person()
        stored = vault.get_meta(NEW_KEYS_KEY)
        pin = session.organisation()
        if not stored or pin is None:
            return
        new = Identity.from_bytes(base64.b64decode(stored["private"]))
        share = session.open_share()
        directory = read_directory(share, pin["sign_pub"], me.id, new)
        listed_me = directory.member(me.id) if directory is not None else None
        if directory is None or listed_me is None or listed_me.sign_key != new.public().sign:
            if was_refused(share, str(stored.get("request", "")), pin["sign_pub"]):
                # HR said no: this device goes on with the keys it has, and says so once.
                vault.put_meta(NEW_KEYS_KEY, {})
                raise InputRejected("devices.new_keys_refused")
            raise InputRejected("devices.waiting_for_hr")
        replace_identity(vault, new)
        session.directory = directory
        vault.put_meta(DIRECTORY_KEY, directory.to_dict())
        vault.put_meta(NEW_KEYS_KEY, {})  # meta cannot be deleted: an empty value ends it

    def check_shut_out(self) -> None:
        """Blocking; before every sync. InputRejected when HR has given the person new
        keys and this device still holds the old ones (another device reported a device
        lost): it reads nothing new and what it sends is refused, so it says so."""
        session = self.session
        vault, me = session.unlocked_vault(), session.current_person()
        pin = session.organisation()
        if pin is None or not pin.get("listed") or self.new_keys_waiting():
            return
        if keys_replaced(session.open_share(), pin["sign_pub"], me.id, identity_of(vault)):
            raise InputRejected("devices.shut_out")

    def approve_as(self, request: JoinRequest, member_id: str) -> None:
        """Blocking. For HR: approves ``request`` as new keys for the member
        ``member_id``, who lost their device and has no other (HR checked with them).
        Their roles, unit and team stay; their old keys are retired, every old device
        counts as lost."""
        session = self.session
        vault = session.unlocked_vault()
        org = org_identity_of(vault)
        if org is None:
            raise InputRejected("error.not_org_keeper")
        member = session.directory.member(member_id)
        if member is None:
            raise InputRejected("error.directory_invalid", field="id")
        claim = JoinClaim(person_id=member.id, name=member.name, roles=member.roles,
                          unit=member.unit, team=member.team, leader_id=member.leader_id,
                          job_profile=member.job_profile)
        as_member = dataclasses.replace(request, claim=claim, replaces=member)
        directory = approve(as_member, session.directory,
                            retired_at=session.clock.now().isoformat(),
                            until=session.read_up_to(as_member))
        publish_directory(session.open_share(), directory, org)
        session.directory = directory
        vault.put_meta(DIRECTORY_KEY, directory.to_dict())

    def publish_devices(self) -> int:
        """Blocking; after a sync on the device that keeps the organisation's key (HR).
        Lists in the directory the devices members recorded (``DeviceEntry``) that it
        does not list yet — each only once its journal holds a genuine segment signed by
        that member, so nobody can claim another person's device — and drops devices
        reported lost. Returns how many members changed."""
        session = self.session
        vault = session.unlocked_vault()
        org = org_identity_of(vault)
        if org is None:
            return 0
        table = vault.read_shard(DEVICES_SHARD).get(DEVICE_TABLE, {})
        share, directory = session.open_share(), session.directory
        owners = owners_of(directory)
        changed: dict[str, Member] = {}
        for raw in table.values():
            entry = DeviceEntry.from_dict(raw)
            member = changed.get(entry.person_id) or directory.member(entry.person_id)
            if member is None:
                continue
            if entry.lost and entry.device_id in member.devices:
                devices = tuple(d for d in member.devices if d != entry.device_id)
                changed[member.id] = dataclasses.replace(member, devices=devices)
            elif (not entry.lost and entry.device_id not in member.devices
                  and owners.get(entry.device_id) in (None, member.id)
                  and _first_segment_by(share, entry.device_id, member.id, directory)):
                changed[member.id] = dataclasses.replace(
                    member, devices=(*member.devices, entry.device_id))
        if not changed:
            return 0
        updated = Directory(directory.version + 1, {**directory.members, **changed},
                            directory.policy)
        publish_directory(share, updated, org)
        session.directory = updated
        vault.put_meta(DIRECTORY_KEY, updated.to_dict())
        return len(changed)

    def adopt_listing(self) -> None:
        """Blocking; before every sync, while this profile waits to be listed. When HR
        approved this device's keys as those of an existing member (a lost device), this
        profile becomes that member: their id, name and roles, so the directory that
        lists them is taken."""
        session = self.session
        vault, me = session.unlocked_vault(), session.current_person()
        pin = session.organisation()
        if pin is None or pin.get("listed") or not pin.get("requested"):
            return
        found = find_listing(session.open_share(), pin["sign_pub"], identity_of(vault))
        if found is None or found[0] == me.id:
            return
        member = found[1].members[found[0]]
        person = Person(id=member.id, name=member.name, roles=member.roles, unit=member.unit,
                        team=member.team, leader_id=member.leader_id,
                        job_profile=member.job_profile or me.job_profile, author=member.id)
        vault.put_meta(PROFILE_KEY, person.to_dict())
        session.me = person

    def _claim(self, me: Person) -> JoinClaim:
        return JoinClaim(person_id=me.id, name=me.name, roles=me.roles, unit=me.unit,
                         team=me.team, leader_id=me.leader_id, job_profile=me.job_profile)

    def _read_up_to(self, person_id: str) -> dict[str, int]:
        """Per device of mine, the last journal segment that is to count: what this
        device has read of each, and its own last one."""
        vault = self.session.unlocked_vault()
        cursors = (vault.get_meta(CURSORS_KEY) or {}).get("devices", {})
        member = self.session.directory.member(person_id)
        mine = set(member.devices if member is not None else ())
        mine |= {e.device_id for e in self.entries()}
        until = {d: int(cursors[d]) for d in mine if d in cursors}
        outbox = vault.get_meta(OUTBOX_KEY) or {}
        until[self.this_device()] = max(int(outbox.get("next_seq", 1)) - 1, 0)
        return until


# --- adding a device: the new device's side ---------------------------------------


@dataclasses.dataclass
class Joining:
    """A new device joining a person's profile, before it has a profile of its own."""

    device: Device
    clock: Clock
    share: Share | None = None
    location: dict[str, str] = dataclasses.field(default_factory=dict)
    place: Rendezvous | None = None
    offer: Offer | None = None
    device_id: str = dataclasses.field(default_factory=new_device_id)
    receiver: Identity = dataclasses.field(default_factory=new_identity)
    received: tuple[Identity, dict[str, Any]] | None = None
    digits: str = ""

    def start(self, location: str, username: str, password: str, code: str,
              name: str) -> str:
        """Blocking (Argon2id, the share). Sends this device's request; returns the six
        digits to compare with the old device's screen. WrongCode, CodeExpired,
        ShareUnavailable, InputRejected for a bad location or missing name."""
        if not name.strip():
            raise InputRejected("error.device_name_required")
        location = location.strip()
        try:
            share = open_share(location, username=username, password=password)
        except ValueError as err:
            raise InputRejected("error.share_location_bad", location=location) from err
        place = rendezvous(code, self.device.kdf)
        offer = read_offer(share, place, self.clock.now())
        write_request(share, place, device=self.device_id, name=name.strip(),
                      receiver=self.receiver)
        self.share, self.place, self.offer = share, place, offer
        self.location = {"location": location, "username": username.strip(),
                         "password": password}
        self.digits = confirmation(place, self.receiver.public().enc)
        return self.digits

    def poll(self) -> bool:
        """Blocking. Whether the bundle has come and passed every check (then it is
        held in memory only); PairingError subclasses when it came and failed."""
        if self.share is None or self.place is None or self.offer is None:
            raise InputRejected("error.pairing_not_started")
        if self.received is None:
            if self.clock.now() > self.offer.expires:
                raise InputRejected("error.pairing_expired")
            self.received = read_bundle(self.share, self.place, self.offer,
                                        device=self.device_id, receiver=self.receiver)
        return self.received is not None

    def person_name(self) -> str:
        """Whose profile arrived, for the person to see it is theirs before the PIN."""
        return name_in(self.received)

    def finish(self, session: Session, pin: str, pin_again: str, *, symbol: int) -> str:
        """Blocking (KDF). Makes this device's profile from the bundle with the person's
        new PIN, opens it in ``session`` and removes the pairing files; returns the new
        recovery code, to be shown once."""
        if self.received is None or self.share is None or self.place is None:
            raise InputRejected("error.pairing_not_started")
        identity, data = self.received
        code = become(self.device, session, identity, data, pin=pin, pin_again=pin_again,
                      symbol=symbol,
                      device_id=self.device_id, location=self.location)
        clear(self.share, self.place)
        self.received = None
        return code


# --- without any device left: the recovery code ---------------------------------------


@dataclasses.dataclass
class Recovering:
    """A new device taking a person's keys back with their recovery code
    (``sync.recovery``), before it has a profile of its own."""

    device: Device
    share: Share | None = None
    location: dict[str, str] = dataclasses.field(default_factory=dict)
    place: RecoveryPlace | None = None
    received: tuple[Identity, dict[str, Any]] | None = None

    def start(self, location: str, username: str, password: str, code: str) -> str:
        """Blocking (the share). Finds what the code keeps; returns whose it is, for the
        person to see before choosing a PIN. InputRejected for a bad location or code,
        NoRecovery when nothing opens with it, ShareUnavailable."""
        location = location.strip()
        try:
            place = recovery_place(code)
        except ValueError as err:
            raise InputRejected("error.recovery_code_bad") from err
        try:
            share = open_share(location, username=username, password=password)
        except ValueError as err:
            raise InputRejected("error.share_location_bad", location=location) from err
        identity, meta = read_newest(share, place)
        pin, profile = meta.get(ORG_PIN_KEY), meta.get(PROFILE_KEY)
        if isinstance(pin, dict) and isinstance(profile, dict):  # her organisation's newest
            directory = read_directory(share, str(pin.get("sign_pub")),
                                       str(profile.get("id")), identity)
            if directory is not None:
                meta = {**meta, DIRECTORY_KEY: directory.to_dict()}
        self.share, self.place, self.received = share, place, (identity, {"meta": meta})
        self.location = {"location": location, "username": username.strip(),
                         "password": password}
        return self.person_name()

    def person_name(self) -> str:
        return name_in(self.received)

    def finish(self, session: Session, pin: str, pin_again: str, *, symbol: int) -> str:
        """Blocking (KDF). Makes this device's profile with the person's keys and a new
        PIN and opens it; the old code's entries leave the share (the new code shown
        now replaces it). Returns the new recovery code, to be shown once."""
        if self.received is None or self.share is None or self.place is None:
            raise InputRejected("error.recovery_not_started")
        identity, data = self.received
        code = become(self.device, session, identity, data, pin=pin, pin_again=pin_again,
                      symbol=symbol,
                      device_id=new_device_id(), location=self.location)
        forget(self.share, self.place)
        self.received = None
        return code


def name_in(received: tuple[Identity, dict[str, Any]] | None) -> str:
    """The name in the profile a bundle or the recovery code brought ("" before one)."""
    if received is None:
        return ""
    profile = dict(received[1].get("meta", {})).get(PROFILE_KEY)
    return str(profile.get("name", "")) if isinstance(profile, dict) else ""


def become(device: Device, session: Session, identity: Identity, data: dict[str, Any], *,
           pin: str, pin_again: str, symbol: int, device_id: str,
           location: dict[str, str]) -> str:
    """Blocking (KDF). A profile on this device for the person ``identity`` is, from
    what another device of theirs sent or their recovery code kept; opens it in
    ``session`` and returns its new recovery code."""
    if len(pin) < MIN_PIN:
        raise InputRejected("error.pin_too_short", min=MIN_PIN)
    if pin != pin_again:
        raise InputRejected("error.pin_mismatch")
    vault, code = device.create_profile(pin, symbol=symbol)
    install_identity(vault, identity)
    install_device_id(vault, device_id)
    for key, value in dict(data.get("meta", {})).items():
        if key in BUNDLED_META and isinstance(value, dict):
            vault.put_meta(key, value)
    vault.put_meta(SHARE_KEY, location)
    for shard, tables in dict(data.get("shards", {})).items():
        for table, records in dict(tables).items():
            vault.put_records(shard, table, list(dict(records).values()))
    if "index" in data:
        vault.put_index(dict(data["index"]))
    remember_recovery_place(vault, code)
    session.open_vault(vault)
    return code


def _first_segment_by(share: Share, device: str, person_id: str, directory: Directory) -> bool:
    """Whether ``device``'s journal starts with a genuine segment signed by ``person_id``."""
    try:
        names = share.list(device_folder(device))
    except ValueError:
        return False
    numbers = sorted(n for n in map(seq_of, names) if n is not None)
    if not numbers:
        return False
    blob = share.read(segment_path(device, numbers[0]))
    if blob is None:
        return False
    try:
        segment = read_any_segment(blob, device=device, directory=directory, owners={})
    except SegmentRejected:
        return False
    return segment.sender == person_id

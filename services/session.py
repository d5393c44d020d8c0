"""What one person is doing in the app, in plain Python: no Flet here.

The screens render this state and call its actions. Anything that blocks (the KDF,
fsync) is a plain method the screens run with ``asyncio.to_thread``; everything else is
quick and runs on the event loop.

Saving is ordered: an edit changes the in-memory preparation at once, and ``persist``
writes whatever is newest under a lock, so a slow early save can never land after a
later one and undo it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conversations import demo
from conversations.competence import JobProfile, Level, default_job_profile
from conversations.directory import Directory, Member
from conversations.identity import (
    fill_from,
    folded,
    preparation_id,
    ratings_id,
    read_as_one,
)
from conversations.merge import Conflict, NoValue, resolve
from conversations.model import (
    CompetenceRatings,
    Conversation,
    InputRejected,
    Kind,
    Person,
    Preparation,
    Role,
    State,
    Task,
    shared_by,
    task_for,
)
from conversations.publishing import LibraryRelease, library_with
from conversations.records import canonical_json
from conversations.rights import refusal
from conversations.sheets import QuestionSheet, SheetLibrary, progress_items
from conversations.texts import DEFAULT_LANGUAGE
from resources.texts import Texts
from services.clock import Clock
from services.index import IndexEntry
from storage import MIN_PIN_LENGTH, Device, ProfileInfo, Vault
from storage.schema import (
    CONFLICTS_KEY,
    CONFLICTS_TABLE,
    CONVERSATION_TABLE,
    CURSORS_KEY,
    DIRECTORY_KEY,
    LIBRARY_SHARD,
    ORG_PIN_KEY,
    OUTBOX_KEY,
    PREPARATION_TABLE,
    PROFILE_KEY,
    RATINGS_TABLE,
    RECOVERY_PLACE_KEY,
    RELEASE_TABLE,
    REMINDER_TABLE,
    REMINDERS_KEY,
    SETTINGS_KEY,
    SHARE_KEY,
)
from storage.sealing import fingerprint
from sync.engine import SyncEngine
from sync.identity import device_id_of, identity_of
from sync.locations import open_share
from sync.organisation import (
    DirectoryChain,
    JoinClaim,
    follow_directory,
    found_organisation,
    org_identity_of,
    organisation_card,
    pending_requests,
    publish_card,
    publish_directory,
    refuse,
    request_to_join,
)
from sync.organisation import approve as approve_request
from sync.recovery import recovery_place

if TYPE_CHECKING:
    from sync.engine import SyncReport
    from sync.organisation import JoinRequest, OrgCard
    from sync.share import Share

MIN_PIN = MIN_PIN_LENGTH
SYMBOL_COUNT = 8
TASK_ORDER = (Task.PREPARE, Task.HOLD, Task.SIGN, Task.FOLLOW_UP, Task.DONE)


@dataclasses.dataclass(frozen=True)
class Summary:
    """A conversation as the home screen lists it."""

    id: str
    kind: Kind
    state: State
    with_whom: str
    planned_at: dt.datetime | None
    answered: int
    total: int
    task: Task
    leading: bool = False
    follow_up_due: dt.date | None = None
    shared_by: tuple[str, ...] = ()  # participants whose preparation I have, as leader
    participants: int = 0

    @classmethod
    def from_index(cls, cid: str, entry: IndexEntry, task: Task,
                     me: str = "") -> Summary:
        return cls(
            id=cid, kind=entry.kind, state=entry.state, with_whom=entry.with_whom,
            planned_at=entry.planned_at, answered=entry.answered, total=entry.total,
            task=task, leading=entry.leading(me), follow_up_due=entry.follow_up_due,
            shared_by=entry.shared_by, participants=len(entry.participant_ids),
        )


@dataclasses.dataclass
class Draft:
    """A preparation being written: the sheet, the record, and what to save next."""

    conversation: Conversation
    sheet: QuestionSheet
    preparation: Preparation
    items: tuple[str, ...]
    saved: Preparation | None = None
    opened: Preparation | None = None
    edits: int = 0
    saved_edits: int = 0
    closing: bool = False

    @property
    def answered(self) -> int:
        return self.preparation.answered(self.items)

    @property
    def dirty(self) -> bool:
        return self.edits != self.saved_edits


@dataclasses.dataclass(frozen=True)
class ConflictItem:
    """One answer (or field) that two devices changed differently."""

    shard: str
    conflict_id: str
    index: int
    table: str
    record_id: str
    field: str
    key: str | None
    ours: Any
    theirs: Any
    base: Any
    label: str


class Session:
    """One person's session on this device: profiles, unlocking, their own
    preparations and drafts, the share and sync, joining the organisation, conflicts.
    The screens use ``services.app.AppSession``, which adds conversations and the
    office on top."""

    def __init__(
        self,
        device: Device,
        library: SheetLibrary,
        *,
        lang: str = DEFAULT_LANGUAGE,
        clock: Clock | None = None,
        idle_seconds: float = 300.0,
    ) -> None:
        self.device = device
        self.shipped_library = library
        self.library = library
        self.texts = Texts(lang)
        self.clock = clock or Clock()
        self.idle_seconds = idle_seconds
        self.vault: Vault | None = None
        self.me: Person | None = None
        self.directory = Directory(version=0)
        self.drafts: dict[str, Draft] = {}
        self._last_activity = self.clock.monotonic()
        self.save_lock = threading.RLock()

    # --- where the app's other services join in (services.app fills these) ----------

    def before_sync(self) -> None:
        """Runs with the directory fresh, just before a sync sends and fetches: what is
        published here goes out in the same sync."""

    def forget_open_work(self) -> None:
        """Runs when the vault is opened or locked: drop everything decrypted."""

    def save_open_work(self) -> None:
        """Runs first in ``save_all``, under the save lock: write other open work."""

    def today(self) -> dt.date:
        return self.clock.today()

    # --- language and idle lock -------------------------------------------------

    def set_language(self, lang: str) -> None:
        self.texts = Texts(lang)
        if self.vault is not None:
            self.vault.put_meta(SETTINGS_KEY, {"lang": self.texts.lang})

    def touch(self) -> None:
        self._last_activity = self.clock.monotonic()

    def idle_expired(self) -> bool:
        quiet = self.clock.monotonic() - self._last_activity
        return self.vault is not None and quiet > self.idle_seconds

    # --- profiles ----------------------------------------------------------------

    def profiles(self) -> list[ProfileInfo]:
        return self.device.profiles()

    def check_new_profile(self, name: str, pin: str, pin_again: str) -> None:
        """Quick checks before the slow KDF; raises InputRejected with a text key."""
        if not name.strip():
            raise InputRejected("error.name_required")
        if len(pin) < MIN_PIN:
            raise InputRejected("error.pin_too_short", min=MIN_PIN)
        if pin != pin_again:
            raise InputRejected("error.pin_mismatch")

    def create_profile(
        self, name: str, pin: str, pin_again: str, *, leader: bool, symbol: int
    ) -> str:
        """Blocking (KDF). Returns the recovery code, to be shown once."""
        self.check_new_profile(name, pin, pin_again)
        vault, code = self.device.create_profile(pin, symbol=symbol)
        role = Role.LEADER if leader else Role.EMPLOYEE
        me = Person(name=name.strip(), roles=frozenset({role}), job_profile=self._profile_for(role))
        vault.put_meta(PROFILE_KEY, me.to_dict())
        vault.put_meta(SETTINGS_KEY, {"lang": self.texts.lang})
        directory = Directory(version=1, members={me.id: member_of(me, vault)})
        vault.put_meta(DIRECTORY_KEY, directory.to_dict())
        remember_recovery_place(vault, code)
        self._enter(vault)
        return code

    def create_demo(self) -> None:
        """Blocking. The demo organisation: profiles for Anna (therapist), her leader
        Mette and Henrik from HR, all in one directory with their public keys, sharing
        the local folder share. Opens Anna's."""
        self.touch()
        org = demo.organisation()
        sheet = self.library.sheets.get("mus")
        vaults = {
            person.id: self.device.create_profile(demo.DEMO_PIN, symbol=symbol)[0]
            for symbol, person in ((1, org.employees[0]), (6, org.leader), (2, org.hr))
        }
        members = {
            person.id: member_of(person, vaults.get(person.id)) for person in org.people
        }
        directory = Directory(version=1, members=members)
        year = demo.conversations(org, self.today(), sheet, self.library.job_profiles)
        for person in org.people:
            vault = vaults.get(person.id)
            if vault is None:
                continue
            vault.put_meta(PROFILE_KEY, person.to_dict())
            vault.put_meta(SETTINGS_KEY, {"lang": self.texts.lang})
            vault.put_meta(DIRECTORY_KEY, directory.to_dict())
            self.vault, self.me, self.directory = vault, person, directory
            for conversation, preparations in year:
                if demo.takes_part(person.id, conversation):
                    own = [p for p in preparations if p.author == person.id]
                    self.store_conversation(conversation, own)
        for rated in demo.ratings(org, self.today(), self.library.job_profiles):
            for reader in (org.leader.id, org.hr.id, rated.person_id):
                if reader in vaults:
                    vaults[reader].put_record(rated.conversation_id, "competence_ratings",
                                              rated.to_dict())
        self._found_demo_organisation(vaults, directory, org.hr.id)
        for person_id, vault in vaults.items():
            if person_id != org.employees[0].id:
                vault.lock()
        self._enter(vaults[org.employees[0].id])

    def _found_demo_organisation(
        self, vaults: dict[str, Vault], directory: Directory, hr_id: str
    ) -> None:
        """Henrik from HR keeps the demo organisation's key; its card and signed
        directory go to the local share, and every demo profile trusts that key."""
        hr_vault = vaults[hr_id]
        hr_member = directory.member(hr_id)
        if hr_member is None:
            raise InputRejected("error.profile_missing")
        found_organisation(hr_vault, hr_member, demo.ORGANISATION, directory.policy)
        keeper = org_identity_of(hr_vault)
        if keeper is None:
            raise InputRejected("error.org_key_missing")
        self.vault = hr_vault
        share = self._open_share()
        publish_card(share, demo.ORGANISATION, keeper)
        publish_directory(share, directory, keeper)
        card = organisation_card(share)
        if card is None:
            raise InputRejected("error.org_card_missing")
        pin = {"name": card.name, "sign_pub": card.sign_pub, "fingerprint": card.fingerprint,
               "listed": True}
        for vault in vaults.values():
            vault.put_meta(ORG_PIN_KEY, pin)

    def unlock(self, profile_id: str, pin: str) -> None:
        """Blocking (KDF). Raises storage errors for a wrong PIN or a damaged file."""
        self._enter(self.device.unlock(profile_id, pin))

    def recover(self, profile_id: str, code: str, new_pin: str, new_pin_again: str) -> None:
        if len(new_pin) < MIN_PIN:
            raise InputRejected("error.pin_too_short", min=MIN_PIN)
        if new_pin != new_pin_again:
            raise InputRejected("error.pin_mismatch")
        self._enter(self.device.recover(profile_id, code, new_pin))

    def change_pin(self, old_pin: str, new_pin: str, new_pin_again: str) -> None:
        if len(new_pin) < MIN_PIN:
            raise InputRejected("error.pin_too_short", min=MIN_PIN)
        if new_pin != new_pin_again:
            raise InputRejected("error.pin_mismatch")
        self.unlocked_vault().change_pin(old_pin, new_pin)

    def lock(self) -> None:
        """Forgets keys and every decrypted draft. Save pending edits first."""
        if self.vault is not None:
            self.vault.lock()
        self.vault = None
        self.me = None
        self.directory = Directory(version=0)
        self.drafts = {}
        self.forget_open_work()

    def _enter(self, vault: Vault) -> None:
        self.vault = vault
        profile = vault.get_meta(PROFILE_KEY)
        if profile is None:
            raise InputRejected("error.profile_missing")
        self.me = Person.from_dict(profile)
        stored = vault.get_meta(DIRECTORY_KEY)
        self.directory = (
            Directory.from_dict(stored) if stored else
            Directory(version=1, members={self.me.id: member_of(self.me, vault)})
        )
        settings = vault.get_meta(SETTINGS_KEY) or {}
        self.texts = Texts(settings.get("lang", self.texts.lang))
        self.refresh_library()
        self.drafts = {}
        self.forget_open_work()
        self.touch()

    def releases(self) -> list[LibraryRelease]:
        """Blocking. The organisation's published sheets and job profiles on this device."""
        table = self.unlocked_vault().read_shard(LIBRARY_SHARD).get(RELEASE_TABLE, {})
        return [LibraryRelease.from_dict(record) for record in table.values()]

    def refresh_library(self) -> None:
        """Blocking. The shipped sheets and profiles with the organisation's releases."""
        self.library = library_with(self.shipped_library, self.releases())

    def unlocked_vault(self) -> Vault:
        if self.vault is None:
            raise InputRejected("error.vault_locked")
        return self.vault

    def current_person(self) -> Person:
        if self.me is None:
            raise InputRejected("error.vault_locked")
        return self.me

    def _profile_for(self, role: Role) -> str | None:
        return default_job_profile(role.value, self.library.job_profiles)

    def free_symbol(self) -> int:
        """A symbol no profile on this device has yet, so tiles tell people apart."""
        taken = {info.symbol for info in self.profiles()}
        return next((n for n in range(SYMBOL_COUNT) if n not in taken), 0)

    # --- the central file share -----------------------------------------------------

    def default_share(self) -> str:
        """The embedded default: a folder beside the vaults, so the app syncs between the
        profiles on this device until a network drive is chosen."""
        return str(self.device.root / "share")

    def share_settings(self) -> dict[str, str]:
        saved = self.unlocked_vault().get_meta(SHARE_KEY) or {}
        return {
            "location": saved.get("location") or self.default_share(),
            "username": saved.get("username", ""),
            "password": saved.get("password", ""),
        }

    def set_share(self, location: str, username: str, password: str) -> None:
        """Blocking. Checks the location's form (it may be offline now) and keeps it,
        with the SMB credentials, inside the encrypted vault."""
        location = location.strip()
        if not location:
            raise InputRejected("error.share_location_required")
        try:
            open_share(location, username=username, password=password)
        except ValueError as err:
            raise InputRejected("error.share_location_bad", location=location) from err
        self.unlocked_vault().put_meta(
            SHARE_KEY, {"location": location, "username": username.strip(), "password": password}
        )

    def sync(self, progress: Callable[[str, int], None] | None = None) -> SyncReport:
        """Blocking. Sends what is waiting and fetches what is new for me; raises
        ShareUnavailable when the share cannot be reached (nothing is lost)."""
        vault, me = self.unlocked_vault(), self.current_person()
        share = self._open_share()
        self._take_directory(share)
        self.before_sync()
        engine = SyncEngine(vault, share, self.directory, me.id, clock=self.clock.time)
        # Saves wait while a sync applies what it fetched: the engine rewrites whole
        # tables of a shard, and an autosave in between would be overwritten.
        with self.save_lock:
            report = engine.sync(progress=progress)
        if LIBRARY_SHARD in report.changed:
            self.refresh_library()
        self._refresh_index(report.changed)
        if report.conflicts:
            shards = set(self._conflict_shards()) | {note.shard for note in report.conflicts}
            vault.put_meta(CONFLICTS_KEY, {"shards": sorted(shards)})
        return report

    # --- the organisation ----------------------------------------------------------------

    def organisation(self) -> dict[str, Any] | None:
        """The organisation this profile trusts: name, key fingerprint; None until pinned."""
        pin = self.unlocked_vault().get_meta(ORG_PIN_KEY)
        return dict(pin) if pin else None

    def _take_directory(self, share: Share) -> None:
        """A newer directory signed by the pinned organisation key replaces ours, once it
        lists this person with their own keys (until HR approves, ours stays). Once
        listed, only the changes after the version held are read."""
        pin = self.organisation()
        if pin is None:
            return

        vault, me = self.unlocked_vault(), self.current_person()
        mine = identity_of(vault)
        held = self._held_chain(vault) if pin.get("listed") else None
        newer = follow_directory(share, pin["sign_pub"], me.id, mine, held)
        if newer is None or (
            newer.directory.version <= self.directory.version and pin.get("listed")
        ):
            return
        listed = newer.directory.member(me.id)
        if listed is None or listed.enc_key != mine.public().enc:
            return
        self._keep_directory(vault, newer)
        vault.put_meta(ORG_PIN_KEY, {**pin, "listed": True})

    def _held_chain(self, vault: Vault) -> DirectoryChain | None:
        """The directory keys kept with this device's directory; None when they were
        kept with another version (the next read starts from a snapshot)."""
        stored = vault.get_meta(DIRECTORY_KEY) or {}
        return DirectoryChain.from_dict(stored.get("chain") or {}, self.directory)

    def _keep_directory(self, vault: Vault, chain: DirectoryChain) -> None:
        """The directory and its keys in one meta write: at 45,000 members each write of
        the vault's meta costs about a second (README, known limits)."""
        self.directory = chain.directory
        vault.put_meta(DIRECTORY_KEY, {**chain.directory.to_dict(), "chain": chain.to_dict()})

    def find_organisation(self) -> OrgCard:
        """Blocking. The organisation's public card on the share, for the person to
        compare its fingerprint with HR before asking to join."""
        card = organisation_card(self._open_share())
        if card is None:
            raise InputRejected("error.no_organisation")
        return card

    def request_to_join(self, card: OrgCard, unit: str, team: str) -> None:
        """Blocking. Pins the organisation's key and sends a join request that only the
        organisation can read."""
        me, vault = self.current_person(), self.unlocked_vault()
        claim = JoinClaim(person_id=me.id, name=me.name, roles=me.roles,
                          unit=unit.strip(), team=team.strip(), leader_id=None,
                          job_profile=me.job_profile)
        request_to_join(self._open_share(), card, vault, claim)
        vault.put_meta(ORG_PIN_KEY, {"name": card.name, "sign_pub": card.sign_pub,
                                     "fingerprint": card.fingerprint, "requested": True})

    def join_requests(self) -> list[JoinRequest]:
        """Blocking. For HR: requests to join that wait for a decision."""
        org = org_identity_of(self.unlocked_vault())
        if org is None:
            return []
        return pending_requests(self._open_share(), org, self.directory)

    @staticmethod
    def fingerprint_of(request: JoinRequest) -> str:
        """The requester's signing key as HR reads it aloud to compare with them."""
        return fingerprint(request.keys.sign)

    def decide_join(self, request: JoinRequest, approve: bool) -> None:
        """Blocking. For HR: approve (the next directory version goes to the share) or
        refuse a request."""
        vault = self.unlocked_vault()
        org = org_identity_of(vault)
        if org is None:
            raise InputRejected("error.not_org_keeper")
        share = self._open_share()
        if approve:
            directory = approve_request(request, self.directory,
                                        retired_at=self.clock.now().isoformat(),
                                        until=self.read_up_to(request))
            self._keep_directory(
                vault, publish_directory(share, directory, org, self._held_chain(vault)))
        else:
            refuse(share, request, org)

    def keeps_organisation(self) -> bool:
        """Whether this profile holds the organisation's key (HR on the founding device):
        only it signs the directory."""
        return org_identity_of(self.unlocked_vault()) is not None

    def members_matching(self, text: str, *, most: int = 20) -> list[Member]:
        """Members whose name holds ``text`` (any case), by name; at most ``most``, so
        a municipality's directory is searched, never listed whole."""
        wanted = text.strip().casefold()
        if not wanted:
            return []
        found = (m for m in self.directory.members.values() if wanted in m.name.casefold())
        return sorted(found, key=lambda m: m.name.casefold())[:most]

    def remove_member(self, person_id: str) -> None:
        """Blocking (the share). Someone left the organisation: the next directory is
        signed without them, so nothing new is sealed for them and what they write is
        refused; what their devices already hold stays there. HR cannot remove
        themself this way."""
        if person_id == self.current_person().id:
            raise InputRejected("error.remove_self")
        if self.directory.member(person_id) is None:
            raise InputRejected("error.member_unknown")
        self.sign_directory(self.directory.without_member(person_id))

    def sign_directory(self, directory: Directory) -> None:
        """Blocking. For whoever keeps the organisation's key (HR): ``directory`` becomes
        the next signed version on the share and this device's directory."""
        vault = self.unlocked_vault()
        org = org_identity_of(vault)
        if org is None:
            raise InputRejected("error.not_org_keeper")
        if directory.version <= self.directory.version:
            raise InputRejected("error.directory_invalid", field="version")
        self._keep_directory(vault, publish_directory(self._open_share(), directory, org,
                                                      self._held_chain(vault)))

    def open_share(self) -> Share:
        """The share this profile syncs with (``services.devices`` pairs over it)."""
        return self._open_share()

    def open_vault(self, vault: Vault) -> None:
        """Opens a vault made on this device from another device's bundle
        (``services.devices.Joining``), as an unlock would."""
        self._enter(vault)

    def read_up_to(self, request: JoinRequest) -> dict[str, int]:
        """How far this device has read the journals of the member a request would give
        new keys: what their old key still vouches for (``sync.organisation``)."""
        member = request.replaces
        if member is None:
            return {}
        cursors = (self.unlocked_vault().get_meta(CURSORS_KEY) or {}).get("devices", {})
        return {d: int(cursors[d]) for d in member.devices if d in cursors}

    def _open_share(self) -> Share:
        settings = self.share_settings()
        if settings["location"] == self.default_share():
            Path(settings["location"]).mkdir(parents=True, exist_ok=True)
        return open_share(settings["location"], username=settings["username"],
                          password=settings["password"])

    # --- conflicts ---------------------------------------------------------------------

    def _conflict_shards(self) -> list[str]:
        return list((self.unlocked_vault().get_meta(CONFLICTS_KEY) or {}).get("shards", []))

    def open_conflicts(self) -> list[ConflictItem]:
        """Blocking. Every answer or field that two devices changed differently and
        that nobody has settled yet, with both values."""
        vault = self.unlocked_vault()
        items: list[ConflictItem] = []
        for shard_id in self._conflict_shards():
            shard = vault.read_shard(shard_id)
            for doc in shard.get(CONFLICTS_TABLE, {}).values():
                if doc.get("settled") or doc.get("kind") != "fields":
                    continue
                current = shard.get(doc["table"], {}).get(doc["record"], {})
                for index, clash in enumerate(doc.get("fields", [])):
                    if (clash.get("settled") or not still_open(current, clash)
                            or not self._may_settle(shard_id, shard, current, clash)):
                        continue
                    items.append(ConflictItem(
                        shard=shard_id, conflict_id=doc["id"], index=index,
                        table=doc["table"], record_id=doc["record"], field=clash["field"],
                        key=clash.get("key"), ours=clash.get("ours"),
                        theirs=clash.get("theirs"), base=clash.get("base"),
                        label=self._conflict_label(shard, doc["table"], clash),
                    ))
        return items

    def _may_settle(self, shard_id: str, shard: dict[str, Any], current: dict[str, Any],
                    clash: dict[str, Any]) -> bool:
        """Whether this person may write the version that settles ``clash``: a leader's
        device holds both lines of an employee's preparation, but only she settles it."""
        me = self.current_person().id
        if self.directory.member(me) is None:
            return True  # not in an organisation yet: nobody else writes here
        try:
            settled = resolve(current, Conflict(clash["field"], clash.get("key"), *(
                marker(clash.get(side)) for side in ("base", "ours", "theirs"))),
                "theirs", author=me)
        except ValueError:
            return False
        conversation = shard.get(CONVERSATION_TABLE, {}).get(shard_id)
        return refusal(settled, [current], conversation, self.directory,
                       conversation_id=shard_id, signer=me) is None

    def _conflict_label(self, shard: dict[str, Any], table: str, clash: dict[str, Any]) -> str:
        """The question a clashing answer belongs to, in the person's language."""
        conversation = shard.get(CONVERSATION_TABLE, {})
        record = next(iter(conversation.values()), None)
        sheet = self.library.sheets.get(record.get("sheet_id", "")) if record else None
        key = clash.get("key")
        if sheet is not None and key:
            question = sheet.question(key)
            if question is not None:
                return self.texts.localize(question.text)
        return self.texts(f"conflict.field.{clash['field']}")

    def settle(self, item: ConflictItem, choice: str) -> None:
        """Blocking. Keeps the chosen value ("ours" or "theirs") and sends the settled
        version: it notes the choice, so every device sees this clash closed."""
        if choice not in ("ours", "theirs"):
            raise InputRejected("error.conflict_choice")
        vault, me = self.unlocked_vault(), self.current_person()
        with self.save_lock:
            shard = vault.read_shard(item.shard)
            doc = shard.get(CONFLICTS_TABLE, {}).get(item.conflict_id)
            current = shard.get(item.table, {}).get(item.record_id)
            if doc is None or current is None:
                raise InputRejected("error.conflict_gone")
            clash = Conflict(item.field, item.key, *(
                marker(value) for value in (item.base, item.ours, item.theirs)))
            settled = resolve(current, clash, choice, author=me.id)
            vault.put_record(item.shard, item.table, settled)
            fields = [dict(f) for f in doc["fields"]]
            fields[item.index]["settled"] = choice
            done = all(f.get("settled") for f in fields)
            vault.put_record(item.shard, CONFLICTS_TABLE,
                             {**doc, "fields": fields, "settled": done})
            self.drafts.pop(item.shard, None)
        self.publish(item.shard, item.table, settled)
        if done or not self._shard_has_conflicts(item.shard):
            remaining = [s for s in self._conflict_shards()
                         if s != item.shard or self._shard_has_conflicts(s)]
            vault.put_meta(CONFLICTS_KEY, {"shards": remaining})

    def _shard_has_conflicts(self, shard_id: str) -> bool:
        docs = self.unlocked_vault().read_shard(shard_id).get(CONFLICTS_TABLE, {}).values()
        return any(not doc.get("settled") for doc in docs)

    def publish(self, conversation_id: str, table: str, record: dict[str, Any]) -> None:
        """Blocking. Puts a record version in the outbox; the next sync sends it to
        exactly the people the visibility rules name. Never waits for the share."""
        engine = SyncEngine(self.unlocked_vault(), self._open_share(), self.directory,
                            self.current_person().id, clock=self.clock.time)
        engine.publish(conversation_id, table, record)

    def preparation_state(self, conversation_id: str) -> str:
        """Blocking. The preparation's state in the person's words: a draft only they
        see, ready to send (waiting for the share), or sent."""
        draft = self.drafts.get(conversation_id)
        if draft is None or not draft.preparation.shared_with_leader:
            return "record.draft"
        outbox = (self.unlocked_vault().get_meta(OUTBOX_KEY) or {}).get("items", [])
        waiting = any(item.get("shard") == conversation_id and item.get("table") ==
                      PREPARATION_TABLE for item in outbox)
        edited = draft.dirty or draft.saved is not draft.opened
        return "record.ready" if waiting or edited else "record.sent"

    def _refresh_index(self, conversation_ids: list[str]) -> None:
        """Home-screen summaries for conversations a sync brought or changed."""
        vault, me = self.unlocked_vault(), self.current_person()
        entries = {}
        reminders: dict[str, Any] = {}
        for cid in conversation_ids:
            shard = vault.read_shard(cid)
            record = shard.get(CONVERSATION_TABLE, {}).get(cid)
            if record is None:
                continue
            conversation = Conversation.from_dict(record)
            preparations = [Preparation.from_dict(p)
                            for p in shard.get(PREPARATION_TABLE, {}).values()]
            mine = read_as_one(preparations, cid, me.id)
            entries[cid] = self.summary_entry(conversation, mine,
                                              shared_by(conversation, preparations))
            reminders.update({raw["id"]: raw for raw in shard.get(REMINDER_TABLE, {}).values()
                              if raw.get("author") != me.id})
        if entries:
            vault.put_index(entries)
        if reminders:
            known = (vault.get_meta(REMINDERS_KEY) or {}).get("items", {})
            vault.put_meta(REMINDERS_KEY, {"items": {**known, **reminders}})

    # --- home --------------------------------------------------------------------

    def home(self) -> list[tuple[Task, list[Summary]]]:
        """My conversations grouped by what they need from me, soonest first."""
        me, today = self.current_person(), self.today()
        groups: dict[Task, list[Summary]] = {task: [] for task in TASK_ORDER}
        for cid, entry in self.index().items():
            task = _task_from_index(entry, me.id, today)
            groups[task].append(Summary.from_index(cid, entry, task, me.id))
        far = dt.datetime.max  # noqa: DTZ901 - planned times are naive local times
        return [
            (task, sorted(items, key=lambda s: s.planned_at or far))
            for task, items in groups.items()
            if items
        ]

    def index(self) -> dict[str, IndexEntry]:
        """Blocking. Every conversation on this device as the index lists it."""
        return {cid: IndexEntry.from_dict(entry)
                for cid, entry in self.unlocked_vault().index().items()}

    def person_name(self, person_id: str) -> str:
        member = self.directory.member(person_id)
        return member.name if member else ""

    def start_conversation(
        self, kind: Kind, leader_name: str, planned_on: dt.date | None
    ) -> str:
        """Blocking. An employee registers a conversation they were invited to."""
        me = self.current_person()
        if not leader_name.strip():
            raise InputRejected("error.leader_required")
        if planned_on is not None and planned_on < self.today():
            raise InputRejected("error.date_past", date=planned_on.isoformat())
        sheets = self.library.for_kind(kind)
        if not sheets:
            raise InputRejected("error.no_sheet", kind=kind.value)
        leader = Person(name=leader_name.strip(), roles=frozenset({Role.LEADER}))
        self.directory = self.directory.with_member(member_of(leader, None))
        self.unlocked_vault().put_meta(DIRECTORY_KEY, self.directory.to_dict())
        planned = dt.datetime.combine(planned_on, dt.time(9, 0)) if planned_on else None
        conversation = Conversation(
            kind=kind,
            sheet_id=sheets[0].id,
            sheet_version=sheets[0].version,
            leader_id=leader.id,
            participant_ids=(me.id,),
            planned_at=planned,
            state=State.PREPARING,
            author=me.id,
        )
        self.store_conversation(conversation, [])
        self.publish(conversation.id, CONVERSATION_TABLE, conversation.to_dict())
        return conversation.id

    def store_conversation(
        self, conversation: Conversation, preparations: list[Preparation]
    ) -> None:
        vault = self.unlocked_vault()
        vault.put_record(conversation.id, CONVERSATION_TABLE, conversation.to_dict())
        if preparations:
            records = [p.to_dict() for p in preparations]
            vault.put_records(conversation.id, PREPARATION_TABLE, records)
        mine = next((p for p in preparations if p.author == self.current_person().id), None)
        vault.put_index({conversation.id: self.summary_entry(conversation, mine)})

    def summary_entry(
        self, conversation: Conversation, mine: Preparation | None,
        shared: tuple[str, ...] | None = None,
    ) -> dict[str, Any]:
        """The index entry for ``conversation``, ready for ``Vault.put_index``.
        ``shared``: who has shared their preparation with the leader; when not given
        it is read from the conversation's shard."""
        me = self.current_person()
        if shared is None:
            shard = self.unlocked_vault().read_shard(conversation.id)
            shared = shared_by(conversation, (Preparation.from_dict(p) for p in
                                              shard.get(PREPARATION_TABLE, {}).values()))
        other_ids = [conversation.leader_id, *conversation.participant_ids]
        others = [self.person_name(pid) for pid in other_ids if pid != me.id]
        items = self._items(conversation)
        return IndexEntry.of(
            conversation, with_whom=", ".join(name for name in others if name),
            answered=mine.answered(items) if mine else 0, total=len(items), shared_by=shared,
        ).to_dict()

    def _items(self, conversation: Conversation) -> tuple[str, ...]:
        sheet = self.library.sheet_for(conversation.sheet_id, conversation.sheet_version)
        return progress_items(sheet, self.library.job_profiles) if sheet else ()

    # --- preparing -----------------------------------------------------------------

    def open_draft(self, conversation_id: str) -> Draft:
        """Blocking (reads and decrypts one shard)."""
        if conversation_id in self.drafts:
            return self.drafts[conversation_id]
        me = self.current_person()
        shard = self.unlocked_vault().read_shard(conversation_id)
        records = shard.get(CONVERSATION_TABLE, {})
        if conversation_id not in records:
            raise InputRejected("error.conversation_missing")
        conversation = Conversation.from_dict(records[conversation_id])
        sheet = self.library.sheet_for(conversation.sheet_id, conversation.sheet_version)
        if sheet is None:
            raise InputRejected("error.no_sheet", kind=conversation.kind.value)
        found = [Preparation.from_dict(p) for p in shard.get(PREPARATION_TABLE, {}).values()]
        main, others = folded(found, conversation_id, me.id)
        preparation = main or Preparation(
            id=preparation_id(conversation_id, me.id), conversation_id=conversation_id,
            author=me.id)
        draft = Draft(
            conversation=conversation,
            sheet=sheet,
            preparation=preparation,
            items=progress_items(sheet, self.library.job_profiles),
            saved=main,
            opened=main,
        )
        self.drafts[conversation_id] = draft
        self._adopt(draft, others, shard.get(CONFLICTS_TABLE, {}))
        return draft

    def _adopt(self, draft: Draft, others: list[Preparation],
               conflicts: dict[str, Any]) -> None:
        """A second preparation of mine in this conversation, kept from before ids were
        derived alike on every device (two devices each started one): its answers and
        ratings go into the draft where it has none, and where both hold a different
        one the draft's stays and the clash is shown on the conflict screen. Each such
        version is taken in once (its conflicts entry says so); it stays in the vault
        as it was."""
        new = [p for p in others if _adopted_id(p) not in conflicts]
        if not new:
            return
        preparation, clashes = fill_from(draft.preparation, new)
        if preparation is not draft.preparation:
            self._edit(draft, preparation)
        vault = self.unlocked_vault()
        cid = draft.conversation.id
        with self.save_lock:
            self.persist(cid)
            main = draft.preparation.version if draft.saved is None else draft.saved.version
            docs = []
            for other in new:
                fields = [{"field": f, "key": k, "base": {"no_value": "absent"}, "ours": ours,
                           "theirs": theirs, "sides": {main: ours, other.version: theirs}}
                          for f, k, ours, theirs in clashes
                          if other.to_dict()[f].get(k) == theirs]
                docs.append({"id": _adopted_id(other), "record": draft.preparation.id,
                             "table": PREPARATION_TABLE, "kind": "fields",
                             "versions": [main, other.version], "merged": None,
                             "fields": fields, "records": {other.version: other.to_dict()},
                             "settled": not fields})
            vault.put_records(cid, CONFLICTS_TABLE, docs)
            if any(not doc["settled"] for doc in docs):
                shards = set(self._conflict_shards()) | {cid}
                vault.put_meta(CONFLICTS_KEY, {"shards": sorted(shards)})

    def job_profile(self, profile_id: str | None) -> JobProfile | None:
        if profile_id is None:
            return None
        return self.library.job_profiles.get(profile_id)

    def _editable(self, conversation_id: str) -> Draft:
        draft = self.drafts.get(conversation_id)
        if draft is None:
            raise InputRejected("error.vault_locked")
        if draft.closing:
            raise InputRejected("error.draft_closing")
        return draft

    def _edit(self, draft: Draft, preparation: Preparation) -> None:
        draft.preparation = preparation
        draft.edits += 1
        self.touch()

    def set_answer(self, conversation_id: str, question_id: str, text: str) -> None:
        """Quick: changes the draft in memory. Raises InputRejected for bad input."""
        draft = self._editable(conversation_id)
        self._edit(draft, draft.preparation.with_answer(question_id, text))

    def set_rating(self, conversation_id: str, item_id: str, level: Level | None) -> None:
        draft = self._editable(conversation_id)
        self._edit(draft, draft.preparation.with_rating(item_id, level))

    def set_shared(self, conversation_id: str, shared: bool) -> None:
        draft = self._editable(conversation_id)
        self._edit(draft, draft.preparation.revised(shared_with_leader=shared))

    def persist(self, conversation_id: str) -> bool:
        """Blocking. Writes the newest draft durably; True once it is on disk.

        Keystrokes make working copies; only what reaches disk becomes a version, and
        its parent is the previous version on disk, so the history holds no gaps."""
        with self.save_lock:
            draft = self.drafts.get(conversation_id)
            if draft is None or self.vault is None:
                return False
            working, count = draft.preparation, draft.edits
            if count == draft.saved_edits:
                return True
            parents = (draft.saved.version,) if draft.saved else ()
            record = dataclasses.replace(working, parents=parents, version="")
            self.vault.put_record(conversation_id, PREPARATION_TABLE, record.to_dict())
            draft.saved, draft.saved_edits = record, count
            return True

    def close_draft(self, conversation_id: str) -> None:
        """Blocking. Saves, refreshes the home screen's progress in one write, and
        forgets the draft. Edits that arrive meanwhile are refused, never dropped."""
        with self.save_lock:
            draft = self.drafts.get(conversation_id)
            if draft is None or self.vault is None:
                return
            draft.closing = True
            try:
                self.persist(conversation_id)
                entry = self.summary_entry(draft.conversation, draft.preparation)
                self.vault.put_index({conversation_id: entry})
                if draft.saved is not None and draft.saved is not draft.opened:
                    self.publish(conversation_id, PREPARATION_TABLE, draft.saved.to_dict())
                    self.share_ratings(draft.conversation, draft.saved)
            except BaseException:
                draft.closing = False
                raise
            self.drafts.pop(conversation_id, None)

    # --- ratings flowing to leader and HR ---------------------------------------------

    def share_ratings(self, conversation: Conversation, preparation: Preparation) -> None:
        """Blocking. Sends the competence ratings of a preparation the person shared.
        The leader's ratings in an employee's conversation are their assessment of
        each participant."""
        if not preparation.ratings:
            return
        me = self.current_person().id
        leading = me in (conversation.leader_id, conversation.delegate_leader_id)
        if not leading and not preparation.shared_with_leader:
            return
        year = (conversation.planned_at.date() if conversation.planned_at
                else self.today()).year
        rated = conversation.participant_ids if leading else (me,)
        if leading and conversation.kind.is_team:
            return
        vault = self.unlocked_vault()
        earlier = vault.read_shard(conversation.id).get(RATINGS_TABLE, {})
        for person in rated:
            record_id = ratings_id(person, conversation.id, leading)
            ratings = dict(preparation.ratings)
            if record_id in earlier:  # a new version of the same record, never a rival
                before = CompetenceRatings.from_dict(earlier[record_id])
                if dict(before.ratings) == ratings and before.year == year:
                    continue
                record = before.revised(author=me, ratings=ratings, year=year)
            else:
                record = CompetenceRatings(
                    id=record_id, person_id=person, conversation_id=conversation.id,
                    year=year, ratings=ratings, by_leader=leading, author=me)
            self.publish(conversation.id, RATINGS_TABLE, record.to_dict())

    def save_all(self) -> None:
        """Blocking. Writes every open draft and the home screen's progress for them;
        the drafts stay open (a tab that lost its connection may come back)."""
        with self.save_lock:
            self.save_open_work()
            if self.vault is None or not self.drafts:
                return
            entries = {}
            for conversation_id, draft in list(self.drafts.items()):
                self.persist(conversation_id)
                entries[conversation_id] = self.summary_entry(draft.conversation,
                                                               draft.preparation)
            self.vault.put_index(entries)


def _adopted_id(other: Preparation) -> str:
    """The conflicts entry that says a second preparation's version was taken in."""
    return f"adopted:{other.id}:{other.version}"


def still_open(record: dict[str, Any], clash: dict[str, Any]) -> bool:
    """A clash is open while the record still holds the first version's value there;
    once the value is the other one (settled on another device) or a new answer the
    person wrote, there is nothing left to choose."""
    value = record.get(clash["field"], NOTHING)
    if clash.get("key") is not None:
        value = value.get(clash["key"], NOTHING) if isinstance(value, dict) else NOTHING
    ours = clash.get("ours")
    if isinstance(ours, dict) and "no_value" in ours:
        return value is NOTHING
    return value is not NOTHING and canonical_json(value) == canonical_json(ours)


NOTHING = object()


def marker(value: Any) -> Any:
    """A stored clash value back as the merge knows it: ``{"no_value": "absent"}`` is
    the ABSENT marker (the answer was removed on that side)."""
    if isinstance(value, dict) and set(value) == {"no_value"}:
        return NoValue(value["no_value"])
    return value


def remember_recovery_place(vault: Vault, code: str) -> None:
    """Keeps where this profile's recovery code keeps its keys on the share (never the
    code): a sync puts them there (``services.devices``, ``sync.recovery``)."""
    vault.put_meta(RECOVERY_PLACE_KEY, recovery_place(code).to_dict())


def member_of(person: Person, vault: Vault | None) -> Member:
    """A person as the directory lists them; with their public keys and device when
    their vault is on this device (blocking the first time: keys are made)."""
    enc_key = sign_key = ""
    devices: tuple[str, ...] = ()
    if vault is not None:
        public = identity_of(vault).public()
        enc_key, sign_key, devices = public.enc, public.sign, (device_id_of(vault),)
    return Member(
        id=person.id,
        name=person.name,
        roles=person.roles,
        unit=person.unit,
        team=person.team,
        leader_id=person.leader_id,
        job_profile=person.job_profile,
        enc_key=enc_key,
        sign_key=sign_key,
        devices=devices,
    )


def _task_from_index(entry: IndexEntry, me: str, today: dt.date) -> Task:
    return task_for(
        entry.state,
        leading=entry.leading(me),
        planned_on=entry.planned_at.date() if entry.planned_at else None,
        follow_up_due=entry.follow_up_due,
        today=today,
    )

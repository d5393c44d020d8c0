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
import time
from collections.abc import Callable
from typing import Any

from conversations import demo
from conversations.competence import JobProfile, Level, default_job_profile
from conversations.model import (
    Conversation,
    InputRejected,
    Kind,
    Person,
    Preparation,
    Role,
    State,
    Task,
    task_for,
)
from conversations.sheets import QuestionSheet, SheetLibrary, progress_items
from conversations.texts import DEFAULT_LANGUAGE, Texts
from storage import MIN_PIN_LENGTH, Device, ProfileInfo, Vault

MIN_PIN = MIN_PIN_LENGTH
SYMBOL_COUNT = 8
PROFILE_KEY = "profile"
DIRECTORY_KEY = "directory"
SETTINGS_KEY = "settings"
CONVERSATION_TABLE = "conversation"
PREPARATION_TABLE = "preparations"
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

    @classmethod
    def from_catalog(cls, cid: str, entry: dict[str, Any], task: Task) -> Summary:
        planned = entry.get("planned_at")
        return cls(
            id=cid,
            kind=Kind(entry["kind"]),
            state=State(entry["state"]),
            with_whom=entry.get("with_whom", ""),
            planned_at=dt.datetime.fromisoformat(planned) if planned else None,
            answered=int(entry.get("answered", 0)),
            total=int(entry.get("total", 0)),
            task=task,
        )


@dataclasses.dataclass
class Draft:
    """A preparation being written: the sheet, the record, and what to save next."""

    conversation: Conversation
    sheet: QuestionSheet
    preparation: Preparation
    items: tuple[str, ...]
    saved: Preparation | None = None
    edits: int = 0
    saved_edits: int = 0
    closing: bool = False

    @property
    def answered(self) -> int:
        return self.preparation.answered(self.items)

    @property
    def dirty(self) -> bool:
        return self.edits != self.saved_edits


class AppSession:
    def __init__(
        self,
        device: Device,
        library: SheetLibrary,
        *,
        lang: str = DEFAULT_LANGUAGE,
        today: Callable[[], dt.date] = dt.date.today,
        idle_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.device = device
        self.library = library
        self.texts = Texts(lang)
        self.today = today
        self.idle_seconds = idle_seconds
        self.clock = clock
        self.vault: Vault | None = None
        self.me: Person | None = None
        self.directory: dict[str, Person] = {}
        self.drafts: dict[str, Draft] = {}
        self._last_activity = clock()
        self._save_lock = threading.RLock()

    # --- language and idle lock -------------------------------------------------

    def set_language(self, lang: str) -> None:
        self.texts = Texts(lang)
        if self.vault is not None:
            self.vault.put_meta(SETTINGS_KEY, {"lang": self.texts.lang})

    def touch(self) -> None:
        self._last_activity = self.clock()

    def idle_expired(self) -> bool:
        return self.vault is not None and self.clock() - self._last_activity > self.idle_seconds

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
        self._enter(vault)
        return code

    def create_demo(self) -> None:
        """Blocking. Two demo profiles (employee and leader), opens the employee's."""
        self.touch()
        org = demo.organisation()
        sheet = self.library.sheets.get("mus")
        anna, mette = org.employees[0], org.leader
        opened: Vault | None = None
        for symbol, person in ((1, anna), (6, mette)):
            vault, _code = self.device.create_profile(demo.DEMO_PIN, symbol=symbol)
            vault.put_meta(PROFILE_KEY, person.to_dict())
            vault.put_meta(SETTINGS_KEY, {"lang": self.texts.lang})
            vault.put_meta(DIRECTORY_KEY, {p.id: p.to_dict() for p in org.people})
            self.vault = vault
            self.me = person
            self.directory = {p.id: p for p in org.people}
            for conversation, preparations in demo.conversations_for(
                person, org, self.today(), sheet, self.library.job_profiles
            ):
                self._store_conversation(conversation, preparations)
            if person is anna:
                opened = vault
            else:
                vault.lock()
        assert opened is not None
        self._enter(opened)

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
        self._vault().change_pin(old_pin, new_pin)

    def lock(self) -> None:
        """Forgets keys and every decrypted draft. Save pending edits first."""
        if self.vault is not None:
            self.vault.lock()
        self.vault = None
        self.me = None
        self.directory = {}
        self.drafts = {}

    def _enter(self, vault: Vault) -> None:
        self.vault = vault
        profile = vault.get_meta(PROFILE_KEY)
        if profile is None:
            raise InputRejected("error.profile_missing")
        self.me = Person.from_dict(profile)
        people = vault.get_meta(DIRECTORY_KEY) or {}
        self.directory = {pid: Person.from_dict(p) for pid, p in people.items()}
        self.directory[self.me.id] = self.me
        settings = vault.get_meta(SETTINGS_KEY) or {}
        self.texts = Texts(settings.get("lang", self.texts.lang))
        self.drafts = {}
        self.touch()

    def _vault(self) -> Vault:
        if self.vault is None:
            raise InputRejected("error.vault_locked")
        return self.vault

    def _person(self) -> Person:
        if self.me is None:
            raise InputRejected("error.vault_locked")
        return self.me

    def _profile_for(self, role: Role) -> str | None:
        return default_job_profile(role.value, self.library.job_profiles)

    def free_symbol(self) -> int:
        """A symbol no profile on this device has yet, so tiles tell people apart."""
        taken = {info.symbol for info in self.profiles()}
        return next((n for n in range(SYMBOL_COUNT) if n not in taken), 0)

    # --- home --------------------------------------------------------------------

    def home(self) -> list[tuple[Task, list[Summary]]]:
        """My conversations grouped by what they need from me, soonest first."""
        me, today = self._person(), self.today()
        groups: dict[Task, list[Summary]] = {task: [] for task in TASK_ORDER}
        for cid, entry in self._vault().catalog().items():
            task = _task_from_catalog(entry, me.id, today)
            groups[task].append(Summary.from_catalog(cid, entry, task))
        far = dt.datetime.max
        return [
            (task, sorted(items, key=lambda s: s.planned_at or far))
            for task, items in groups.items()
            if items
        ]

    def person_name(self, person_id: str) -> str:
        person = self.directory.get(person_id)
        return person.name if person else ""

    def start_conversation(
        self, kind: Kind, leader_name: str, planned_on: dt.date | None
    ) -> str:
        """Blocking. An employee registers a conversation they were invited to."""
        me = self._person()
        if not leader_name.strip():
            raise InputRejected("error.leader_required")
        if planned_on is not None and planned_on < self.today():
            raise InputRejected("error.date_past", date=planned_on.isoformat())
        sheets = self.library.for_kind(kind)
        if not sheets:
            raise InputRejected("error.no_sheet", kind=kind.value)
        leader = Person(name=leader_name.strip(), roles=frozenset({Role.LEADER}))
        self.directory[leader.id] = leader
        self._vault().put_meta(
            DIRECTORY_KEY, {pid: p.to_dict() for pid, p in self.directory.items() if pid != me.id}
        )
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
        self._store_conversation(conversation, [])
        return conversation.id

    def _store_conversation(
        self, conversation: Conversation, preparations: list[Preparation]
    ) -> None:
        vault = self._vault()
        vault.put_record(conversation.id, CONVERSATION_TABLE, conversation.to_dict())
        if preparations:
            records = [p.to_dict() for p in preparations]
            vault.put_records(conversation.id, PREPARATION_TABLE, records)
        mine = next((p for p in preparations if p.author == self._person().id), None)
        vault.put_catalog({conversation.id: self._summary_entry(conversation, mine)})

    def _summary_entry(
        self, conversation: Conversation, mine: Preparation | None
    ) -> dict[str, Any]:
        me = self._person()
        other_ids = [conversation.leader_id, *conversation.participant_ids]
        others = [self.person_name(pid) for pid in other_ids if pid != me.id]
        items = self._items(conversation)
        return {
            "kind": conversation.kind.value,
            "state": conversation.state.value,
            "with_whom": ", ".join(name for name in others if name),
            "planned_at": conversation.planned_at.isoformat() if conversation.planned_at else None,
            "follow_up_due": (
                conversation.follow_up_due.isoformat() if conversation.follow_up_due else None
            ),
            "leader_id": conversation.leader_id,
            "delegate_leader_id": conversation.delegate_leader_id,
            "participant_ids": list(conversation.participant_ids),
            "answered": mine.answered(items) if mine else 0,
            "total": len(items),
        }

    def _items(self, conversation: Conversation) -> tuple[str, ...]:
        sheet = self.library.sheets.get(conversation.sheet_id)
        return progress_items(sheet, self.library.job_profiles) if sheet else ()

    # --- preparing -----------------------------------------------------------------

    def open_draft(self, conversation_id: str) -> Draft:
        """Blocking (reads and decrypts one shard)."""
        if conversation_id in self.drafts:
            return self.drafts[conversation_id]
        me = self._person()
        shard = self._vault().read_shard(conversation_id)
        records = shard.get(CONVERSATION_TABLE, {})
        if conversation_id not in records:
            raise InputRejected("error.conversation_missing")
        conversation = Conversation.from_dict(records[conversation_id])
        sheet = self.library.sheets.get(conversation.sheet_id)
        if sheet is None:
            raise InputRejected("error.no_sheet", kind=conversation.kind.value)
        mine = [
            Preparation.from_dict(p)
            for p in shard.get(PREPARATION_TABLE, {}).values()
            if p.get("author") == me.id
        ]
        preparation = (
            mine[0] if mine else Preparation(conversation_id=conversation_id, author=me.id)
        )
        draft = Draft(
            conversation=conversation,
            sheet=sheet,
            preparation=preparation,
            items=progress_items(sheet, self.library.job_profiles),
            saved=preparation if mine else None,
        )
        self.drafts[conversation_id] = draft
        return draft

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
        with self._save_lock:
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
        with self._save_lock:
            draft = self.drafts.get(conversation_id)
            if draft is None or self.vault is None:
                return
            draft.closing = True
            try:
                self.persist(conversation_id)
                entry = self._summary_entry(draft.conversation, draft.preparation)
                self.vault.put_catalog({conversation_id: entry})
            except BaseException:
                draft.closing = False
                raise
            self.drafts.pop(conversation_id, None)

    def save_all(self) -> None:
        """Blocking. Writes every open draft and the home screen's progress for them;
        the drafts stay open (a tab that lost its connection may come back)."""
        with self._save_lock:
            if self.vault is None or not self.drafts:
                return
            entries = {}
            for conversation_id, draft in list(self.drafts.items()):
                self.persist(conversation_id)
                entries[conversation_id] = self._summary_entry(draft.conversation,
                                                               draft.preparation)
            self.vault.put_catalog(entries)


def _task_from_catalog(entry: dict[str, Any], me: str, today: dt.date) -> Task:
    due, planned = entry.get("follow_up_due"), entry.get("planned_at")
    return task_for(
        State(entry["state"]),
        leading=me in (entry.get("leader_id"), entry.get("delegate_leader_id")),
        planned_on=dt.datetime.fromisoformat(planned).date() if planned else None,
        follow_up_due=dt.date.fromisoformat(due) if due else None,
        today=today,
    )



"""Data protection at the desk, in plain Python: no Flet here.

- Retention (leaders and HR): which conversations on this device the retention rule
  would delete (:meth:`PrivacyDesk.preview`), and deleting them for good
  (:meth:`PrivacyDesk.delete`, through ``Vault.delete_shard``).
- A person's own data: an export as a ZIP built in memory (``data.json`` and the PDFs of
  their conversations and agreements) and a request to be erased, with what erasing would
  delete and what the municipality must keep.
- The share's housekeeping (HR): :meth:`PrivacyDesk.maintain_share` removes from the
  share what is past its deadline, an erased person's own records and superseded
  versions (``sync.housekeeping`` has the rules), and remembers how far each run saw.
- The audit trail: ids, actions, counts and times only, kept encrypted in the vault's
  meta under ``"audit"``. Never content, never names.

Every method that touches the vault blocks: the screens call them with
``asyncio.to_thread``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from conversations.courses import Completion
from conversations.model import (
    CompetenceRatings,
    Conversation,
    ErasureRequest,
    InputRejected,
    Preparation,
    State,
)
from conversations.retention import (
    MAX_YEARS,
    MIN_YEARS,
    RetentionPolicy,
    StoredItem,
    audit_entry,
    audit_line,
    erasure_plan,
    personal_export,
    to_delete,
)
from services.app import AppSession
from services.meeting import file_stem
from storage.schema import (
    AUDIT_KEY,
    CATALOGUE_SHARD,
    COMPLETION_TABLE,
    CONFLICTS_TABLE,
    CONVERSATION_TABLE,
    ERASURE_SHARD,
    ERASURE_TABLE,
    HOUSEKEEPING_KEY,
    PREPARATION_TABLE,
    PROFILE_KEY,
    RATINGS_TABLE,
)
from sync.housekeeping import MaintenanceReport, Mark, maintain
from sync.identity import identity_of

if TYPE_CHECKING:
    from services.meeting import Meeting

DEFAULT_YEARS = 5
DATA_FILE = "data.json"
# Fields whose value is a date or a time something happened (or is due) in a conversation.
_DATE_SUFFIXES = ("_at", "_on", "_due")
_DATE_FIELDS = frozenset({"deadline", "dates"})


def parse_years(text: str) -> int:
    """The retention period typed in a field; InputRejected unless a whole number 1–10."""
    try:
        years = int((text or "").strip())
    except ValueError:
        raise InputRejected("error.retention_years", min=MIN_YEARS, max=MAX_YEARS) from None
    RetentionPolicy(years)
    return years


def last_change(tables: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dt.date | None:
    """The latest date any record of a shard carries (planned, signed, sent, due,
    deadlines); None when it has none."""
    found: list[dt.date] = []
    for records in tables.values():
        for record in records.values():
            found.extend(_dates(record))
    return max(found, default=None)


def _dates(value: Any, key: str = "") -> Iterator[dt.date]:
    if isinstance(value, Mapping):
        for name, item in value.items():
            yield from _dates(item, str(name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _dates(item, key)
    elif isinstance(value, str) and (key.endswith(_DATE_SUFFIXES) or key in _DATE_FIELDS):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return
        yield moment.date()


class PrivacyDesk:
    """Retention, a person's own export and erasure request, and the audit trail."""

    def __init__(self, session: AppSession) -> None:
        self.session = session

    def now(self) -> dt.datetime:
        return self.session.clock.now()

    # --- who may do what ---------------------------------------------------------------

    def may_retain(self) -> bool:
        """Leaders and HR apply the retention rule on their devices."""
        office = self.session.office
        return office.is_leader() or office.is_hr()

    def _retainer(self) -> str:
        if not self.may_retain():
            raise InputRejected("error.retention_not_allowed")
        return self.session.current_person().id

    # --- retention -----------------------------------------------------------------------

    def stored(self, policy: RetentionPolicy | None = None) -> list[StoredItem]:
        """Blocking. The conversations on this device as the retention rule sees them.
        With ``policy`` only shards that could be old enough are read: one planned on or
        after the cutoff, or still agreed with an open follow-up, is kept whatever else
        it holds."""
        vault, today = self.session.unlocked_vault(), self.session.today()
        cutoff = policy.cutoff(today) if policy else None
        items = []
        for cid, entry in self.session.index().items():
            planned, state = entry.planned_at, entry.state
            if cutoff is not None and (state is State.AGREED or
                                       (planned is not None and planned.date() >= cutoff)):
                continue
            tables = vault.read_shard(cid)
            record = tables.get(CONVERSATION_TABLE, {}).get(cid)
            if record is not None:
                conversation = Conversation.from_dict(record)
                kind, state, planned = conversation.kind, conversation.state, \
                    conversation.planned_at
                people = _people(conversation.leader_id, conversation.delegate_leader_id,
                                 conversation.participant_ids)
            else:
                kind, people = entry.kind, entry.people()
            # No date at all: its age is unknown, so it counts as changed today (kept).
            changed = last_change(tables) or today
            items.append(StoredItem(conversation_id=cid, kind=kind, planned_at=planned,
                                    state=state, person_ids=people, last_changed=changed))
        return items

    def preview(self, years: int) -> list[StoredItem]:
        """Blocking. What a retention period of ``years`` would delete, oldest first.
        Never an agreed conversation whose follow-up is still open."""
        self._retainer()
        policy = RetentionPolicy(years)
        return to_delete(self.stored(policy), policy, self.session.today())

    def delete(self, items: Iterable[StoredItem]) -> int:
        """Blocking. Deletes these conversations from this device for good and writes
        one audit entry per conversation (its id and how many records went). An item
        that has meanwhile become agreed with an open follow-up is kept. Returns how
        many were deleted; what was deleted before a failure is still in the trail."""
        actor = self._retainer()
        session, vault = self.session, self.session.unlocked_vault()
        entries = []
        try:
            # A sync applying what it fetched holds this lock: it never writes into a
            # shard while it is being deleted.
            with session.save_lock:
                for item in items:
                    cid = item.conversation_id
                    tables = vault.read_shard(cid)
                    record = tables.get(CONVERSATION_TABLE, {}).get(cid)
                    if record is not None and record.get("state") == State.AGREED.value:
                        continue
                    count = sum(len(records) for name, records in tables.items()
                                if name != CONFLICTS_TABLE)
                    session.drafts.pop(cid, None)
                    session.meetings.open.pop(cid, None)
                    vault.delete_shard(cid)
                    entries.append(audit_entry("retention_delete", actor, cid, self.now(),
                                               count))
        finally:
            self._record(entries)
        return len(entries)

    # --- my own data -----------------------------------------------------------------------

    def _my_records(self) -> list[dict[str, Any]]:
        """Every record this device holds that this person can read."""
        vault = self.session.unlocked_vault()
        records: list[dict[str, Any]] = []
        profile = vault.get_meta(PROFILE_KEY)
        if profile is not None:
            records.append({**profile, "type": "person"})
        for shard_id in vault.shard_ids():
            for name, table in vault.read_shard(shard_id).items():
                if name != CONFLICTS_TABLE:
                    records.extend(table.values())
        return records

    def my_data(self) -> dict[str, Any]:
        """Blocking. Everything stored about me that is mine to see (GDPR art. 15 and 20)."""
        return personal_export(self.session.current_person().id, self._my_records())

    def export_mine(self) -> bytes:
        """Blocking. A ZIP built in memory: ``data.json`` with my records and the PDFs of
        my conversations and agreements. Writes an ``export`` entry to the audit trail."""
        me = self.session.current_person().id
        data = self.my_data()
        count = sum(len(records) for records in data["records"].values())
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(DATA_FILE, json.dumps(data, ensure_ascii=False, indent=2,
                                                   sort_keys=True))
            for name, pdf in self._documents():
                archive.writestr(name, pdf)
        self._record([audit_entry("export", me, me, self.now(), count)])
        return buffer.getvalue()

    def _documents(self) -> Iterator[tuple[str, bytes]]:
        """The PDFs of the conversations I take part in or lead: the conversation where
        it has got beyond the invitation (or I prepared), and the agreement if there is
        one."""
        session = self.session
        me = session.current_person().id
        meetings = session.meetings
        for cid, entry in sorted(session.index().items()):
            if me not in entry.people():
                continue
            meeting = self._meeting(cid)
            if meeting is None:
                continue
            conversation = meeting.conversation
            stem = f"{file_stem(conversation)}-{cid[:8]}"
            early = conversation.state in (State.PLANNED, State.INVITED, State.CANCELLED)
            if not early or me in meeting.preparations:
                yield f"{stem}-samtale.pdf", meetings.conversation_pdf(meeting)
            if meeting.agreement is not None and not conversation.kind.is_team:
                yield f"{stem}-udviklingsaftale.pdf", meetings.agreement_pdf(meeting)

    def _meeting(self, cid: str) -> Meeting | None:
        """The conversation as open on a screen, else read for this export only (an
        open one is never re-read: that would drop edits not yet saved)."""
        meetings = self.session.meetings
        if cid in meetings.open:
            return meetings.open[cid]
        try:
            return meetings.load(cid)
        except InputRejected:
            return None
        finally:
            if cid in meetings.open:
                meetings.open.pop(cid)

    def erasure_counts(self) -> tuple[int, int]:
        """Blocking. Erasing me would delete this many records and keep this many with
        my id replaced (signed agreements and the conversations they come from)."""
        delete, keep = erasure_plan(self.session.current_person().id, self._my_records())
        return len(delete), len(keep)

    def request_erasure(self) -> tuple[int, int]:
        """Blocking. Erases what is the person's own at once and asks HR about the rest.

        Their preparations, competence self-assessments and course completions become
        empty new versions, which replace the old ones on every device that had them at
        the next sync (sealed envelopes hold only what they held; nobody can open the
        old ones but those who already could). Agreements and the conversations they
        come from are kept: the municipality must keep them. HR gets the request as a
        record, and both steps go into the audit trail with counts only. Returns
        (records erased, records kept)."""
        session = self.session
        me = session.current_person().id
        with session.save_lock:
            for conversation_id in list(session.drafts):
                session.close_draft(conversation_id)
            erased = self._erase_own(me)
        _, keep = self.erasure_counts()
        request = ErasureRequest(person_id=me, requested_at=self.now(), author=me)
        session.publish(ERASURE_SHARD, ERASURE_TABLE, request.to_dict())
        self._record([audit_entry("erasure_request", me, me, self.now(), keep),
                      audit_entry("erasure", me, me, self.now(), erased)])
        return erased, keep

    def _erase_own(self, me: str) -> int:
        session, vault = self.session, self.session.unlocked_vault()
        erased = 0
        for shard_id in vault.shard_ids():
            tables = vault.read_shard(shard_id)
            for raw in tables.get(PREPARATION_TABLE, {}).values():
                prep = Preparation.from_dict(raw)
                if prep.author == me and (prep.answers or prep.ratings):
                    session.publish(shard_id, PREPARATION_TABLE,
                                    prep.revised(author=me, answers={}, ratings={}).to_dict())
                    erased += 1
            for raw in tables.get(RATINGS_TABLE, {}).values():
                rated = CompetenceRatings.from_dict(raw)
                if rated.person_id == me and not rated.by_leader and rated.ratings:
                    session.publish(shard_id, RATINGS_TABLE,
                                    rated.revised(author=me, ratings={}).to_dict())
                    erased += 1
        for raw in vault.read_shard(CATALOGUE_SHARD).get(COMPLETION_TABLE, {}).values():
            done = Completion.from_dict(raw)
            if done.person_id == me and not done.withdrawn:
                gone = done.revised(author=me, consent_to_publish=False, withdrawn=True)
                session.publish(CATALOGUE_SHARD, COMPLETION_TABLE, gone.to_dict())
                erased += 1
        return erased

    def erasure_requests(self) -> list[ErasureRequest]:
        """Blocking. For HR: the erasure requests that have reached this device."""
        table = self.session.unlocked_vault().read_shard(ERASURE_SHARD).get(ERASURE_TABLE, {})
        requests = [ErasureRequest.from_dict(raw) for raw in table.values()]
        return sorted(requests, key=lambda r: r.requested_at, reverse=True)

    # --- the share's housekeeping --------------------------------------------------------

    def may_maintain(self) -> bool:
        return self.session.office.is_hr()

    def maintain_share(self) -> MaintenanceReport:
        """Blocking. For HR: one maintenance run over the share (``sync.housekeeping``),
        for the erasure requests that reached this device. Writes a
        ``share_maintenance`` audit entry with how many objects went. ShareUnavailable
        when the share cannot be reached: nothing is half done that the next run does
        not finish."""
        if not self.may_maintain():
            raise InputRejected("error.maintenance_not_allowed")
        session, vault = self.session, self.session.unlocked_vault()
        me = session.current_person().id
        if me not in session.directory.hr_ids():
            raise InputRejected("error.maintenance_not_allowed")
        kept = (vault.get_meta(HOUSEKEEPING_KEY) or {}).get("marks", [])
        report = maintain(
            session.open_share(), session.directory, hr_id=me, identity=identity_of(vault),
            today=session.today(), erased={r.person_id for r in self.erasure_requests()},
            marks=[Mark.from_dict(m) for m in kept],
        )
        vault.put_meta(HOUSEKEEPING_KEY, {"marks": [m.to_dict() for m in report.marks]})
        self._record([audit_entry("share_maintenance", me, me, self.now(),
                                  report.removed_total)])
        return report

    # --- the audit trail ---------------------------------------------------------------------

    def audit(self) -> list[dict[str, Any]]:
        """Blocking. The audit trail, newest first: at, actor_id, action, subject_id, count."""
        stored = self.session.unlocked_vault().get_meta(AUDIT_KEY) or {}
        entries = [dict(e) for e in stored.get("entries", []) if isinstance(e, Mapping)]
        return sorted(entries, key=lambda e: str(e.get("at", "")), reverse=True)

    def _record(self, entries: list[Any]) -> None:
        if not entries:
            return
        vault = self.session.unlocked_vault()
        with self.session.save_lock:
            stored = vault.get_meta(AUDIT_KEY) or {}
            lines = list(stored.get("entries", []))
            lines.extend(audit_line(entry) for entry in entries)
            vault.put_meta(AUDIT_KEY, {"entries": lines})


def _people(leader: Any, delegate: Any, participants: Iterable[Any]) -> tuple[str, ...]:
    found = [p for p in (leader, delegate, *participants) if isinstance(p, str) and p]
    return tuple(dict.fromkeys(found))

"""Data protection: how long conversations are kept, the audit trail, a person's own
export and erasure.

Owns: the retention rule and the preview of what it would delete (:func:`to_delete`),
audit entries that hold ids, counts and times only (:class:`AuditEntry`), a person's
export of their own data (:func:`personal_export`, GDPR art. 15 and 20), the plan for
erasing a person (:func:`erasure_plan`, :func:`pseudonymised`, art. 17), and the coarse
deadline a version carries on the share (:func:`share_keep_until`, :func:`past_deadline`)
so that HR's maintenance run can remove it without reading it (``sync.housekeeping``).

Works on records in their plain-dict form (``Versioned.to_dict()``), as the vault and
the share keep them. A record "names" a person when their id is its author, or appears
anywhere in it under one of :data:`PERSON_FIELDS` or :data:`PEOPLE_FIELDS`, or as a key
of :data:`PERSON_KEYED` (a team plan's members' goals) — also inside goals, actions and
signatures.

Must not touch: Flet, the vault, the share, cryptography, clocks (``today`` and ``at``
are given). Deleting and writing the audit trail are the caller's work.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from conversations.model import InputRejected, Kind, State, add_months
from conversations.records import canonical_json, encode, hash_content

__all__ = [
    "ACTIONS",
    "AuditEntry",
    "RetentionPolicy",
    "StoredItem",
    "audit_entry",
    "audit_line",
    "erasure_plan",
    "names_person",
    "past_deadline",
    "personal_export",
    "pseudonymised",
    "share_keep_until",
    "to_delete",
]

MIN_YEARS, MAX_YEARS = 1, 10

ACTIONS = frozenset({"retention_delete", "export", "erasure", "erasure_request",
                     "share_maintenance"})

SHARE_YEARS = 5
"""How long a conversation's envelopes stay on the share after its last activity: the
organisation's retention period (the period a leader chooses on their own device may be
shorter; it deletes only that device's copy)."""

PERSON_FIELDS = frozenset({
    "author", "leader_id", "delegate_leader_id", "companion_id", "person_id",
    "responsible_id", "signer_id", "teacher_id",
})
"""Fields whose value is one person's id."""

PEOPLE_FIELDS = frozenset({"participant_ids", "person_ids"})
"""Fields whose value is a list of people's ids."""

PERSON_KEYED = frozenset({"member_goals"})
"""Fields whose value is a mapping keyed by people's ids."""

OWN_ONLY = frozenset({"preparation"})
"""Private records: only ever their author's."""

PERSONAL = frozenset({"preparation", "competence_ratings", "course_completion"})
"""Records that are one person's own and have no reason to outlive an erasure."""

PARTIES = ("leader_id", "delegate_leader_id")

_ID = re.compile(r"[A-Za-z0-9_.:\-]{1,128}")

Record = Mapping[str, Any]


# --- retention ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class StoredItem:
    """What the retention rule needs to know about a stored conversation."""

    conversation_id: str
    kind: Kind
    planned_at: dt.datetime | None
    state: State
    person_ids: tuple[str, ...]
    last_changed: dt.date

    @property
    def last_activity(self) -> dt.date:
        """The later of the last change and the planned date."""
        if self.planned_at is None:
            return self.last_changed
        return max(self.last_changed, self.planned_at.date())


@dataclasses.dataclass(frozen=True)
class RetentionPolicy:
    """Conversations are kept ``years`` years after their last activity (1–10)."""

    years: int

    def __post_init__(self) -> None:
        if (
            isinstance(self.years, bool)
            or not isinstance(self.years, int)
            or not MIN_YEARS <= self.years <= MAX_YEARS
        ):
            raise InputRejected("error.retention_years", min=MIN_YEARS, max=MAX_YEARS)

    def cutoff(self, today: dt.date) -> dt.date:
        """The first day that is still kept: ``years`` before ``today`` (29 February
        becomes 28 February)."""
        return add_months(today, -12 * self.years)


def to_delete(
    items: Iterable[StoredItem], policy: RetentionPolicy, today: dt.date
) -> list[StoredItem]:
    """The conversations the policy would delete, oldest first: the preview shown before
    anything is deleted.

    A conversation goes when its last activity (last change or planned date, whichever
    is later) lies before the cutoff — cancelled ones too, after the same period. An
    agreed conversation whose follow-up is still open (state AGREED) is always kept: the
    agreement is still being worked on, however old it is.
    """
    cutoff = policy.cutoff(today)
    old = [
        item for item in items
        if item.state is not State.AGREED and item.last_activity < cutoff
    ]
    return sorted(old, key=lambda item: (item.last_activity, item.conversation_id))


def share_keep_until(
    conversation: Record | None, pushed_on: dt.date, years: int = SHARE_YEARS
) -> str | None:
    """The month (``"YYYY-MM"``) through which a version pushed on ``pushed_on`` in
    ``conversation``'s shard stays on the share; None when it has no deadline (no
    conversation, or agreed with no follow-up date).

    The same rule as :func:`to_delete`, read at push time: ``years`` after the last
    activity — the later of the push, the planned date and, for an agreed conversation,
    its follow-up date (an agreement waiting for its follow-up is kept past it). Coarse
    on purpose: the header that carries it is readable by anyone on the share."""
    if conversation is None or conversation.get("type") != "conversation":
        return None
    last = pushed_on
    planned = _day_of(conversation.get("planned_at"))
    if planned is not None:
        last = max(last, planned)
    if conversation.get("state") == State.AGREED.value:
        due = _day_of(conversation.get("follow_up_due"))
        if due is None:
            return None
        last = max(last, due)
    until = add_months(last, 12 * RetentionPolicy(years).years)
    return f"{until.year:04d}-{until.month:02d}"


def past_deadline(keep_until: str, today: dt.date) -> bool:
    """Whether a version kept through the month ``keep_until`` may go on ``today``."""
    return f"{today.year:04d}-{today.month:02d}" > keep_until


def _day_of(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value).date()
    except ValueError:
        return None


# --- the audit trail ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AuditEntry:
    """Who did what to which record or person, when, and how many records it touched.
    Never content, names or free text: the trail outlives what it documents."""

    at: dt.datetime
    actor_id: str
    action: str
    subject_id: str
    count: int = 0


def audit_entry(
    action: str, actor_id: str, subject_id: str, at: dt.datetime, count: int = 0
) -> AuditEntry:
    """An entry for the audit trail. Raises ValueError for an unknown action, a negative
    count, or an id that is not an id (a name or a sentence would be text)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action: {action!r}")
    for value in (actor_id, subject_id):
        if not isinstance(value, str) or not _ID.fullmatch(value):
            raise ValueError("audit entries hold ids only")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError("count must be a whole number, zero or more")
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC)
    return AuditEntry(at=at, actor_id=actor_id, action=action, subject_id=subject_id,
                      count=count)


def audit_line(entry: AuditEntry) -> dict[str, object]:
    """The entry as a JSON-ready dict."""
    return {
        "at": entry.at.isoformat(),
        "actor_id": entry.actor_id,
        "action": entry.action,
        "subject_id": entry.subject_id,
        "count": entry.count,
    }


# --- a person's own data --------------------------------------------------------------------


def names_person(record: Record, person_id: str) -> bool:
    """Whether ``record`` names ``person_id`` (see the module's docstring)."""
    if record.get("type") == "person" and record.get("id") == person_id:
        return True
    return _names(record, person_id)


def _names(value: Any, person_id: str) -> bool:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in PERSON_FIELDS and item == person_id:
                return True
            if key in PEOPLE_FIELDS and isinstance(item, list | tuple) and person_id in item:
                return True
            if key in PERSON_KEYED and isinstance(item, Mapping) and person_id in item:
                return True
            if _names(item, person_id):
                return True
        return False
    if isinstance(value, list | tuple):
        return any(_names(item, person_id) for item in value)
    return False


def _parties(conversation: Record) -> set[str]:
    people = {conversation.get(field) for field in PARTIES}
    people.update(conversation.get("participant_ids") or ())
    return {p for p in people if isinstance(p, str) and p}


def _belongs_to(person_id: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records that are the person's: their own private records; records naming
    them; and the records of conversations they are a party to (leader, delegate
    leader, participant) — minutes, agreements, follow-ups, team plans — but never
    someone else's preparation. A companion (TR) gets the conversation, which names
    them, not what was said in it."""
    theirs = {
        r.get("id") for r in records
        if r.get("type") == "conversation" and person_id in _parties(r)
    }
    chosen = []
    for record in records:
        if record.get("type") in OWN_ONLY:
            if record.get("author") == person_id:
                chosen.append(record)
        elif names_person(record, person_id) or record.get("conversation_id") in theirs:
            chosen.append(record)
    return chosen


def _order(record: Record) -> tuple[str, str, bytes]:
    return (str(record.get("id", "")), str(record.get("version", "")), canonical_json(record))


def personal_export(person_id: str, records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Everything stored about ``person_id`` that is theirs to see, for them to take away:
    ``{"person_id": …, "records": {type: [record, …]}}``, types sorted, each type's
    records by id and version (every version given is included, once). JSON-ready and
    the same for the same input, whatever its order."""
    given = [encode(r) for r in records]
    unique = {canonical_json(r): r for r in given}
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in sorted(_belongs_to(person_id, list(unique.values())), key=_order):
        grouped.setdefault(str(record.get("type", "record")), []).append(record)
    return {"person_id": person_id, "records": dict(sorted(grouped.items()))}


# --- erasure --------------------------------------------------------------------------------


def erasure_plan(
    person_id: str, records: Iterable[Mapping[str, Any]]
) -> tuple[list[str], list[str]]:
    """What erasing ``person_id`` means: (record ids to delete, record ids to keep with
    the person's id replaced by an alias — see :func:`pseudonymised`). Both sorted, each
    id once.

    Deleted: the person record, and what is the person's own and serves no one else —
    their preparations (private to them anyway), their competence self-ratings and their
    course completions.

    Kept, pseudonymised: every other record naming them — the conversations they took
    part in, the development agreements and follow-ups, team plans, courses they taught,
    colleagues' person records where they were the leader. Signed development agreements
    and the conversations they come from are documentation the municipality is obliged to
    keep as a public authority (notatpligt and journaliseringspligt under
    offentlighedsloven and arkivloven; the employment file). GDPR art. 17(3)(b) lets such
    records stay when keeping them is a legal obligation, so they are not deleted: the
    person's id is replaced, which breaks the link to them in the app. Replacing it
    changes the signed content, so the old signatures no longer verify against the kept
    version; that is expected, and why the erasure itself is written to the audit trail
    (action ``erasure``: who, when, how many records — never what). Free text that
    mentions the person by name is not rewritten here; the record that holds it is kept
    under the same obligation. Records of their conversations that do not name them
    (the leader's minutes and preparation) stay as they are.
    """
    delete: set[str] = set()
    keep: set[str] = set()
    for record in records:
        record_id = record.get("id")
        if not isinstance(record_id, str):
            continue
        if _own(record, person_id):
            delete.add(record_id)
        elif names_person(record, person_id):
            keep.add(record_id)
    return sorted(delete), sorted(keep - delete)


def _own(record: Record, person_id: str) -> bool:
    """Whether ``record`` is the person record of ``person_id`` or one of their own."""
    kind = record.get("type")
    if kind == "person":
        return record.get("id") == person_id
    if kind in OWN_ONLY:
        return record.get("author") == person_id
    return kind in PERSONAL and record.get("person_id") == person_id


def pseudonymised(record: Mapping[str, Any], person_id: str, alias: str) -> dict[str, Any]:
    """A copy of ``record`` with every occurrence of ``person_id`` as a value or mapping
    key replaced by ``alias`` (whole ids only: text that merely contains it is left).

    When something changed and the record has a version, the copy is the record's next
    version: parent the old version, version the hash of the new content, so devices
    that sync fast-forward to it instead of keeping the old one."""
    if not alias or alias == person_id:
        raise ValueError("the alias must be a different, non-empty id")
    original = encode(record)
    copy: dict[str, Any] = _replace(original, person_id, alias)
    if copy != original and isinstance(original.get("version"), str):
        copy["parents"] = [original["version"]]
        content = {k: v for k, v in copy.items() if k != "version"}
        copy["version"] = hash_content(content)
    return copy


def _replace(value: Any, person_id: str, alias: str) -> Any:
    if isinstance(value, Mapping):
        return {
            (alias if key == person_id else key): _replace(item, person_id, alias)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_replace(item, person_id, alias) for item in value]
    return alias if value == person_id else value

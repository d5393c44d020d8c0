"""Who reads what: the readers of a record version, and so its recipients.

The sync engine seals each record version for exactly :func:`readers`; nobody else can
open it. This module is therefore the access control, and it fails closed: a record
type it does not know, a missing conversation or a field that is not what it should be
leaves the author as the only reader. Nobody outside the directory is ever a reader.

| record | readers besides its author |
| --- | --- |
| conversation | leader, delegate leader, participants, companion |
| preparation | leader and delegate leader, only once shared with the leader |
| minutes | leader, delegate leader, participants, companion |
| agreement, follow_up | leader, delegate leader, participants; HR when the policy says so |
| team_plan | leader, delegate leader, the team conversation's participants |
| competence_ratings | the person rated, their leader in the directory, HR |
| reminder | leader, delegate leader, participants |
| course, library_release | every member of the directory |
| coverage | the author's own leader in the directory, HR |
| unit_plan | everyone whose unit in the directory is the plan's unit |
| erasure_request | HR |
| device | the person, HR |
| course_completion | the person, their leader, HR; everyone once consented (a later |
| | withdrawal too, so it reaches everyone who saw the consent) |
| person, anything else | nobody |

The delegate leader stands in for the leader, so reads whatever the leader reads about
that conversation. MED reads no records at all, only aggregates built elsewhere.

Must not touch: keys, cryptography, the share — it names people, ``sync`` seals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from conversations.directory import Directory
from conversations.people import companion, leaders, participants, person_named

Record = Mapping[str, Any]
Rule = Callable[[Record, Record | None, Directory], Iterable[str]]


class ConversationMismatch(ValueError):
    """The conversation given is not the one the record belongs to."""


def readers(record: Record, conversation: Record | None, directory: Directory) -> frozenset[str]:
    """The members of ``directory`` who may read ``record``.

    ``conversation`` is the dict of the conversation ``record`` belongs to (unused for a
    conversation itself or competence ratings); without it only the author reads.
    """
    people = person_named(record.get("author"))
    kind = record.get("type")
    rule = _RULES.get(kind) if isinstance(kind, str) else None
    if rule is not None:
        people.update(rule(record, conversation, directory))
    return frozenset(p for p in people if p in directory.members)


def can_read(
    person_id: str, record: Record, conversation: Record | None, directory: Directory
) -> bool:
    return person_id in readers(record, conversation, directory)


def _conversation_readers(record: Record, _: Record | None, __: Directory) -> set[str]:
    return leaders(record) | participants(record) | companion(record)


def _preparation_readers(
    record: Record, conversation: Record | None, _: Directory
) -> set[str]:
    held = _conversation_of(record, conversation)
    if held is None or record.get("shared_with_leader") is not True:
        return set()
    return leaders(held)


def _minutes_readers(record: Record, conversation: Record | None, _: Directory) -> set[str]:
    held = _conversation_of(record, conversation)
    if held is None:
        return set()
    return leaders(held) | participants(held) | companion(held)


def _agreement_readers(
    record: Record, conversation: Record | None, directory: Directory
) -> set[str]:
    held = _conversation_of(record, conversation)
    if held is None:
        return set()
    hr = directory.hr_ids() if directory.policy.agreements_to_hr else frozenset()
    return leaders(held) | participants(held) | hr


def _team_plan_readers(record: Record, conversation: Record | None, _: Directory) -> set[str]:
    held = _conversation_of(record, conversation)
    if held is None:
        return set()
    return leaders(held) | participants(held)


def _competence_readers(record: Record, _: Record | None, directory: Directory) -> set[str]:
    rated = record.get("person_id")
    if not isinstance(rated, str) or directory.member(rated) is None:
        return set()
    leader = directory.leader_of(rated)
    return {rated} | directory.hr_ids() | ({leader.id} if leader else set())


def _coverage_readers(record: Record, _: Record | None, directory: Directory) -> set[str]:
    author = record.get("author")
    leader = directory.leader_of(author) if isinstance(author, str) else None
    return set(directory.hr_ids()) | ({leader.id} if leader else set())


def _completion_readers(record: Record, _: Record | None, directory: Directory) -> set[str]:
    if record.get("consent_to_publish") is True or record.get("withdrawn") is True:
        return set(directory.members)
    return _competence_readers(record, _, directory)


def _unit_readers(record: Record, _: Record | None, directory: Directory) -> set[str]:
    unit = record.get("unit")
    if not isinstance(unit, str) or not unit:
        return set()
    return {m.id for m in directory.members.values() if m.unit == unit}


def _hr(_: Record, __: Record | None, directory: Directory) -> set[str]:
    return set(directory.hr_ids())


def _everyone(_: Record, __: Record | None, directory: Directory) -> set[str]:
    return set(directory.members)


_RULES: Mapping[str, Rule] = {
    "conversation": _conversation_readers,
    "preparation": _preparation_readers,
    "minutes": _minutes_readers,
    "agreement": _agreement_readers,
    "follow_up": _agreement_readers,
    "team_plan": _team_plan_readers,
    "competence_ratings": _competence_readers,
    "reminder": _team_plan_readers,
    "course": _everyone,
    "library_release": _everyone,
    "coverage": _coverage_readers,
    "course_completion": _completion_readers,
    "erasure_request": _hr,
    "unit_plan": _unit_readers,
    "device": _hr,
}


def _conversation_of(record: Record, conversation: Record | None) -> Record | None:
    """``conversation`` when ``record`` belongs to it; None when either is unknown."""
    belongs_to = record.get("conversation_id")
    if conversation is None or not isinstance(belongs_to, str):
        return None
    if conversation.get("type") != "conversation" or conversation.get("id") != belongs_to:
        raise ConversationMismatch(
            f"{record.get('type')} {record.get('id')} belongs to {belongs_to}, "
            f"not to {conversation.get('type')} {conversation.get('id')}"
        )
    return conversation



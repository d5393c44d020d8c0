"""Who writes what: whether a person may create or change a record version.

The other half of :mod:`conversations.visibility` (who reads what). The sync engine asks
:func:`refusal` about every version that arrives from the share, before it is applied;
a version refused is never applied and never changes who later versions are sealed for.

Rights are decided from what stood **before** the change, never from the change itself:

- for a conversation, from the version(s) it names as its parents (a change to a
  conversation cannot grant its own rights: naming yourself delegate leader in the same
  version does not make you one);
- for any record of a conversation, from the conversation as the device holds it;
- for a change of any record, from the record's earlier version(s) too: a preparation is
  its author's for good, a goal's approval stays the leader's.

What each record's author must be (creating / changing):

- **conversation** — create: its leader (a leader or HR in the directory), or HR; or a
  person alone in a conversation whose leader is outside the directory (planned for
  themself). Change: its leader or HR anything; the delegate leader all but who takes
  part; a participant only the state to *agreed* and the follow-up date.
- **preparation** — a participant or leader of the conversation; changed by its author only.
- **minutes, follow_up, reminder** — the leader or the delegate leader.
- **team_plan** — the leader or delegate; a member changes only their own goals, never
  their approval.
- **agreement** — the leader or delegate; a party changes it only by adding their own
  signature.
- **competence_ratings** — the person rated, or their leader (``by_leader``); the person
  may empty a leader's rating of them.
- **course** — HR. **library_release** (a published sheet or job profile) — HR, and
  never changed once published: a conversation relies on its version staying as it was.
  **course_completion, erasure_request, device** — the person it is about.
  **coverage** — the leader it counts. **unit_plan** — a leader whose unit is the
  plan's, and the unit and year never change. **person, anything else** — nobody.

Ids of one-per records are derived alike on every device (``conversations.identity``),
so anyone can compute them: a preparation or ratings record carrying the derived id of
another person's (in that conversation, or named by the record) is refused.

In every case the author must be in the directory, and a signature inside an agreement
may only be added by its signer. What decides the author is the envelope's signer: the
engine refuses a version whose ``author`` is not the person who signed it.

Must not touch: keys, the share, files, a clock — it only names people.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from conversations.directory import Directory
from conversations.identity import claimed_by_another
from conversations.model import Role, State
from conversations.people import leaders, participants, people_named, person_named
from conversations.unit_plan import may_keep

Record = Mapping[str, Any]
SignatureCheck = Callable[[Record], bool]
"""Whether every signature ``record`` (an agreement) carries by its own author is genuine:
made with that person's key over exactly this content. Cryptography lives in ``sync``."""
CONVERSATION_UNKNOWN = "conversation unknown"
Rule = Callable[[Record, Sequence[Record], Record | None, Directory], str | None]

_IDENTITY = frozenset({"id", "type", "author", "parents", "version"})
_WHO_TAKES_PART = frozenset({"leader_id", "delegate_leader_id", "participant_ids", "companion_id"})
_PARTICIPANT_MAY_CHANGE = frozenset({"state", "follow_up_due"})
_CONVERSATION_SCOPED = frozenset(
    {"preparation", "minutes", "agreement", "follow_up", "team_plan", "reminder"}
)
_READ_WITH_THEIR_CONVERSATION = frozenset({"preparation", "minutes", "team_plan", "reminder"})


def needs_conversation(record: Record) -> bool:
    """Whether the rights on ``record`` cannot be decided without its conversation: its
    readers all read the conversation too, so a version that arrives first waits for it.

    Agreements, follow-ups and a leader's ratings also reach HR, who never reads the
    conversation: without it they are judged by the roles in the directory (a leader
    writes them; a party only adds their own signature)."""
    return record.get("type") in _READ_WITH_THEIR_CONVERSATION


def refusal(
    record: Record,
    before: Sequence[Record],
    conversation: Record | None,
    directory: Directory,
    *,
    conversation_id: str,
    signer: str,
    signatures_genuine: SignatureCheck | None = None,
) -> str | None:
    """Why ``record`` may not be written by ``signer``; None when it may.

    ``before``: the record's earlier versions it descends from (empty: it is new);
    ``conversation``: the conversation ``conversation_id`` as it stood before this
    change (None when unknown: a record that :func:`needs_conversation` is then refused);
    ``signer``: who signed the version — it must be its author, with one exception: on a
    shared tablet the other party signs an agreement on the leader's device, so a version
    that only adds its author's own signature may come from a leader of the conversation
    when ``signatures_genuine`` confirms the signature. The answer names a rule, never the
    record's content, so it can go into a log.
    """
    author = record.get("author")
    if author != signer and not _signed_on_a_leaders_device(
        record, before, conversation, signer, signatures_genuine
    ):
        return "not signed by its author"
    if not isinstance(author, str) or directory.member(author) is None:
        return "author not in the directory"
    kind = record.get("type")
    rule = _RULES.get(kind) if isinstance(kind, str) else None
    if rule is None:
        return "nobody writes this kind of record"
    for earlier in before:
        if earlier.get("type") != kind or earlier.get("id") != record.get("id"):
            return "an earlier version is another record"
    if kind in _CONVERSATION_SCOPED or (kind == "competence_ratings" and conversation):
        if record.get("conversation_id") != conversation_id:
            return "belongs to another conversation"
        if conversation is None and needs_conversation(record):
            return CONVERSATION_UNKNOWN
        if conversation is not None and conversation.get("id") != conversation_id:
            return "belongs to another conversation"
    if kind == "conversation" and record.get("id") != conversation_id:
        return "a conversation lives in its own place"
    return rule(record, before, conversation, directory)


def _signed_on_a_leaders_device(
    record: Record,
    before: Sequence[Record],
    conversation: Record | None,
    signer: str,
    signatures_genuine: SignatureCheck | None,
) -> bool:
    author = record.get("author")
    return (
        record.get("type") == "agreement"
        and signatures_genuine is not None
        and conversation is not None
        and signer in leaders(conversation)
        and bool(before)
        and all(_changed_fields(e, record) == {"signatures"} for e in before)
        and author in _signers(record)
        and signatures_genuine(record)
    )


def _conversation(
    record: Record, before: Sequence[Record], _: Record | None, directory: Directory
) -> str | None:
    author = str(record["author"])
    if not before:
        return _may_plan(record, author, directory)
    for earlier in before:
        if _may_change_conversation(earlier, record, author, directory):
            return None
    return "not the leader of the conversation"


def _may_plan(record: Record, author: str, directory: Directory) -> str | None:
    if author in directory.hr_ids():
        return None
    participants = people_named(record.get("participant_ids"))
    if record.get("leader_id") == author and author not in participants:
        member = directory.member(author)
        if member is not None and member.roles & {Role.LEADER, Role.HR}:
            return None
        return "only a leader plans a conversation"
    if _planned_for_themself(record, author, directory):
        return None
    return "only its leader plans a conversation"


def _planned_for_themself(conversation: Record, author: str, directory: Directory) -> bool:
    """A person alone in a conversation whose leader is not in the directory (they plan
    it to prepare for it; nobody else reads it)."""
    leader = conversation.get("leader_id")
    return (
        people_named(conversation.get("participant_ids")) == {author}
        and not person_named(conversation.get("delegate_leader_id"))
        and not person_named(conversation.get("companion_id"))
        and (not isinstance(leader, str) or directory.member(leader) is None)
    )


def _may_change_conversation(
    earlier: Record, record: Record, author: str, directory: Directory
) -> bool:
    changed = _changed_fields(earlier, record)
    if author == earlier.get("leader_id") or author in directory.hr_ids():
        return True
    if _planned_for_themself(earlier, author, directory):
        return not changed & _WHO_TAKES_PART or _planned_for_themself(record, author, directory)
    if author == earlier.get("delegate_leader_id"):
        return not changed & _WHO_TAKES_PART
    if author in people_named(earlier.get("participant_ids")):
        return changed <= _PARTICIPANT_MAY_CHANGE and record.get("state") in (
            earlier.get("state"),
            State.AGREED.value,
        )
    return False


def _preparation(
    record: Record, before: Sequence[Record], conversation: Record | None, _: Directory
) -> str | None:
    author = str(record["author"])
    if conversation is None or author not in leaders(conversation) | participants(conversation):
        return "does not take part in the conversation"
    if claimed_by_another(record, leaders(conversation) | participants(conversation)):
        return "the id is another person's preparation"
    if any(earlier.get("author") != author for earlier in before):
        return "a preparation is its author's"
    return None


def _leaders_only(
    record: Record, _: Sequence[Record], conversation: Record | None, directory: Directory
) -> str | None:
    if conversation is None:
        return None if _is_leader(record["author"], directory) else "not a leader"
    if record["author"] not in leaders(conversation):
        return "not a leader of the conversation"
    return None


def _is_leader(person: Any, directory: Directory) -> bool:
    member = directory.member(person) if isinstance(person, str) else None
    return member is not None and bool(member.roles & {Role.LEADER, Role.HR})


def _team_plan(
    record: Record, before: Sequence[Record], conversation: Record | None, directory: Directory
) -> str | None:
    author = str(record["author"])
    if conversation is not None and author in leaders(conversation):
        return None
    if conversation is None or author not in participants(conversation) or not before:
        return "not a leader of the conversation"
    for earlier in before:
        if _changed_fields(earlier, record) <= {"member_goals"} and _own_goals_only(
            earlier, record, author
        ):
            return None
    return "a member changes only their own goals"


def _own_goals_only(earlier: Record, record: Record, member: str) -> bool:
    old, new = _mapping(earlier.get("member_goals")), _mapping(record.get("member_goals"))
    if any(old.get(k) != new.get(k) for k in set(old) | set(new) if k != member):
        return False
    approved_before = {
        g.get("id") for g in _goals(old.get(member)) if g.get("approved_by_leader") is True
    }
    for goal in _goals(new.get(member)):
        if goal.get("approved_by_leader") is True and goal.get("id") not in approved_before:
            return False
    return True


def _agreement(
    record: Record, before: Sequence[Record], conversation: Record | None, directory: Directory
) -> str | None:
    author = str(record["author"])
    if conversation is None:  # read by HR without the conversation: roles decide
        leading, party = _is_leader(author, directory), True
    else:
        leading = author in leaders(conversation)
        party = author in participants(conversation)
    if not leading and (not party or not before):
        return "not a party to the agreement"
    if not before:
        return None if _signers(record) <= {author} else "signed for someone else"
    for earlier in before:
        if not _only_own_signature_added(earlier, record, author):
            continue
        if leading or _changed_fields(earlier, record) <= {"signatures"}:
            return None
    return "a party only adds their own signature"


def _only_own_signature_added(earlier: Record, record: Record, author: str) -> bool:
    old = {s.get("signer_id"): s for s in _goals(earlier.get("signatures"))}
    new = {s.get("signer_id"): s for s in _goals(record.get("signatures"))}
    if _changed_fields(earlier, record) - {"signatures"} and old != new:
        return False  # content and signatures changed together: a new draft, unsigned
    return all(new.get(k) == s for k, s in old.items() if k != author) and all(
        k == author or old.get(k) == s for k, s in new.items()
    )


def _competence_ratings(
    record: Record, before: Sequence[Record], conversation: Record | None, directory: Directory
) -> str | None:
    author, person = str(record["author"]), record.get("person_id")
    if any(earlier.get("person_id") != person for earlier in before):
        return "ratings are about one person for good"
    people = {author, person} | (
        leaders(conversation) | participants(conversation) if conversation else set())
    if claimed_by_another(record, people):
        return "the id is another person's ratings"
    if record.get("by_leader") is not True and all(e.get("by_leader") is not True for e in before):
        return None if author == person else "only the person rates themself"
    if author == person:  # they may take a leader's rating of them back, not rewrite it
        return None if not _mapping(record.get("ratings")) and before else "not their leader"
    leader = directory.leader_of(person) if isinstance(person, str) else None
    if (conversation is not None and author in leaders(conversation)) or (
        leader is not None and leader.id == author
    ):
        return None
    return "not their leader"


def _hr_only(
    record: Record, _: Sequence[Record], __: Record | None, directory: Directory
) -> str | None:
    return None if record["author"] in directory.hr_ids() else "only HR keeps the catalogue"


def _unit_plan(
    record: Record, before: Sequence[Record], _: Record | None, directory: Directory
) -> str | None:
    member = directory.member(str(record["author"]))
    unit = record.get("unit")
    if not isinstance(unit, str) or not may_keep(member, unit):
        return "not a leader of the unit"
    if any((e.get("unit"), e.get("year")) != (unit, record.get("year")) for e in before):
        return "a unit plan stays its unit's and year's"
    return None


def _published_by_hr(
    record: Record, before: Sequence[Record], _: Record | None, directory: Directory
) -> str | None:
    if record["author"] not in directory.hr_ids():
        return "only HR publishes sheets and job profiles"
    if any(_changed_fields(earlier, record) for earlier in before):
        return "a published version is never changed"
    return None


def _owned_by(field: str) -> Rule:
    def rule(
        record: Record, before: Sequence[Record], _: Record | None, __: Directory
    ) -> str | None:
        author = record["author"]
        if record.get(field) != author or any(e.get(field) != author for e in before):
            return f"only {field} writes it"
        return None

    return rule


_RULES: Mapping[str, Rule] = {
    "conversation": _conversation,
    "preparation": _preparation,
    "minutes": _leaders_only,
    "follow_up": _leaders_only,
    "reminder": _leaders_only,
    "team_plan": _team_plan,
    "agreement": _agreement,
    "competence_ratings": _competence_ratings,
    "course": _hr_only,
    "library_release": _published_by_hr,
    "course_completion": _owned_by("person_id"),
    "erasure_request": _owned_by("person_id"),
    "device": _owned_by("person_id"),
    "coverage": _owned_by("leader_id"),
    "unit_plan": _unit_plan,
}


def _changed_fields(earlier: Record, record: Record) -> set[str]:
    names = (set(earlier) | set(record)) - _IDENTITY
    return {n for n in names if earlier.get(n) != record.get(n)}


def _signers(record: Record) -> set[Any]:
    return {s.get("signer_id") for s in _goals(record.get("signatures"))}






def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _goals(value: Any) -> list[Mapping[str, Any]]:
    """The dict items of a list (goals, signatures); anything else holds none."""
    if not isinstance(value, list | tuple):
        return []
    return [v for v in value if isinstance(v, Mapping)]

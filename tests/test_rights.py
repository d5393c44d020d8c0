"""Write rights as domain rules: who may create and change each record, decided from
what stood before the change."""

from __future__ import annotations

from typing import Any

import pytest

from conversations.directory import Directory, Member
from conversations.merge import version_of
from conversations.model import Role
from conversations.rights import CONVERSATION_UNKNOWN, needs_conversation, refusal

CID = "c1" * 16
DIRECTORY = Directory(1, {
    "mette": Member(id="mette", name="Mette", roles=frozenset({Role.LEADER})),
    "anna": Member(id="anna", name="Anna", leader_id="mette"),
    "bo": Member(id="bo", name="Bo", leader_id="mette"),
    "hanne": Member(id="hanne", name="Hanne", roles=frozenset({Role.HR})),
    "kim": Member(id="kim", name="Kim", leader_id="mette"),
})


def record(kind: str, author: str, parents: tuple[str, ...] = (), **fields: Any) -> dict[str, Any]:
    data = {"id": fields.pop("id", "r" * 32), "type": kind, "author": author,
            "parents": list(parents), **fields}
    return {**data, "version": version_of(data)}


def changed(before: dict[str, Any], author: str, **fields: Any) -> dict[str, Any]:
    keep = {k: v for k, v in before.items()
            if k not in {"version", "type", "author", "parents"}}
    return record(before["type"], author, (before["version"],), **{**keep, **fields})


def conversation(**fields: Any) -> dict[str, Any]:
    base = {"id": CID, "leader_id": "mette", "participant_ids": ["anna"], "state": "held",
            "delegate_leader_id": None, "companion_id": None}
    return record("conversation", "mette", **{**base, **fields})


def why(new: dict[str, Any], before: tuple[dict[str, Any], ...] = (),
        conv: dict[str, Any] | None = None,
        signer: str | None = None) -> str | None:
    return refusal(new, before, conv, DIRECTORY, conversation_id=CID,
                   signer=signer or new["author"])


def test_a_leader_plans_and_an_employee_cannot_plan_for_others() -> None:
    assert why(conversation()) is None
    assert why(record("conversation", "kim", id=CID, leader_id="kim",
                      participant_ids=["anna"])) == "only a leader plans a conversation"


def test_a_change_to_a_conversation_cannot_grant_its_own_rights() -> None:
    tip = conversation()
    taken = changed(tip, "kim", delegate_leader_id="kim")
    assert why(taken, (tip,)) == "not the leader of the conversation"
    assert why(changed(tip, "mette", delegate_leader_id="bo"), (tip,)) is None
    with_bo = changed(tip, "mette", delegate_leader_id="bo")
    assert why(changed(with_bo, "bo", participant_ids=["anna", "bo"]), (with_bo,)) is not None
    assert why(changed(with_bo, "bo", state="agreed"), (with_bo,)) is None


def test_a_participant_only_moves_the_conversation_to_agreed() -> None:
    tip = conversation()
    assert why(changed(tip, "anna", state="agreed", follow_up_due="2032-01-01"), (tip,)) is None
    assert why(changed(tip, "anna", state="cancelled"), (tip,)) is not None
    assert why(changed(tip, "anna", planned_at="2032-01-01T09:00"), (tip,)) is not None


def test_the_envelope_signer_must_be_the_author() -> None:
    prep = record("preparation", "anna", conversation_id=CID, answers={"q1": "a"})
    assert why(prep, conv=conversation()) is None
    assert why(prep, conv=conversation(), signer="kim") == "not signed by its author"


def test_a_preparation_stays_its_author_s() -> None:
    conv = conversation()
    prep = record("preparation", "anna", conversation_id=CID, answers={"q1": "a"})
    assert why(changed(prep, "mette", answers={"q1": "b"}), (prep,), conv) is not None
    assert why(record("preparation", "kim", conversation_id=CID), conv=conv) is not None
    assert why(prep) == CONVERSATION_UNKNOWN and needs_conversation(prep)


def test_minutes_are_the_leader_s_and_a_party_only_adds_their_own_signature() -> None:
    conv = conversation()
    assert why(record("minutes", "mette", conversation_id=CID), conv=conv) is None
    assert why(record("minutes", "anna", conversation_id=CID), conv=conv) is not None
    draft = record("agreement", "mette", conversation_id=CID, goals=[{"id": "g"}],
                   signatures=[])
    mine = {"signer_id": "anna", "signature": "s"}
    assert why(changed(draft, "anna", signatures=[mine]), (draft,), conv) is None
    theirs = {"signer_id": "mette", "signature": "s"}
    assert why(changed(draft, "anna", signatures=[theirs]), (draft,), conv) is not None
    assert why(changed(draft, "anna", goals=[], signatures=[mine]), (draft,), conv) is not None


def test_a_member_adds_own_goals_but_never_approves_them() -> None:
    conv = conversation(participant_ids=["anna", "bo"])
    plan = record("team_plan", "mette", conversation_id=CID, member_goals={})
    goal = {"id": "g1", "what": "x", "approved_by_leader": False}
    assert why(changed(plan, "anna", member_goals={"anna": [goal]}), (plan,), conv) is None
    assert why(changed(plan, "anna", member_goals={"bo": [goal]}), (plan,), conv) is not None
    approved = {**goal, "approved_by_leader": True}
    assert why(changed(plan, "anna", member_goals={"anna": [approved]}), (plan,),
               conv) is not None


@pytest.mark.parametrize(("kind", "fields", "allowed", "denied"), [
    ("course", {"title": "x"}, "hanne", "mette"),
    ("course_completion", {"person_id": "anna"}, "anna", "kim"),
    ("erasure_request", {"person_id": "anna"}, "anna", "hanne"),
    ("coverage", {"leader_id": "mette"}, "mette", "kim"),
    ("competence_ratings", {"person_id": "anna", "ratings": {"c": 3}}, "anna", "kim"),
])
def test_records_outside_a_conversation_are_written_by_whom_they_concern(
    kind: str, fields: dict[str, Any], allowed: str, denied: str
) -> None:
    assert why(record(kind, allowed, **fields)) is None
    assert why(record(kind, denied, **fields)) is not None


def test_unknown_kinds_and_people_outside_the_directory_write_nothing() -> None:
    assert why(record("person", "hanne", name="x")) == "nobody writes this kind of record"
    assert why(record("course", "eve", title="x")) == "author not in the directory"


def test_only_hr_publishes_a_sheet_and_nobody_changes_a_published_version() -> None:
    release = record("library_release", "hanne", id="sheet.mus.v2", item="sheet",
                     item_id="mus", number=2, document="{}")
    assert why(release) is None
    assert why(record("library_release", "mette", id="sheet.mus.v2", item="sheet",
                      item_id="mus", number=2, document="{}")) is not None
    assert why(record("library_release", "anna", id="sheet.mus.v2", item="sheet",
                      item_id="mus", number=2, document="{}")) is not None
    rewritten = changed(release, "hanne", document='{"id": "mus"}')
    assert why(rewritten, (release,)) == "a published version is never changed"

"""Who reads what: the readers of each record type are exactly the people the rules name,
nobody outside the directory, and only the author when a rule cannot be applied."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.directory import Directory, Member, Policy
from conversations.model import (
    Agreement,
    Conversation,
    Kind,
    Minutes,
    Person,
    Preparation,
    Role,
    TeamPlan,
)
from conversations.visibility import ConversationMismatch, can_read, readers

NO_DATABASE = settings(database=None)  # nothing written into the working tree


def member(person_id: str, *roles: Role, leader_id: str | None = "L") -> Member:
    return Member(id=person_id, name=f"Person {person_id}", team="Nord", leader_id=leader_id,
                  roles=frozenset(roles or {Role.EMPLOYEE}))


DIRECTORY = Directory(1, {m.id: m for m in (
    member("L", Role.LEADER, leader_id=None),
    member("D", Role.LEADER, leader_id=None),
    member("E1"), member("E2"), member("E3"),
    member("T", Role.TR, Role.EMPLOYEE),
    member("H", Role.HR),
    member("M", Role.MED, Role.EMPLOYEE),
)})
NO_AGREEMENTS_TO_HR = dataclasses.replace(DIRECTORY, policy=Policy(agreements_to_hr=False))

MUS = Conversation(kind=Kind.MUS, sheet_id="mus", sheet_version=1, author="L", leader_id="L",
                   participant_ids=("E1",), delegate_leader_id="D", companion_id="T").to_dict()
TUS = Conversation(kind=Kind.TUS, sheet_id="tus", sheet_version=1, author="L", leader_id="L",
                   participant_ids=("E1", "E2", "E3"), delegate_leader_id="D",
                   companion_id="T").to_dict()

PRIVATE_PREP = Preparation(conversation_id=MUS["id"], author="E1").to_dict()
SHARED_PREP = Preparation(conversation_id=MUS["id"], author="E1",
                          shared_with_leader=True).to_dict()
MINUTES = Minutes(conversation_id=MUS["id"], author="L").to_dict()
AGREEMENT = Agreement(conversation_id=MUS["id"], author="L").to_dict()
FOLLOW_UP = {"id": "f1", "type": "follow_up", "author": "L", "conversation_id": MUS["id"]}
RATINGS = {"id": "r1", "type": "competence_ratings", "author": "E1", "person_id": "E1"}
TEAM_PLAN = TeamPlan(conversation_id=TUS["id"], author="L").to_dict()

MUS_RECORDS = (MUS, PRIVATE_PREP, SHARED_PREP, MINUTES, AGREEMENT, FOLLOW_UP, RATINGS)


def read(record: dict[str, Any], directory: Directory = DIRECTORY) -> frozenset[str]:
    conversation = TUS if record is TEAM_PLAN else MUS
    return readers(record, conversation, directory)


def test_a_conversation_is_read_by_its_leaders_participants_and_companion() -> None:
    assert readers(MUS, None, DIRECTORY) == {"L", "D", "E1", "T"}


def test_a_preparation_is_its_authors_alone_until_shared_with_the_leader() -> None:
    assert read(PRIVATE_PREP) == {"E1"}
    assert read(SHARED_PREP) == {"E1", "L", "D"}


def test_only_true_shares_a_preparation() -> None:
    assert read({**PRIVATE_PREP, "shared_with_leader": "yes"}) == {"E1"}


def test_minutes_reach_both_parties_and_the_companion() -> None:
    assert read(MINUTES) == {"L", "D", "E1", "T"}


def test_an_agreement_reaches_both_parties_and_hr_when_the_policy_says_so() -> None:
    assert read(AGREEMENT) == {"L", "D", "E1", "H"}
    assert read(AGREEMENT, NO_AGREEMENTS_TO_HR) == {"L", "D", "E1"}


def test_a_follow_up_is_read_like_an_agreement() -> None:
    assert read(FOLLOW_UP) == read(AGREEMENT)
    assert read(FOLLOW_UP, NO_AGREEMENTS_TO_HR) == read(AGREEMENT, NO_AGREEMENTS_TO_HR)


def test_a_team_plan_reaches_the_leaders_and_everyone_in_the_team_conversation() -> None:
    assert read(TEAM_PLAN) == {"L", "D", "E1", "E2", "E3"}


def test_competence_ratings_reach_the_person_their_leader_and_hr() -> None:
    assert readers(RATINGS, None, DIRECTORY) == {"E1", "L", "H"}
    rated_by_leader = {**RATINGS, "author": "L", "person_id": "E2"}
    assert readers(rated_by_leader, None, DIRECTORY) == {"E2", "L", "H"}


def test_a_course_completion_reaches_colleagues_only_once_the_person_consents() -> None:
    done = {"id": "c1", "type": "course_completion", "author": "E1", "person_id": "E1",
            "consent_to_publish": False, "withdrawn": False}
    assert readers(done, None, DIRECTORY) == {"E1", "L", "H"}
    everyone = frozenset(DIRECTORY.members)
    assert readers({**done, "consent_to_publish": True}, None, DIRECTORY) == everyone
    assert readers({**done, "withdrawn": True}, None, DIRECTORY) == everyone


def test_coverage_counts_reach_the_authors_own_leader_and_hr() -> None:
    chef = dataclasses.replace(DIRECTORY.members["L"], leader_id="D")
    directory = DIRECTORY.with_member(chef)
    counts = {"id": "v1", "type": "coverage", "author": "L", "leader_id": "L"}
    assert readers(counts, None, directory) == {"L", "D", "H"}


def test_a_colleague_in_the_same_team_reads_none_of_anothers_mus_records() -> None:
    for record in MUS_RECORDS:
        assert not can_read("E3", record, MUS, DIRECTORY), record["type"]
        assert not can_read("E2", record, MUS, DIRECTORY), record["type"]


def test_hr_receives_agreements_and_ratings_but_never_preparations_or_minutes() -> None:
    read_by_hr = {r["type"] for r in MUS_RECORDS if can_read("H", r, MUS, DIRECTORY)}
    assert read_by_hr == {"agreement", "follow_up", "competence_ratings"}
    assert not can_read("H", AGREEMENT, MUS, NO_AGREEMENTS_TO_HR)


def test_the_companion_reads_the_conversation_and_minutes_but_no_preparation() -> None:
    read_by_companion = {r["type"] for r in MUS_RECORDS if can_read("T", r, MUS, DIRECTORY)}
    assert read_by_companion == {"conversation", "minutes"}


def test_med_reads_no_record() -> None:
    assert not any("M" in read(r) for r in (*MUS_RECORDS, TEAM_PLAN))


@pytest.mark.parametrize(
    "record",
    [
        {"id": "x", "type": "wheel_notes", "author": "L", "conversation_id": MUS["id"],
         "participant_ids": ["E1", "E2"], "person_id": "E1"},
        {"id": "x", "author": "L", "leader_id": "D"},
        Person(name="Anna", author="L", leader_id="D").to_dict(),
    ],
)
def test_a_record_of_an_unknown_type_or_a_person_is_its_authors_alone(
    record: dict[str, Any],
) -> None:
    assert readers(record, MUS, DIRECTORY) == {"L"}


def test_without_its_conversation_a_record_is_its_authors_alone() -> None:
    for record in (SHARED_PREP, MINUTES, AGREEMENT, FOLLOW_UP):
        assert readers(record, None, DIRECTORY) == {record["author"]}
    no_link = {k: v for k, v in MINUTES.items() if k != "conversation_id"}
    assert readers(no_link, MUS, DIRECTORY) == {"L"}


def test_a_record_given_with_another_conversation_is_refused() -> None:
    with pytest.raises(ConversationMismatch):
        readers(MINUTES, TUS, DIRECTORY)
    with pytest.raises(ConversationMismatch):
        readers(MINUTES, {**AGREEMENT, "id": MUS["id"]}, DIRECTORY)


def test_people_outside_the_directory_never_read() -> None:
    outsider = {**MUS, "participant_ids": ["E1", "ghost"], "companion_id": "stranger"}
    assert readers(outsider, None, DIRECTORY) == {"L", "D", "E1"}
    assert readers({**RATINGS, "person_id": "ghost"}, None, DIRECTORY) == {"E1"}
    assert readers({**MINUTES, "author": "ghost"}, MUS, DIRECTORY) == {"L", "D", "E1", "T"}


def test_a_malformed_participant_list_names_nobody() -> None:
    assert readers({**MUS, "participant_ids": "E1E2"}, None, DIRECTORY) == {"L", "D", "T"}


PEOPLE = st.sampled_from(["L", "D", "E1", "E2", "E3", "T", "H", "M", "ghost", "", "x"])
ANY_ID = st.one_of(PEOPLE, st.none(), st.integers(), st.lists(PEOPLE, max_size=4))
TYPES = st.sampled_from(["conversation", "preparation", "minutes", "agreement", "team_plan",
                         "follow_up", "competence_ratings", "person", "wheel_notes"])


@st.composite
def records(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    conversation = {
        "id": "c1", "type": "conversation", "author": draw(ANY_ID),
        "leader_id": draw(ANY_ID), "delegate_leader_id": draw(ANY_ID),
        "participant_ids": draw(st.lists(PEOPLE, max_size=5)), "companion_id": draw(ANY_ID),
    }
    record = {
        "id": "r1", "type": draw(TYPES), "author": draw(ANY_ID), "conversation_id": "c1",
        "shared_with_leader": draw(st.booleans()), "person_id": draw(ANY_ID),
        "leader_id": draw(ANY_ID), "participant_ids": draw(st.lists(PEOPLE, max_size=5)),
    }
    return record, conversation


@NO_DATABASE
@given(records(), st.booleans())
def test_readers_are_directory_members_the_rules_name(
    pair: tuple[dict[str, Any], dict[str, Any]], to_hr: bool,
) -> None:
    record, conversation = pair
    directory = dataclasses.replace(DIRECTORY, policy=Policy(agreements_to_hr=to_hr))
    people = readers(record, conversation, directory)
    assert people <= set(directory.members)
    author = one(record["author"])
    if record["type"] in ("person", "wheel_notes"):
        assert people <= author
    if record["type"] == "preparation":
        leaders = one(conversation["leader_id"]) | one(conversation["delegate_leader_id"])
        assert people <= author | (leaders if record["shared_with_leader"] else set())
    if record["type"] not in ("conversation", "competence_ratings"):
        assert people <= author | parties(conversation) | {"H"}


def one(value: Any) -> set[str]:
    return {value} if isinstance(value, str) else set()


def parties(conversation: dict[str, Any]) -> set[str]:
    named = {p for p in conversation["participant_ids"] if isinstance(p, str)}
    for field in ("leader_id", "delegate_leader_id", "companion_id"):
        named |= one(conversation[field])
    return named


def test_a_published_sheet_reaches_every_member_and_nobody_outside() -> None:
    release = {"id": "sheet.mus.v2", "type": "library_release", "author": "H",
               "item": "sheet", "item_id": "mus", "number": 2, "document": "{}"}
    assert readers(release, None, DIRECTORY) == set(DIRECTORY.members)

"""The organisation's directory: members, leaders, teams, HR, policy, and its dict form."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.directory import (
    Directory,
    DirectoryChange,
    Member,
    Policy,
    RetiredKey,
    change_between,
)
from conversations.model import InputRejected, Role
from conversations.records import encode

NO_DATABASE = settings(database=None)  # nothing written into the working tree

LEADER = Member(id="L", name="Mette Holm", roles=frozenset({Role.LEADER}), unit="SO",
                team="Nord", enc_key="ZW5j", sign_key="c2ln", devices=("tablet-1",))
ANNA = Member(id="E1", name="Anna Sørensen", unit="SO", team="Nord", leader_id="L",
              job_profile="therapist-carer", devices=("phone-a", "tablet-1"))
JONAS = Member(id="E2", name="Jonas Nielsen", team="Nord", leader_id="L")
HR = Member(id="H", name="Hanne HR", roles=frozenset({Role.HR, Role.EMPLOYEE}), team="Stab")


def organisation() -> Directory:
    return Directory(3, {m.id: m for m in (LEADER, ANNA, JONAS, HR)})


def test_a_directory_survives_a_round_trip_through_plain_dicts() -> None:
    directory = organisation()
    assert Directory.from_dict(directory.to_dict()) == directory
    assert directory.to_dict()["members"][0]["roles"] == ["employee"]


def test_leader_team_and_hr_are_looked_up_from_the_members() -> None:
    directory = organisation()
    assert directory.leader_of("E1") == LEADER
    assert directory.leader_of("L") is None
    assert directory.leader_of("nobody") is None
    assert directory.team_of("Nord") == (ANNA, JONAS, LEADER)
    assert directory.team_of("") == ()
    assert directory.hr_ids() == frozenset({"H"})
    assert directory.member("E2") == JONAS
    assert directory.member("nobody") is None


def test_adding_a_member_makes_the_next_version_and_leaves_the_old_one() -> None:
    directory = organisation()
    fatima = Member(id="E3", name="Fatima Ali", team="Nord", leader_id="L")
    grown = directory.with_member(fatima)
    assert grown.version == directory.version + 1
    assert grown.member("E3") == fatima
    assert directory.member("E3") is None
    moved = grown.with_member(Member(id="E3", name="Fatima Ali", team="Syd", leader_id="L"))
    assert moved.version == 5 and moved.member("E3").team == "Syd"  # type: ignore[union-attr]
    assert len(moved.members) == len(grown.members)


def test_the_members_of_a_directory_cannot_be_changed_in_place() -> None:
    with pytest.raises(TypeError):
        organisation().members["X"] = ANNA  # type: ignore[index]


def test_a_member_needs_a_name() -> None:
    with pytest.raises(InputRejected) as caught:
        Member(id="E9", name="  ")
    assert caught.value.key == "error.name_required"


def test_a_leader_who_is_not_in_the_directory_is_refused() -> None:
    with pytest.raises(InputRejected) as caught:
        organisation().with_member(Member(id="E9", name="Ny", leader_id="ghost"))
    assert caught.value.key == "error.directory_unknown_leader"
    assert caught.value.params == {"id": "E9", "leader_id": "ghost"}


def test_the_same_id_twice_is_refused() -> None:
    data = organisation().to_dict()
    data["members"].append({**ANNA.to_dict(), "name": "En anden Anna"})
    with pytest.raises(InputRejected) as caught:
        Directory.from_dict(data)
    assert caught.value.key == "error.directory_duplicate_id"
    assert caught.value.params == {"id": "E1"}


def test_a_member_filed_under_another_id_is_refused() -> None:
    with pytest.raises(InputRejected) as caught:
        Directory(1, {"X": ANNA, "L": LEADER})
    assert caught.value.key == "error.directory_invalid"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"roles": ["employee", "boss"]}, "roles"),
        ({"name": 7}, "name"),
        ({"leader_id": ["L"]}, "leader_id"),
        ({"devices": "tablet-1"}, "devices"),
    ],
)
def test_a_malformed_member_says_which_field(change: dict[str, Any], field: str) -> None:
    data = organisation().to_dict()
    data["members"][0].update(change)
    with pytest.raises(InputRejected) as caught:
        Directory.from_dict(data)
    assert (caught.value.key, caught.value.params) == ("error.directory_invalid",
                                                        {"field": field})


def test_a_directory_without_a_version_is_refused() -> None:
    data = organisation().to_dict()
    del data["version"]
    with pytest.raises(InputRejected):
        Directory.from_dict(data)


def test_the_policy_sends_agreements_to_hr_and_shows_med_groups_of_five_by_default() -> None:
    assert Policy() == Policy(agreements_to_hr=True, med_min_group=5)
    assert Directory.from_dict({"version": 0, "members": []}).policy == Policy()
    assert Policy.from_dict({"agreements_to_hr": False, "med_min_group": 8}) == Policy(
        agreements_to_hr=False, med_min_group=8)


def test_med_groups_cannot_be_made_smaller_than_five() -> None:
    with pytest.raises(InputRejected) as caught:
        Policy(med_min_group=3)
    assert caught.value.key == "error.med_min_group"


NAMES = st.text(st.characters(codec="utf-8"), min_size=1,
                max_size=12).filter(str.strip)
IDS = st.text("abcdef0123456789", min_size=1, max_size=6)


@st.composite
def directories(draw: st.DrawFn) -> Directory:
    ids = draw(st.lists(IDS, unique=True, max_size=8))
    members = {}
    for index, person_id in enumerate(ids):
        members[person_id] = Member(
            id=person_id,
            name=draw(NAMES),
            roles=frozenset(draw(st.sets(st.sampled_from(Role), max_size=3))),
            unit=draw(st.sampled_from(["", "SO", "Børn"])),
            team=draw(st.sampled_from(["", "Nord", "Syd"])),
            leader_id=draw(st.sampled_from([None, *ids[:index]])),
            job_profile=draw(st.sampled_from([None, "leader", "therapist-carer"])),
            enc_key=draw(st.sampled_from(["", "ZW5j"])),
            devices=tuple(draw(st.lists(IDS, max_size=3))),
        )
    policy = Policy(agreements_to_hr=draw(st.booleans()), med_min_group=draw(st.integers(5, 50)))
    return Directory(draw(st.integers(0, 10**6)), members, policy)


@NO_DATABASE
@given(directories())
def test_every_directory_survives_a_round_trip(directory: Directory) -> None:
    assert Directory.from_dict(directory.to_dict()) == directory


@NO_DATABASE
@given(directories())
def test_a_members_dict_is_the_generic_encoding_of_it(directory: Directory) -> None:
    retired = RetiredKey(sign_key="c2ln", until={"d1": 4}, lost=("d1",), retired_at="2027")
    for member in directory.members.values():
        for each in (member, dataclasses.replace(member, retired=(retired,))):
            expected = encode(each)
            if not each.retired:
                del expected["retired"]
            assert each.to_dict() == expected


# -- changes between versions ---------------------------------------------------------------


def test_a_change_between_two_versions_makes_the_one_from_the_other() -> None:
    old = Directory(4, {"a": Member(id="a", name="A"), "b": Member(id="b", name="B",
                                                                   leader_id="a")})
    new = Directory(5, {"a": Member(id="a", name="A"), "c": Member(id="c", name="C")},
                    Policy(med_min_group=6))
    change = change_between(old, new)
    assert [m.id for m in change.put] == ["c"] and change.remove == ("b",)
    assert old.with_change(change) == new
    assert old.with_change(DirectoryChange.from_dict(change.to_dict())) == new


def test_a_change_that_is_not_the_next_version_is_refused() -> None:
    old = Directory(4, {"a": Member(id="a", name="A")})
    with pytest.raises(InputRejected):
        old.with_change(DirectoryChange(6))
    with pytest.raises(ValueError, match="next"):
        change_between(old, Directory(7))


def test_a_change_that_leaves_a_leader_out_is_refused() -> None:
    old = Directory(1, {"a": Member(id="a", name="A")})
    with pytest.raises(InputRejected):
        old.with_change(DirectoryChange(2, put=(Member(id="b", name="B", leader_id="x"),)))

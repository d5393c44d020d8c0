"""The unit's year plan: gathered by a leader from the unit's held team plans, kept by a
leader of the unit, read by everyone in it and nobody else — on the share as well."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from conversations.directory import Directory, Member
from conversations.model import (
    Conversation,
    GoalStatus,
    InputRejected,
    Kind,
    Role,
    State,
    TeamAction,
    TeamPlan,
)
from conversations.rights import refusal
from conversations.unit_plan import (
    by_team,
    gathered,
    new_unit_plan,
    team_of,
    team_priorities,
    unit_plan_id,
    with_priority,
    with_sub_goal,
    with_sub_goal_status,
    without_priority,
    without_sub_goal,
)
from conversations.visibility import readers
from tests.sync_fixtures import directory_of, make_person, share_in

UNIT, OTHER_UNIT = "Sundhed og Omsorg", "Kultur"
TODAY = dt.date(2031, 3, 4)


def member(pid: str, *roles: Role, unit: str = UNIT, team: str = "") -> Member:
    return Member(id=pid, name=f"Person {pid}", roles=frozenset(roles or {Role.EMPLOYEE}),
                  unit=unit, team=team, leader_id=None if Role.LEADER in roles else "L")


DIRECTORY = Directory(1, {m.id: m for m in (
    member("L", Role.LEADER),
    member("N1", team="Nord"), member("N2", team="Nord"),
    member("S1", team="Syd"), member("S2", team="Syd"),
    member("H", Role.HR, unit="HR"),
    member("X", unit=OTHER_UNIT, team="Bibliotek"),
    member("XL", Role.LEADER, unit=OTHER_UNIT),
    member("TL", Role.LEADER, Role.EMPLOYEE, team="Nord"),
)})


def team_conversation(*people: str, kind: Kind = Kind.TUS,
                      state: State = State.HELD) -> Conversation:
    return Conversation(kind=kind, sheet_id=kind.value.lower(), sheet_version=1, author="L",
                        leader_id="L", participant_ids=people, state=state)


def team_plan(conversation: Conversation, *actions: TeamAction) -> TeamPlan:
    return TeamPlan(conversation_id=conversation.id, actions=actions, author="L")


def action(aid: str, what: str, *, long_term: bool = False,
           status: GoalStatus = GoalStatus.OPEN) -> TeamAction:
    return TeamAction(id=aid, what=what, long_term=long_term, responsible_id="N1",
                      deadline=TODAY + dt.timedelta(days=30), status=status)


NORD = team_conversation("N1", "N2")
SYD = team_conversation("S1", "S2", kind=Kind.GRUS, state=State.AGREED)
HELD = [
    (NORD, team_plan(NORD, action("n-long", "Mentorordning", long_term=True),
                     action("n-short", "Sparring om forflytning"))),
    (SYD, team_plan(SYD, action("s1", "Fælles morgenmøde"),
                    action("s-dropped", "Droppet", status=GoalStatus.DROPPED))),
]


# --- gathering ---------------------------------------------------------------------------


def test_the_leader_is_offered_each_held_team_plans_actions_by_team_short_term_first() -> None:
    found = team_priorities(HELD, DIRECTORY, UNIT)

    assert [(p.team, p.what) for p in found] == [
        ("Nord", "Sparring om forflytning"), ("Nord", "Mentorordning"),
        ("Syd", "Fælles morgenmøde")]


def test_a_team_plan_not_yet_held_or_of_another_unit_or_kind_is_not_offered() -> None:
    planned = team_conversation("N1", "N2", state=State.PREPARING)
    elsewhere = team_conversation("X")
    mus = team_conversation("N1", kind=Kind.MUS)
    cancelled = team_conversation("N1", "N2", state=State.CANCELLED)
    held = [(c, team_plan(c, action(f"a-{c.id}", "Noget"))) for c in
            (planned, elsewhere, mus, cancelled)]

    assert team_priorities(held, DIRECTORY, UNIT) == ()


def test_a_plan_belonging_to_another_conversation_is_not_offered() -> None:
    assert team_priorities([(NORD, team_plan(SYD, action("a", "x")))], DIRECTORY, UNIT) == ()


def test_a_conversation_is_held_with_the_team_most_of_its_participants_belong_to() -> None:
    assert team_of(team_conversation("N1", "N2", "S1"), DIRECTORY) == "Nord"
    assert team_of(team_conversation("S1", "N1"), DIRECTORY) == "Nord"  # a tie: by name
    assert team_of(team_conversation("nobody"), DIRECTORY) == ""


def test_a_gathered_priority_becomes_a_sub_goal_under_its_team_with_owner_and_date() -> None:
    plan = new_unit_plan(UNIT, 2031, "L")
    for priority in team_priorities(HELD, DIRECTORY, UNIT):
        plan = gathered(plan, priority, "L")

    teams = by_team(plan)
    assert [team for team, _ in teams] == ["Nord", "Syd"]
    first = teams[0][1][0]
    assert (first.what, first.responsible_id, first.deadline, first.from_action) == (
        "Sparring om forflytning", "N1", TODAY + dt.timedelta(days=30), "n-short")


def test_the_same_action_is_gathered_only_once_until_its_sub_goal_is_removed() -> None:
    priority = team_priorities(HELD, DIRECTORY, UNIT)[0]
    plan = gathered(new_unit_plan(UNIT, 2031, "L"), priority, "L")

    with pytest.raises(InputRejected) as refused:
        gathered(plan, priority, "L")
    assert refused.value.key == "error.already_gathered"
    plan = without_sub_goal(plan, plan.sub_goals[0].id, "L")
    assert len(gathered(plan, priority, "L").sub_goals) == 1


def test_a_sub_goal_is_reworded_and_dated_anew_but_never_emptied_or_put_in_the_past() -> None:
    plan = gathered(new_unit_plan(UNIT, 2031, "L"), team_priorities(HELD, DIRECTORY, UNIT)[0],
                    "L")
    goal = plan.sub_goals[0]
    later = TODAY + dt.timedelta(days=90)

    changed = with_sub_goal(plan, goal.id, what="  Sparring hver tirsdag ", responsible_id="N2",
                            deadline=later, today=TODAY, author="L")

    assert (changed.sub_goals[0].what, changed.sub_goals[0].responsible_id,
            changed.sub_goals[0].deadline) == ("Sparring hver tirsdag", "N2", later)
    assert changed.parents == (plan.version,)
    for what, deadline, key in (("", later, "error.goal_empty"),
                                ("x", TODAY - dt.timedelta(days=1), "error.deadline_past")):
        with pytest.raises(InputRejected) as refused:
            with_sub_goal(plan, goal.id, what=what, responsible_id="N1", deadline=deadline,
                          today=TODAY, author="L")
        assert refused.value.key == key


def test_a_team_date_that_has_passed_may_stay_while_the_sub_goal_is_reworded() -> None:
    plan = gathered(new_unit_plan(UNIT, 2031, "L"), team_priorities(HELD, DIRECTORY, UNIT)[0],
                    "L")
    goal = plan.sub_goals[0]
    assert goal.deadline is not None

    later = with_sub_goal(plan, goal.id, what="Ny tekst", responsible_id="N1",
                          deadline=goal.deadline, today=goal.deadline + dt.timedelta(days=1),
                          author="L")
    assert later.sub_goals[0].what == "Ny tekst"


def test_the_unit_has_its_own_priorities_beside_the_teams_sub_goals() -> None:
    plan = with_priority(new_unit_plan(UNIT, 2031, "L"), " Færre sygedage ", "L")
    assert [p.what for p in plan.priorities] == ["Færre sygedage"]
    with pytest.raises(InputRejected):
        with_priority(plan, "   ", "L")
    assert without_priority(plan, plan.priorities[0].id, "L").priorities == ()
    with pytest.raises(InputRejected):
        without_priority(plan, "unknown", "L")


def test_a_sub_goal_status_follows_the_year() -> None:
    plan = gathered(new_unit_plan(UNIT, 2031, "L"), team_priorities(HELD, DIRECTORY, UNIT)[0],
                    "L")
    done = with_sub_goal_status(plan, plan.sub_goals[0].id, GoalStatus.DONE, "L")
    assert done.sub_goals[0].status is GoalStatus.DONE


def test_a_units_plan_for_a_year_has_the_same_id_on_every_device() -> None:
    assert new_unit_plan(UNIT, 2031, "L").id == new_unit_plan(UNIT, 2031, "TL").id == \
        unit_plan_id(UNIT, 2031)
    assert unit_plan_id(UNIT, 2032) != unit_plan_id(UNIT, 2031) != unit_plan_id("Kultur", 2031)
    with pytest.raises(InputRejected):
        new_unit_plan(" ", 2031, "L")


# --- who reads it, who writes it ---------------------------------------------------------


def test_everyone_in_the_unit_reads_the_plan_and_nobody_outside_it() -> None:
    plan = new_unit_plan(UNIT, 2031, "L").to_dict()

    assert readers(plan, None, DIRECTORY) == {"L", "N1", "N2", "S1", "S2", "TL"}


def test_a_plan_naming_no_unit_is_read_by_its_author_only() -> None:
    plan = {**new_unit_plan(UNIT, 2031, "L").to_dict(), "unit": ["Sundhed og Omsorg"]}
    assert readers(plan, None, DIRECTORY) == {"L"}


def rights(record: dict[str, object], *before: dict[str, object]) -> str | None:
    return refusal(record, list(before), None, DIRECTORY, conversation_id=str(record["id"]),
                   signer=str(record["author"]))


def test_a_leader_of_the_unit_writes_its_plan_and_another_leader_of_it_changes_it() -> None:
    plan = new_unit_plan(UNIT, 2031, "L")
    changed = with_priority(plan, "Trivsel", "TL")

    assert rights(plan.to_dict()) is None
    assert rights(changed.to_dict(), plan.to_dict()) is None


@pytest.mark.parametrize("author", ["N1", "H", "XL"])
def test_an_employee_hr_or_a_leader_of_another_unit_may_not_write_the_plan(author: str) -> None:
    plan = new_unit_plan(UNIT, 2031, "L")
    forged = with_priority(plan, "Noget andet", author)

    assert rights(new_unit_plan(UNIT, 2031, author).to_dict()) == "not a leader of the unit"
    assert rights(forged.to_dict(), plan.to_dict()) == "not a leader of the unit"


def test_a_plan_cannot_be_moved_to_another_unit_or_year() -> None:
    plan = new_unit_plan(UNIT, 2031, "L")
    other_unit = Directory(2, {**DIRECTORY.members, "L": dataclasses.replace(
        DIRECTORY.members["L"], unit=OTHER_UNIT)})
    moved = plan.revised(unit=OTHER_UNIT)

    assert refusal(moved.to_dict(), [plan.to_dict()], None, other_unit,
                   conversation_id=plan.id, signer="L") == \
        "a unit plan stays its unit's and year's"
    assert rights(plan.revised(year=2032).to_dict(), plan.to_dict()) == \
        "a unit plan stays its unit's and year's"


# --- on the share ------------------------------------------------------------------------


def test_the_plan_reaches_the_unit_sealed_and_a_colleagues_change_is_refused(
    tmp_path: Path,
) -> None:
    share = share_in(tmp_path)
    leader, nurse, outsider = (make_person(tmp_path, "mette", Role.LEADER),
                               make_person(tmp_path, "anna"), make_person(tmp_path, "kim"))
    listed = directory_of([leader, nurse, outsider], {"anna": "mette"})
    units = {"mette": UNIT, "anna": UNIT, "kim": OTHER_UNIT}
    directory = Directory(1, {pid: dataclasses.replace(m, unit=units[pid])
                              for pid, m in listed.members.items()})
    plan = with_priority(new_unit_plan(UNIT, 2031, "mette"), "Færre sygedage", "mette")

    leader.engine(share, directory).publish(plan.id, "unit_plans", plan.to_dict())
    leader.engine(share, directory).sync()
    nurse.engine(share, directory).sync()
    outsider.engine(share, directory).sync()

    received = nurse.vault.read_shard(plan.id).get("unit_plans", {})
    assert [r["priorities"][0]["what"] for r in received.values()] == ["Færre sygedage"]
    assert outsider.vault.read_shard(plan.id).get("unit_plans", {}) == {}

    forged = with_priority(plan, "Anna bestemmer", "anna")
    nurse.engine(share, directory).publish(plan.id, "unit_plans", forged.to_dict())
    nurse.engine(share, directory).sync()
    report = leader.engine(share, directory).sync()

    kept = leader.vault.read_shard(plan.id).get("unit_plans", {})
    assert [p["what"] for r in kept.values() for p in r["priorities"]] == ["Færre sygedage"]
    assert report.refused


def test_two_leaders_changing_the_plan_at_once_keep_both_versions_to_settle(
    tmp_path: Path,
) -> None:
    share = share_in(tmp_path)
    first, second = (make_person(tmp_path, "mette", Role.LEADER),
                     make_person(tmp_path, "jens", Role.LEADER))
    listed = directory_of([first, second])
    directory = Directory(1, {pid: dataclasses.replace(m, unit=UNIT)
                              for pid, m in listed.members.items()})
    plan = new_unit_plan(UNIT, 2031, "mette")
    first.engine(share, directory).publish(plan.id, "unit_plans", plan.to_dict())
    first.engine(share, directory).sync()
    second.engine(share, directory).sync()

    mine = with_priority(plan, "Trivsel", "mette")
    theirs = with_priority(plan, "Kompetencer", "jens")
    first.engine(share, directory).publish(plan.id, "unit_plans", mine.to_dict())
    second.engine(share, directory).publish(plan.id, "unit_plans", theirs.to_dict())
    second.engine(share, directory).sync()
    report = first.engine(share, directory).sync()

    assert [c.fields for c in report.conflicts] == [("priorities",)]
    clash = next(iter(first.vault.read_shard(plan.id)["conflicts"].values()))
    assert "Kompetencer" in str(clash) and "Trivsel" in str(clash)

"""The unit's year plan: the teams' priorities gathered by the leader into one plan.

Fredensborg's leader held a TUS with each of five teams, shared each team's priorities
with everyone, and gathered them into the unit's year plan with team-specific sub-goals.
Here the leader picks actions from the team plans of the unit's held TUS/GRUS
conversations (:func:`team_priorities`); each becomes a sub-goal under its team
(:func:`gathered`), worded, owned and dated anew if need be (:func:`with_sub_goal`),
beside the unit's own priorities (:func:`with_priority`).

Who keeps it: a leader whose unit in the directory is the plan's unit
(:func:`may_keep`); who reads it: everyone in that unit (``visibility``), sealed like
every other record. The plan of a unit and year has one id (:func:`unit_plan_id`), so
two leaders of one unit write versions of the same plan and sync merges them.

Everything here is a pure function of its arguments: a change is a new version
(:meth:`Versioned.revised`). Bad input raises
:class:`~conversations.model.InputRejected` with a translated message key.

Must not touch: Flet, the vault, the share, a clock (``today`` is given).
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable

from conversations.directory import Directory, Member
from conversations.model import (
    Conversation,
    GoalStatus,
    InputRejected,
    Role,
    State,
    SubGoal,
    TeamPlan,
    UnitPlan,
    UnitPriority,
    storable_text,
)
from conversations.records import new_id

__all__ = [
    "HELD",
    "TeamPriority",
    "by_team",
    "gathered",
    "may_keep",
    "new_unit_plan",
    "team_of",
    "team_priorities",
    "unit_plan_id",
    "with_priority",
    "with_sub_goal",
    "with_sub_goal_status",
    "without_priority",
    "without_sub_goal",
]

HELD = frozenset({State.HELD, State.AGREED, State.FOLLOWED_UP})
"""A team conversation in one of these states has been held: its plan can be gathered."""


def unit_plan_id(unit: str, year: int) -> str:
    """The record (and shard) id of ``unit``'s plan for ``year``: the same on every device."""
    return hashlib.sha256(f"unit_plan|{unit}|{year}".encode()).hexdigest()[:32]


def new_unit_plan(unit: str, year: int, author: str) -> UnitPlan:
    if not unit.strip():
        raise InputRejected("error.unit_unknown")
    return UnitPlan(id=unit_plan_id(unit, year), unit=unit, year=year, author=author)


def may_keep(member: Member | None, unit: str) -> bool:
    """Whether ``member`` may write ``unit``'s year plan: a leader in that unit."""
    return (member is not None and bool(unit) and member.unit == unit
            and Role.LEADER in member.roles)


# --- what the teams bring --------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TeamPriority:
    """One action of a held team conversation's plan, as the leader may gather it."""

    action_id: str
    team: str
    what: str
    responsible_id: str
    deadline: dt.date | None
    long_term: bool
    conversation_id: str


def team_of(conversation: Conversation, directory: Directory) -> str:
    """The team a team conversation was held with: the team most of its participants
    belong to in the directory (the first by name on a tie); "" when nobody's is known."""
    teams = collections.Counter(
        member.team for pid in conversation.participant_ids
        if (member := directory.member(pid)) is not None and member.team
    )
    if not teams:
        return ""
    most = max(teams.values())
    return min(team for team, count in teams.items() if count == most)


def team_priorities(
    held: Iterable[tuple[Conversation, TeamPlan]], directory: Directory, unit: str
) -> tuple[TeamPriority, ...]:
    """Every action of the unit's held TUS/GRUS team plans, by team, short term first.

    A conversation counts when it is a team conversation, has been held, and its team's
    people are in ``unit``; a plan counts only with its own conversation. Dropped actions
    are left out: the team has let them go.
    """
    found: list[tuple[tuple[str, bool, str, int], TeamPriority]] = []
    for conversation, plan in held:
        if not conversation.kind.is_team or conversation.state not in HELD:
            continue
        if plan.conversation_id != conversation.id:
            continue
        team = team_of(conversation, directory)
        if not team or not any(m.unit == unit for m in directory.team_of(team)):
            continue
        for order, action in enumerate(plan.actions):
            if action.status is GoalStatus.DROPPED:
                continue
            priority = TeamPriority(
                action_id=action.id, team=team, what=action.what,
                responsible_id=action.responsible_id, deadline=action.deadline,
                long_term=action.long_term, conversation_id=conversation.id)
            found.append(((team.casefold(), action.long_term, conversation.id, order),
                          priority))
    return tuple(priority for _, priority in sorted(found, key=lambda item: item[0]))


# --- the plan ----------------------------------------------------------------------------


def gathered(plan: UnitPlan, priority: TeamPriority, author: str) -> UnitPlan:
    """The plan with ``priority`` as a new sub-goal under its team, at the team's end.

    Refused when that action is in the plan already (``error.already_gathered``).
    """
    if any(goal.from_action == priority.action_id for goal in plan.sub_goals):
        raise InputRejected("error.already_gathered")
    goal = SubGoal(id=new_id(), team=priority.team, what=priority.what,
                   responsible_id=priority.responsible_id, deadline=priority.deadline,
                   from_action=priority.action_id)
    return plan.revised(author=author, sub_goals=(*plan.sub_goals, goal))


def with_sub_goal(
    plan: UnitPlan,
    goal_id: str,
    *,
    what: str,
    responsible_id: str,
    deadline: dt.date | None,
    today: dt.date,
    author: str,
) -> UnitPlan:
    """The plan with one sub-goal reworded, given another owner or date.

    An empty text is refused, and so is a date before ``today`` — unless it is the date
    the sub-goal already had (a team's date that has passed can stay while it is worded).
    """
    earlier = _sub_goal(plan, goal_id)
    text = storable_text(what).strip()
    if not text:
        raise InputRejected("error.goal_empty")
    if deadline is not None and deadline < today and deadline != earlier.deadline:
        raise InputRejected("error.deadline_past", deadline=deadline.isoformat())
    changed = dataclasses.replace(earlier, what=text, responsible_id=responsible_id,
                                  deadline=deadline)
    return plan.revised(author=author, sub_goals=tuple(
        changed if g.id == goal_id else g for g in plan.sub_goals))


def with_sub_goal_status(plan: UnitPlan, goal_id: str, status: GoalStatus,
                         author: str) -> UnitPlan:
    earlier = _sub_goal(plan, goal_id)
    changed = dataclasses.replace(earlier, status=GoalStatus(status))
    return plan.revised(author=author, sub_goals=tuple(
        changed if g.id == goal_id else g for g in plan.sub_goals))


def without_sub_goal(plan: UnitPlan, goal_id: str, author: str) -> UnitPlan:
    """The plan without one sub-goal (its action can be gathered again)."""
    _sub_goal(plan, goal_id)
    return plan.revised(author=author,
                        sub_goals=tuple(g for g in plan.sub_goals if g.id != goal_id))


def with_priority(plan: UnitPlan, what: str, author: str) -> UnitPlan:
    """The plan with one more priority for the whole unit; an empty text is refused."""
    text = storable_text(what).strip()
    if not text:
        raise InputRejected("error.priority_empty")
    priority = UnitPriority(id=new_id(), what=text)
    return plan.revised(author=author, priorities=(*plan.priorities, priority))


def without_priority(plan: UnitPlan, priority_id: str, author: str) -> UnitPlan:
    if not any(p.id == priority_id for p in plan.priorities):
        raise InputRejected("error.priority_unknown")
    return plan.revised(author=author,
                        priorities=tuple(p for p in plan.priorities if p.id != priority_id))


def by_team(plan: UnitPlan) -> list[tuple[str, tuple[SubGoal, ...]]]:
    """The sub-goals grouped under their teams, teams by name, goals in plan order."""
    teams: dict[str, list[SubGoal]] = {}
    for goal in plan.sub_goals:
        teams.setdefault(goal.team, []).append(goal)
    return [(team, tuple(teams[team])) for team in sorted(teams, key=str.casefold)]


def _sub_goal(plan: UnitPlan, goal_id: str) -> SubGoal:
    for goal in plan.sub_goals:
        if goal.id == goal_id:
            return goal
    raise InputRejected("error.goal_unknown")

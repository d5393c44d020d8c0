"""The unit's year plan, for the screens: no Flet here.

A leader of the unit opens the plan for a year, is offered the actions of the team plans
of the TUS/GRUS conversations they held (from their own vault), gathers them as team
sub-goals, words them, gives them an owner and a date, adds the unit's own priorities,
and shares the plan: then it goes to everyone in the unit, sealed for them, like every
other record. Until shared, each change is kept on the leader's device only. Everyone
in the unit reads the plan once it has reached their device; nobody else ever gets it.
"""

from __future__ import annotations

import datetime as dt

from conversations.directory import Member
from conversations.model import (
    Conversation,
    GoalStatus,
    InputRejected,
    TeamPlan,
    UnitPlan,
)
from conversations.unit_plan import (
    HELD,
    TeamPriority,
    gathered,
    may_keep,
    new_unit_plan,
    team_priorities,
    unit_plan_id,
    with_priority,
    with_sub_goal,
    with_sub_goal_status,
    without_priority,
    without_sub_goal,
)
from documents.pdf import unit_plan_document
from services.session import Session
from storage.schema import CONVERSATION_TABLE, TEAM_PLAN_TABLE, UNIT_PLAN_TABLE, VERSIONS_TABLE


class UnitPlans:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- who I am here -------------------------------------------------------------------

    def unit(self) -> str:
        """My unit as the directory lists it ("" when none)."""
        person = self.session.current_person()
        member = self.session.directory.member(person.id)
        return member.unit if member is not None else person.unit

    def may_keep(self) -> bool:
        """Whether I write my unit's plan (a leader in the unit); everyone else reads it."""
        me = self.session.directory.member(self.session.current_person().id)
        return may_keep(me, self.unit())

    def people(self) -> list[Member]:
        """Everyone in my unit, by name: who a sub-goal can be given to."""
        unit = self.unit()
        return sorted((m for m in self.session.directory.members.values() if m.unit == unit),
                      key=lambda m: m.name.casefold())

    def names(self) -> dict[str, str]:
        return {pid: m.name for pid, m in self.session.directory.members.items()}

    # --- reading -------------------------------------------------------------------------

    def load(self, year: int) -> UnitPlan | None:
        """Blocking. The unit's plan for ``year`` as this device holds it; None when there
        is none here (not made yet, or not reached this device)."""
        unit = self.unit()
        if not unit:
            raise InputRejected("error.unit_unknown")
        plan_id = unit_plan_id(unit, year)
        raw = self.session.unlocked_vault().read_shard(plan_id).get(UNIT_PLAN_TABLE, {})
        record = raw.get(plan_id)
        return UnitPlan.from_dict(record) if record is not None else None

    def open(self, year: int) -> UnitPlan:
        """Blocking. The plan for ``year``: the one held here, else a new, empty one for a
        leader of the unit (kept only once something is put in it)."""
        plan = self.load(year)
        if plan is not None:
            return plan
        if not self.may_keep():
            raise InputRejected("error.unit_plan_leader_only")
        return new_unit_plan(self.unit(), year, self.session.current_person().id)

    def shared(self, plan: UnitPlan) -> bool:
        """Blocking. Whether this very version has gone (or arrived) through the share."""
        versions = self.session.unlocked_vault().read_shard(plan.id).get(VERSIONS_TABLE, {})
        doc = versions.get(plan.version)
        return doc is not None and doc.get("local") is not True

    def offered(self) -> tuple[TeamPriority, ...]:
        """Blocking. The actions of the team plans of the held TUS/GRUS conversations I
        led, for my unit: what I can gather into the plan."""
        session = self.session
        me, vault = session.current_person().id, session.unlocked_vault()
        held: list[tuple[Conversation, TeamPlan]] = []
        for cid, entry in session.index().items():
            if not entry.leading(me) or not entry.kind.is_team or entry.state not in HELD:
                continue
            shard = vault.read_shard(cid)
            record = shard.get(CONVERSATION_TABLE, {}).get(cid)
            if record is None:
                continue
            conversation = Conversation.from_dict(record)
            held.extend((conversation, TeamPlan.from_dict(raw))
                        for raw in shard.get(TEAM_PLAN_TABLE, {}).values())
        return team_priorities(held, session.directory, self.unit())

    # --- changing (a leader of the unit) -------------------------------------------------

    def gather(self, plan: UnitPlan, priority: TeamPriority) -> UnitPlan:
        """Blocking, like every change below: kept on this device at once."""
        return self._keep(gathered(plan, priority, self._keeper()))

    def change_sub_goal(self, plan: UnitPlan, goal_id: str, *, what: str,
                        responsible_id: str, deadline: dt.date | None) -> UnitPlan:
        return self._keep(with_sub_goal(
            plan, goal_id, what=what, responsible_id=responsible_id, deadline=deadline,
            today=self.session.today(), author=self._keeper()))

    def set_status(self, plan: UnitPlan, goal_id: str, status: GoalStatus) -> UnitPlan:
        return self._keep(with_sub_goal_status(plan, goal_id, status, self._keeper()))

    def remove_sub_goal(self, plan: UnitPlan, goal_id: str) -> UnitPlan:
        return self._keep(without_sub_goal(plan, goal_id, self._keeper()))

    def add_priority(self, plan: UnitPlan, what: str) -> UnitPlan:
        return self._keep(with_priority(plan, what, self._keeper()))

    def remove_priority(self, plan: UnitPlan, priority_id: str) -> UnitPlan:
        return self._keep(without_priority(plan, priority_id, self._keeper()))

    def share(self, plan: UnitPlan) -> None:
        """Blocking. Sends this version to everyone in the unit with the next sync."""
        self._keeper()
        self.session.publish(plan.id, UNIT_PLAN_TABLE, plan.to_dict())

    def pdf(self, plan: UnitPlan) -> bytes:
        return unit_plan_document(plan, self.names(), self.session.texts.lang,
                                  shared=self.shared(plan))

    def _keeper(self) -> str:
        if not self.may_keep():
            raise InputRejected("error.unit_plan_leader_only")
        return self.session.current_person().id

    def _keep(self, plan: UnitPlan) -> UnitPlan:
        with self.session.save_lock:
            self.session.unlocked_vault().put_record(plan.id, UNIT_PLAN_TABLE, plan.to_dict())
        return plan

"""The unit's year plan: a leader of the unit gathers the teams' priorities from the
team plans of the TUS/GRUS conversations they held, words each as a team sub-goal with
an owner and a date, adds the unit's own priorities and shares the plan with the unit;
everyone else in the unit reads it. Both can take it along as a PDF."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from conversations.model import GoalStatus, InputRejected, SubGoal, UnitPlan
from conversations.unit_plan import TeamPriority, by_team
from storage import StorageError
from views.common import describe, icon_button, named, page_column, when
from views.widgets import back_bar, export_button, parse_date, year_switcher

if TYPE_CHECKING:
    from views.shell import Shell


class UnitPlanScreen:
    def __init__(self, shell: Shell, year: int, notice: str) -> None:
        self.shell = shell
        self.plans = shell.session.unit_plans
        self.t = shell.session.texts
        self.year = year
        self.keeper = self.plans.may_keep()
        self.plan: UnitPlan | None = None
        self.shared = False
        self.offered: tuple[TeamPriority, ...] = ()
        self.editing: str | None = None
        self.message = ft.Text(notice, color=ft.Colors.PRIMARY)

    async def load(self) -> None:
        def read() -> tuple[UnitPlan | None, bool, tuple[TeamPriority, ...]]:
            plan = self.plans.open(self.year) if self.keeper else self.plans.load(self.year)
            shared = plan is not None and self.plans.shared(plan)
            return plan, shared, self.plans.offered() if self.keeper else ()

        self.plan, self.shared, self.offered = await asyncio.to_thread(read)

    # --- acting ----------------------------------------------------------------------------

    async def change(self, make: Callable[[UnitPlan], UnitPlan],
                     field: ft.TextField | None = None,
                     date_field: ft.TextField | None = None) -> bool:
        """Runs one change and keeps it; says why when it is refused — at the date's
        field when the date is what is wrong, else at ``field`` or at the top."""
        if self.plan is None:
            return False
        plan = self.plan
        try:
            self.plan = await asyncio.to_thread(make, plan)
        except (InputRejected, StorageError) as err:
            if date_field is not None and isinstance(err, InputRejected) and \
                    err.key == "error.deadline_past":
                field = date_field
            if field is not None:  # said at the field, which keeps what was typed
                field.error = describe(err, self.t)
                field.update()
            else:
                self.message.value, self.message.color = describe(err, self.t), ft.Colors.ERROR
                self.render()
            return False
        self.shared = False
        self.editing = None
        self.message.value = ""
        self.render()
        return True

    def gatherer(self, priority: TeamPriority) -> Callable[[], Awaitable[None]]:
        async def gather() -> None:
            await self.change(lambda plan: self.plans.gather(plan, priority))

        return gather

    async def share(self) -> None:
        if self.plan is None:
            return
        plan = self.plan
        try:
            await asyncio.to_thread(self.plans.share, plan)
        except (InputRejected, StorageError) as err:
            self.message.value, self.message.color = describe(err, self.t), ft.Colors.ERROR
            self.render()
            return
        self.shell.sync_soon()
        self.shared = True
        self.message.value = self.t("unit.shared_soon")
        self.message.color = ft.Colors.PRIMARY
        self.render()

    async def go_year(self, year: int) -> None:
        await show_unit_plan(self.shell, year)

    # --- sections -------------------------------------------------------------------------

    def state(self) -> str:
        if self.plan is None:
            return self.t("unit.none_here", year=self.year)
        if self.shared:
            return self.t("unit.state_shared")
        return self.t("unit.state_draft") if self.keeper else self.t("unit.state_shared")

    def priorities(self, plan: UnitPlan) -> list[ft.Control]:
        t = self.t
        parts: list[ft.Control] = [
            ft.Text(t("unit.priorities"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM)]
        if not plan.priorities:
            parts.append(ft.Text(t("unit.no_priorities"), color=ft.Colors.ON_SURFACE_VARIANT))
        for number, priority in enumerate(plan.priorities, 1):
            async def remove(e: Any, priority_id: str = priority.id) -> None:
                await self.change(lambda p: self.plans.remove_priority(p, priority_id))

            parts.append(line(f"{number}. {priority.what}", "", [icon_button(
                ft.Icons.DELETE_OUTLINE, t("unit.remove_priority", what=priority.what),
                on_click=remove)] if self.keeper else []))
        if self.keeper:
            what = ft.TextField(label=t("unit.new_priority"), multiline=True, min_lines=1)

            async def add() -> None:
                await self.change(lambda p: self.plans.add_priority(p, what.value or ""),
                                  what)

            parts += [what, ft.FilledTonalButton(t("unit.add_priority"), icon=ft.Icons.ADD,
                                                 on_click=add)]
        return parts

    def sub_goals(self, plan: UnitPlan) -> list[ft.Control]:
        t = self.t
        parts: list[ft.Control] = [
            ft.Text(t("unit.sub_goals"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM)]
        teams = by_team(plan)
        if not teams:
            parts.append(ft.Text(t("unit.no_sub_goals"), color=ft.Colors.ON_SURFACE_VARIANT))
        for team, goals in teams:
            parts.append(ft.Text(team or t("unit.no_team"), weight=ft.FontWeight.W_600))
            for goal in goals:
                parts.append(self.editor(goal) if goal.id == self.editing else self.goal(goal))
        return parts

    def goal(self, goal: SubGoal) -> ft.Control:
        t = self.t
        names = self.plans.names()
        details = [x for x in (names.get(goal.responsible_id, ""), when(goal.deadline, t),
                               t(f"doc.status.{goal.status.value}")) if x]
        buttons: list[ft.Control] = []
        if self.keeper:
            async def edit(e: Any, goal_id: str = goal.id) -> None:
                self.editing = goal_id
                self.render()

            async def remove(e: Any, goal_id: str = goal.id) -> None:
                await self.change(lambda p: self.plans.remove_sub_goal(p, goal_id))

            buttons = [
                icon_button(ft.Icons.EDIT_OUTLINED, t("unit.edit_sub_goal", what=goal.what),
                            on_click=edit),
                icon_button(ft.Icons.DELETE_OUTLINE, t("unit.remove_sub_goal", what=goal.what),
                            on_click=remove),
            ]
        return line(goal.what, " · ".join(details), buttons)

    def editor(self, goal: SubGoal) -> ft.Control:
        t = self.t
        what = ft.TextField(label=t("unit.sub_goal_what"), value=goal.what, multiline=True,
                            min_lines=1)
        people = self.plans.people()
        responsible = ft.Dropdown(
            label=t("unit.sub_goal_responsible"), value=goal.responsible_id or None,
            options=[ft.DropdownOption(key=m.id, text=m.name) for m in people])
        deadline = ft.TextField(label=t("unit.sub_goal_deadline"), hint_text=t("new.date_hint"),
                                value=goal.deadline.strftime("%d-%m-%Y") if goal.deadline
                                else "")
        status = ft.Dropdown(
            label=t("unit.sub_goal_status"), value=goal.status.value,
            options=[ft.DropdownOption(key=s.value, text=t(f"doc.status.{s.value}"))
                     for s in GoalStatus])

        async def save() -> None:
            try:
                day = parse_date(deadline.value or "")
            except InputRejected as err:
                deadline.error = describe(err, t)
                deadline.update()
                return

            def changed(plan: UnitPlan) -> UnitPlan:
                plan = self.plans.change_sub_goal(
                    plan, goal.id, what=what.value or "",
                    responsible_id=responsible.value or "", deadline=day)
                return self.plans.set_status(plan, goal.id, GoalStatus(status.value or "open"))

            await self.change(changed, what, deadline)

        async def cancel() -> None:
            self.editing = None
            self.render()

        return ft.Card(ft.Container(ft.Column([
            what, named(responsible), deadline, named(status),
            ft.Row([ft.FilledButton(t("unit.save_sub_goal"), icon=ft.Icons.CHECK,
                                    on_click=save),
                    ft.TextButton(t("common.cancel"), on_click=cancel)], wrap=True),
        ], spacing=10), padding=12))

    def gathering(self, plan: UnitPlan) -> list[ft.Control]:
        t = self.t
        taken = {goal.from_action for goal in plan.sub_goals}
        left = [p for p in self.offered if p.action_id not in taken]
        parts: list[ft.Control] = [
            ft.Text(t("unit.gather"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
            ft.Text(t("unit.gather_help")),
        ]
        if not self.offered:
            parts.append(ft.Text(t("unit.nothing_held"), color=ft.Colors.ON_SURFACE_VARIANT))
        elif not left:
            parts.append(ft.Text(t("unit.all_gathered"), color=ft.Colors.ON_SURFACE_VARIANT))
        names = self.plans.names()
        for priority in left:
            details = [priority.team, t("team.long_term") if priority.long_term
                       else t("team.short_term"), names.get(priority.responsible_id, ""),
                       when(priority.deadline, t)]
            parts.append(line(priority.what, " · ".join(x for x in details if x), [
                icon_button(ft.Icons.ADD_TASK, t("unit.gather_one", what=priority.what),
                            on_click=self.gatherer(priority))]))
        return parts

    # --- the screen -----------------------------------------------------------------------

    def render(self) -> None:
        t = self.t

        header = year_switcher(t, self.year, self.go_year)
        self.message.visible = bool(self.message.value)
        body: list[ft.Control] = [
            self.shell.new_sync_bar(), header,
            ft.Text(self.plans.unit(), theme_style=ft.TextThemeStyle.TITLE_LARGE),
            ft.Text(self.state(), color=ft.Colors.ON_SURFACE_VARIANT), self.message,
        ]
        plan = self.plan
        if plan is not None:
            body += [*self.priorities(plan), ft.Divider(), *self.sub_goals(plan)]
            if self.keeper:
                body += [ft.Divider(), *self.gathering(plan), ft.Divider(),
                         ft.FilledButton(t("unit.share"), icon=ft.Icons.GROUPS,
                                         on_click=self.share, disabled=self.shared)]
            body.append(export_button(self.shell, t("unit.pdf"), ft.Icons.PICTURE_AS_PDF,
                                      f"aarsplan-enhed-{self.year}.pdf",
                                      lambda: self.plans.pdf(plan), self.message))
        self.shell.show(page_column(body), back_bar(self.shell, t("unit.title")))


def line(title: str, subtitle: str, buttons: list[ft.Control]) -> ft.Control:
    """One item with its buttons beside it. Not a ListTile: a tile merges the buttons
    into its own name, and a screen reader could no longer reach each button."""
    texts: list[ft.Control] = [ft.Text(title, size=15)]
    if subtitle:
        texts.append(ft.Text(subtitle, size=12, color=ft.Colors.ON_SURFACE_VARIANT))
    return ft.Row([ft.Column(texts, spacing=2, expand=True), *buttons],
                  vertical_alignment=ft.CrossAxisAlignment.CENTER)


async def show_unit_plan(shell: Shell, year: int | None = None, notice: str = "") -> None:
    screen = UnitPlanScreen(shell, year or shell.session.today().year, notice)
    try:
        await screen.load()
    except (InputRejected, StorageError) as err:
        await shell.home(notice=describe(err, shell.session.texts))
        return
    screen.render()

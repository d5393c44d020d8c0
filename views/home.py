"""Home: my conversations, grouped by what they need from me now."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import flet as ft

from conversations.model import InputRejected, Kind, State, Task
from services.session import Summary
from storage import StorageError
from views.common import busy, describe, icon_button, page_column, when
from views.shell import Route
from views.widgets import parse_date, sharing_text

if TYPE_CHECKING:
    from views.shell import Shell

BEFORE = (State.PLANNED, State.INVITED, State.PREPARING)
TASK_ICONS = {
    "prepare": ft.Icons.EDIT_NOTE,
    "hold": ft.Icons.GROUPS,
    "sign": ft.Icons.DRAW,
    "follow_up": ft.Icons.EVENT_REPEAT,
    "done": ft.Icons.TASK_ALT,
}


async def show_home(shell: Shell, notice: str = "") -> None:
    session, t = shell.session, shell.session.texts
    me = session.me
    if me is None:  # locked meanwhile (idle): the unlock screen is already showing
        return
    shown = await asyncio.to_thread(session.home_view)
    shell.home_shown = shown
    groups, conflicts = shown.groups, shown.conflicts
    body: list[ft.Control] = [
        shell.new_sync_bar(),
        ft.Text(t("home.hello", name=me.name), theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
    ]
    if notice:
        body.append(ft.Text(notice, color=ft.Colors.PRIMARY))
    if conflicts:
        body.append(
            ft.Card(
                ft.ListTile(
                    leading=ft.Icon(ft.Icons.WARNING_AMBER, color=ft.Colors.ERROR),
                    title=ft.Text(t("conflict.banner", count=conflicts)),
                    subtitle=ft.Text(t("conflict.banner_help")),
                    on_click=shell.to(Route.CONFLICTS),
                )
            )
        )
    for reminder, conversation in shown.reminders:
        body.append(ft.Card(ft.ListTile(
            leading=ft.Icon(ft.Icons.NOTIFICATIONS_ACTIVE, color=ft.Colors.TERTIARY),
            title=ft.Text(t("home.reminder", name=session.person_name(reminder.author),
                            about=t(reminder.about))),
            subtitle=ft.Text(when(reminder.sent_at, t)),
            on_click=shell.to(Route.CONVERSATION, conversation.id, ""),
        )))
    shortcuts = desk_shortcuts(shell)
    if shortcuts:
        body.append(ft.Row(shortcuts, wrap=True, spacing=8, run_spacing=8))
    if not groups:
        body.append(ft.Text(t("home.empty")))
    for task, items in groups:
        body.append(
            ft.Row(
                [
                    ft.Icon(TASK_ICONS[task.value], color=ft.Colors.PRIMARY),
                    ft.Text(t(f"task.{task.value}", count=len(items)),
                            theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
                ]
            )
        )
        body.extend(conversation_card(shell, item) for item in items)
    leader = session.meetings.leads_anyone()
    plan = t("home.plan_conversation") if leader else t("home.new_conversation")
    new = ft.FloatingActionButton(
        icon=ft.Icon(ft.Icons.ADD, semantics_label=plan),
        on_click=shell.to(Route.PLAN) if leader else shell.to(Route.NEW_CONVERSATION),
    )
    shell.on_home = True
    shell.show(
        page_column(body),
        ft.AppBar(
            title=ft.Text(t("home.title")),
            automatically_imply_leading=False,
            actions=[
                icon_button(ft.Icons.SETTINGS, t("settings.title"),
                            on_click=shell.to(Route.SETTINGS)),
                icon_button(ft.Icons.LOCK, t("home.lock"), on_click=shell.lock_now),
            ],
        ),
        new,
    )


def desk_shortcuts(shell: Shell) -> list[ft.Control]:
    """The leader's and HR's desks, for those whose role has one."""
    t, office = shell.session.texts, shell.session.office
    found: list[ft.Control] = []

    def shortcut(key: str, icon: ft.IconData, route: Route) -> None:
        found.append(ft.OutlinedButton(t(key), icon=icon,
                                       on_click=shell.to(route)))

    if office.is_leader():
        shortcut("home.year", ft.Icons.CALENDAR_MONTH, Route.YEAR)
    if shell.session.unit_plans.unit():
        shortcut("home.unit_plan", ft.Icons.FLAG_OUTLINED, Route.UNIT_PLAN)
    if office.is_leader() or office.is_hr():
        shortcut("home.competences", ft.Icons.GRID_ON, Route.COMPETENCES)
    shortcut("home.courses", ft.Icons.SCHOOL, Route.COURSES)
    if office.is_leader() or office.is_hr():
        shortcut("home.sheets", ft.Icons.QUIZ, Route.SHEETS)
    if office.is_med():
        shortcut("home.med", ft.Icons.INSIGHTS, Route.MED)
    shortcut("home.privacy", ft.Icons.PRIVACY_TIP, Route.PRIVACY)
    return found


def conversation_card(shell: Shell, item: Summary) -> ft.Control:
    t = shell.session.texts
    title = t("home.card_title", kind=t(f"kind.{item.kind.value}"), names=item.with_whom) \
        if item.with_whom else t(f"kind.{item.kind.value}")
    preparing = item.task is Task.PREPARE and item.total > 0
    details = [when(item.planned_at, t)]
    if preparing:
        details.append(t("home.progress_leader" if item.leading else "home.progress",
                         answered=item.answered, total=item.total))
    details.append(t(f"state.{item.state.value}"))
    if item.leading and item.participants and item.state in BEFORE:
        details.append(sharing_text(t, item.kind, [shell.session.person_name(p) or "?"
                                                   for p in item.shared_by], item.participants))
    overdue = item.follow_up_due is not None and item.follow_up_due < shell.session.today()
    if item.task is Task.FOLLOW_UP and item.follow_up_due is not None:
        details.append(t("home.follow_up_overdue" if overdue else "home.follow_up_due",
                         date=when(item.follow_up_due, t)))

    async def open_it() -> None:
        if item.task is Task.PREPARE and not item.leading:
            await shell.go(Route.PREPARE, item.id)
            return
        await shell.go(Route.CONVERSATION, item.id, "")

    # No tooltip: on a phone it popped up over the cards below at a tap. The card is
    # named by what it shows, its title and the line beneath it.
    tile = ft.ListTile(
        leading=ft.Icon(ft.Icons.WARNING_AMBER, color=ft.Colors.ERROR) if overdue else None,
        title=ft.Text(title),
        subtitle=ft.Text(" · ".join(d for d in details if d),
                         color=ft.Colors.ERROR if overdue else None),
        on_click=open_it,
    )
    parts: list[ft.Control] = [tile]
    if preparing:
        parts.append(
            ft.Container(
                # Only for the eye: the tile already says "2 af 26 besvaret", and a bar in
                # the accessibility tree turns the whole card into a "progress bar".
                ft.Semantics(content=ft.ProgressBar(value=item.answered / item.total),
                             exclude_semantics=True),
                padding=ft.Padding.only(left=16, right=16, bottom=12),
            )
        )
    return ft.Card(ft.Column(parts, spacing=0))


async def show_new_conversation(shell: Shell) -> None:
    session, t = shell.session, shell.session.texts
    kinds = [Kind.MUS, Kind.PUS, Kind.LUS, Kind.GRUS, Kind.TUS]
    kind = ft.RadioGroup(
        ft.Column([ft.Radio(value=k.value, label=t(f"kind.long.{k.value}")) for k in kinds]),
        value=Kind.MUS.value,
    )
    leader = ft.TextField(label=t("new.leader"))
    date = ft.TextField(label=t("new.date"), hint_text=t("new.date_hint"),
                        keyboard_type=ft.KeyboardType.DATETIME)
    error = ft.Text("", color=ft.Colors.ERROR)
    submit = ft.FilledButton(t("new.submit"), icon=ft.Icons.CHECK)

    async def create() -> None:
        try:
            planned = parse_date(date.value or "")
        except InputRejected as err:
            error.value = describe(err, t)
            return
        with busy(submit):
            try:
                cid = await asyncio.to_thread(
                    session.start_conversation, Kind(kind.value or "MUS"), leader.value or "",
                    planned,
                )
            except (InputRejected, StorageError) as err:
                error.value = describe(err, t)
                return
        await shell.go(Route.PREPARE, cid)

    submit.on_click = create
    shell.show(
        page_column([ft.Text(t("new.kind")), kind, leader, date, submit, error]),
        ft.AppBar(
            leading=icon_button(ft.Icons.ARROW_BACK, t("common.back"), on_click=shell.go_home),
            title=ft.Text(t("new.title")),
        ),
    )

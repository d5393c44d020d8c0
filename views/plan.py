"""A leader plans a conversation: kind, participants, date and time, an optional
delegate leader and a companion (for instance the union representative)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING

import flet as ft

from conversations.model import InputRejected, Kind
from storage import StorageError
from views.common import busy, describe, named, page_column
from views.shell import Route
from views.widgets import back_bar, parse_date

if TYPE_CHECKING:
    from views.shell import Shell

KINDS = (Kind.MUS, Kind.PUS, Kind.LUS, Kind.GRUS, Kind.TUS)
NOBODY = "-"


def parse_time(text: str) -> dt.time:
    """Accepts 9, 9.30, 09:30 and 930; empty means ten o'clock."""
    text = text.strip().replace(".", ":")
    if not text:
        return dt.time(10, 0)
    if ":" not in text and text.isdigit() and len(text) in (3, 4):
        text = f"{text[:-2]}:{text[-2:]}"
    hours, _, minutes = text.partition(":")
    try:
        return dt.time(int(hours), int(minutes or 0))
    except ValueError as err:
        raise InputRejected("error.bad_time", text=text) from err


async def show_plan(shell: Shell) -> None:
    session, t = shell.session, shell.session.texts
    meetings = session.meetings
    people = await asyncio.to_thread(meetings.candidates)
    me = session.current_person().id
    sheet = ft.Dropdown(label=t("plan.sheet"))

    def sheets_for_kind() -> None:
        # The organisation's own sheets are offered beside the shipped ones.
        chosen = Kind(kind.value or Kind.MUS.value)
        sheets = meetings.sheets_for(chosen)
        sheet.options = [ft.DropdownOption(key=s.id, text=t.localize(s.title)) for s in sheets]
        sheet.value = sheets[0].id if sheets else None

    kind = ft.RadioGroup(
        ft.Column([ft.Radio(value=k.value, label=t(f"kind.long.{k.value}")) for k in KINDS],
                  spacing=0),
        value=Kind.MUS.value,
        on_change=sheets_for_kind,
    )
    sheets_for_kind()
    chosen: set[str] = set()
    boxes: list[ft.Control] = []
    for member in people:
        def toggle(e: ft.Event[ft.Checkbox], member_id: str = member.id) -> None:
            if e.control.value:
                chosen.add(member_id)
            else:
                chosen.discard(member_id)

        label = member.name if member.enc_key else t("plan.no_profile", name=member.name)
        if member.leader_id == me or not any(p.leader_id == me for p in people):
            boxes.append(ft.Checkbox(label=label, on_change=toggle))
    date = ft.TextField(label=t("plan.date"), hint_text=t("new.date_hint"), expand=True)
    at = ft.TextField(label=t("plan.time"), hint_text="10:00", width=140)
    others = [ft.DropdownOption(key=NOBODY, text=t("plan.nobody"))] + [
        ft.DropdownOption(key=m.id, text=m.name) for m in people]
    delegate = ft.Dropdown(label=t("plan.delegate"), value=NOBODY, options=others)
    companion = ft.Dropdown(label=t("plan.companion"), value=NOBODY, options=list(others))
    error = ft.Text("", color=ft.Colors.ERROR)
    submit = ft.FilledButton(t("plan.submit"), icon=ft.Icons.EVENT_AVAILABLE)

    async def create() -> None:
        try:
            planned_on = parse_date(date.value or "")
            hour = parse_time(at.value or "")
        except InputRejected as err:
            error.value = describe(err, t)
            return
        with busy(submit):
            try:
                planned = await asyncio.to_thread(
                    meetings.plan, Kind(kind.value or Kind.MUS.value),
                    [m.id for m in people if m.id in chosen], planned_on, at=hour,
                    delegate_id=None if delegate.value in (None, NOBODY) else delegate.value,
                    companion_id=None if companion.value in (None, NOBODY) else companion.value,
                    sheet_id=sheet.value or None,
                )
            except (InputRejected, StorageError) as err:
                error.value = describe(err, t)
                return
        shell.sync_soon()
        await shell.go(Route.INVITATION, planned.conversation_id, planned.without_profile)

    submit.on_click = create
    shell.show(
        page_column([
            ft.Text(t("plan.kind"), weight=ft.FontWeight.W_500), kind, named(sheet),
            ft.Text(t("plan.participants"), weight=ft.FontWeight.W_500),
            ft.Column(boxes, spacing=0) if boxes else ft.Text(t("plan.nobody_to_invite")),
            ft.Row([date, at], spacing=8), named(delegate), named(companion), submit, error,
        ]),
        back_bar(shell, t("plan.title")),
    )

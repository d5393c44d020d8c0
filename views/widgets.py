"""Pieces several screens share: the back bar, the year switcher, exporting a document,
opening and saving a conversation, reading a date typed by hand."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import flet as ft

from conversations.model import InputRejected, Kind
from resources.texts import Texts
from services.meeting import Meeting
from storage import StorageError
from views.common import clock_time, describe, icon_button

if TYPE_CHECKING:
    from views.shell import Shell


def sharing_text(t: Texts, kind: Kind, names: list[str], participants: int) -> str:
    """What the leader needs to know before the conversation: whose preparation has
    reached them. A team conversation counts only, as its members' answers are
    anonymous."""
    if kind.is_team:
        return t("home.shared_team", count=len(names), total=participants)
    if not names:
        return t("home.not_shared")
    return t("home.shared", count=len(names), names=", ".join(names))


def back_bar(shell: Shell, title: str, back: Callable[[], Awaitable[None]] | None = None,
             actions: list[ft.Control] | None = None) -> ft.AppBar:
    t = shell.session.texts
    return ft.AppBar(
        leading=icon_button(ft.Icons.ARROW_BACK, t("common.back"), on_click=back or shell.go_home),
        title=ft.Text(title),
        actions=actions or [],
    )


def year_switcher(t: Texts, year: int, go: Callable[[int], Awaitable[None]]) -> ft.Control:
    """The year shown, with buttons to the year before and after (``go(year)``)."""
    async def previous() -> None:
        await go(year - 1)

    async def following() -> None:
        await go(year + 1)

    return ft.Row([
        icon_button(ft.Icons.CHEVRON_LEFT, t("year.previous", year=year - 1),
                    on_click=previous),
        ft.Text(str(year), theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
        icon_button(ft.Icons.CHEVRON_RIGHT, t("year.next", year=year + 1),
                    on_click=following),
    ], alignment=ft.MainAxisAlignment.CENTER)


async def export(shell: Shell, name: str, make: Callable[[], bytes],
                 message: ft.Text | None = None) -> None:
    """Builds a document in memory and hands it to the browser or the system's save
    dialog: the only place it is ever written is where the person saves it."""
    t = shell.session.texts
    try:
        data = await asyncio.to_thread(make)
    except (InputRejected, StorageError) as err:
        if message is not None:
            message.value, message.color = describe(err, t), ft.Colors.ERROR
            message.update()
        return
    picker = next((s for s in shell.page.services if isinstance(s, ft.FilePicker)), None)
    if picker is None:
        picker = ft.FilePicker()
        shell.page.services.append(picker)
        shell.page.update()
    await picker.save_file(dialog_title=t("export.save_as"), file_name=name, src_bytes=data)
    if message is not None:
        message.value, message.color = t("export.done", name=name), ft.Colors.PRIMARY
        message.update()


def export_button(shell: Shell, label: str, icon: ft.IconData, name: str,  # noqa: PLR0917
                  make: Callable[[], bytes], message: ft.Text) -> ft.Control:
    async def click() -> None:
        await export(shell, name, make, message)

    return ft.OutlinedButton(label, icon=icon, on_click=click)


async def opened(shell: Shell, conversation_id: str) -> Meeting | None:
    """The conversation read for a screen; None (and home, saying why) when it cannot be."""
    try:
        return await asyncio.to_thread(shell.session.meetings.load, conversation_id)
    except (InputRejected, StorageError) as err:
        await shell.home(notice=describe(err, shell.session.texts))
        return None


async def save_meeting(shell: Shell, meeting: Meeting, status: ft.Text) -> None:
    """Keeps what changed in an open conversation and says so in ``status``."""
    t = shell.session.texts
    if not meeting.dirty:
        return
    try:
        await asyncio.to_thread(shell.session.meetings.persist, meeting.cid)
    except StorageError as err:
        status.value = t("prepare.save_failed", reason=describe(err, t))
        status.color = ft.Colors.ERROR
    else:
        status.value = t("prepare.saved", time=clock_time(shell.session.clock.now(), t))
        status.color = ft.Colors.PRIMARY
    if status.page is not None:
        status.update()


def title_of(shell: Shell, meeting: Meeting) -> str:
    t = shell.session.texts
    return t(f"kind.long.{meeting.conversation.kind.value}")


def parse_date(text: str) -> dt.date | None:
    """Accepts 24-12-2026, 24.12.2026, 24/12/2026 and 2026-12-24; empty means no date."""
    text = text.strip()
    if not text:
        return None
    for separator in "-./":
        parts = text.split(separator)
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            try:
                if len(parts[0]) == 4:
                    return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
                return dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
            except ValueError:
                break
    raise InputRejected("error.bad_date", text=text)

"""Mine data og sletning: a person's own export and erasure request, and for leaders and
HR the retention rule with a preview before anything is deleted, and the audit trail."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import flet as ft

from conversations.model import InputRejected
from conversations.retention import MAX_YEARS, MIN_YEARS, StoredItem
from services.privacy_desk import DEFAULT_YEARS, PrivacyDesk, parse_years
from storage import StorageError
from views.common import busy, describe, page_column, when
from views.widgets import back_bar, export

if TYPE_CHECKING:
    from resources.texts import Texts
    from views.shell import Shell

ACTION_KEYS = {
    "retention_delete": "audit.retention_delete",
    "export": "audit.export",
    "erasure": "audit.erasure",
    "erasure_request": "audit.erasure_request",
}


async def show_privacy(shell: Shell, notice: str = "") -> None:
    session, t = shell.session, shell.session.texts
    desk = PrivacyDesk(session)
    try:
        may_retain = await asyncio.to_thread(desk.may_retain)
        trail = await asyncio.to_thread(desk.audit)
    except (InputRejected, StorageError) as err:
        await shell.home(notice=describe(err, t))
        return
    message = ft.Text(notice, color=ft.Colors.PRIMARY)
    audit_list = ft.Column(_audit_rows(trail, t), spacing=4)

    async def refresh_audit() -> None:
        try:
            audit_list.controls = _audit_rows(await asyncio.to_thread(desk.audit), t)
        except (InputRejected, StorageError) as err:
            _say(message, describe(err, t), error=True)

    name = f"mine-data-{session.today().isoformat()}.zip"
    download = ft.FilledButton(t("privacy.export"), icon=ft.Icons.DOWNLOAD)

    async def export_mine() -> None:
        with busy(download):
            # Built in memory and handed to the browser: saved only where the person
            # saves it. The trail gains an "export" entry.
            await export(shell, name, desk.export_mine, message)
            await refresh_audit()

    erase = ft.OutlinedButton(t("privacy.erase"), icon=ft.Icons.PERSON_REMOVE)
    download.on_click = export_mine
    erase.on_click = _erasure_opener(shell, desk, message, erase, refresh_audit)

    body: list[ft.Control] = [
        ft.Text(t("privacy.title"), theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
        message,
        ft.Text(t("privacy.mine"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        ft.Text(t("privacy.export_help")),
        ft.Row([download], wrap=True),
        ft.Text(t("privacy.erase_title"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        ft.Text(t("privacy.erase_help")),
        ft.Row([erase], wrap=True),
    ]
    if session.office.is_hr():
        requests = await asyncio.to_thread(desk.erasure_requests)
        if requests:
            body.append(ft.Text(t("privacy.requests"),
                                theme_style=ft.TextThemeStyle.TITLE_MEDIUM))
            body.extend(ft.Text(t("privacy.request_from",
                                  name=session.person_name(r.person_id) or r.person_id[:8],
                                  when=when(r.requested_at, t))) for r in requests)
    if may_retain:
        body.extend(_retention_part(shell, desk, message, refresh_audit))
    body += [
        ft.Text(t("audit.title"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        ft.Text(t("audit.help"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
        audit_list,
    ]
    shell.show(page_column(body), back_bar(shell, t("privacy.title")))


def _say(message: ft.Text, text: str, *, error: bool = False) -> None:
    message.value = text
    message.color = ft.Colors.ERROR if error else ft.Colors.PRIMARY


def _audit_rows(trail: list[dict[str, object]], t: Texts) -> list[ft.Control]:
    if not trail:
        return [ft.Text(t("audit.empty"))]
    rows: list[ft.Control] = []
    for entry in trail:
        try:
            at = when(_parse_time(str(entry.get("at", ""))), t)
        except ValueError:
            at = ""
        action = ACTION_KEYS.get(str(entry.get("action", "")))
        count = entry.get("count", 0)
        # What happened first, then when and how much on a line of its own: a fixed
        # column for the time wrapped "kl. 09.37" onto a second line on the tablet.
        rows.append(ft.Column([
            ft.Text(t(action) if action else t("audit.other"), weight=ft.FontWeight.W_500),
            ft.Text(" · ".join(part for part in (at, t(
                "audit.count", count=count if isinstance(count, int) else 0)) if part),
                size=12, color=ft.Colors.ON_SURFACE_VARIANT),
        ], spacing=0))
    return rows


def _parse_time(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    return moment.astimezone() if moment.tzinfo else moment


Refresh = Callable[[], Awaitable[None]]


def _erasure_opener(shell: Shell, desk: PrivacyDesk, message: ft.Text, button: ft.Control,
                    refresh_audit: Refresh) -> Refresh:
    t = shell.session.texts

    async def open_dialog() -> None:
        with busy(button):
            try:
                delete, keep = await asyncio.to_thread(desk.erasure_counts)
            except (InputRejected, StorageError) as err:
                _say(message, describe(err, t), error=True)
                return
        send = ft.FilledButton(t("privacy.erase_send"), icon=ft.Icons.SEND)

        async def confirm() -> None:
            with busy(send):
                try:
                    await asyncio.to_thread(desk.request_erasure)
                except (InputRejected, StorageError) as err:
                    shell.page.pop_dialog()
                    _say(message, describe(err, t), error=True)
                    shell.page.update()
                    return
            shell.page.pop_dialog()
            _say(message, t("privacy.erase_sent"))
            await refresh_audit()
            shell.page.update()

        async def cancel() -> None:
            shell.page.pop_dialog()

        send.on_click = confirm
        shell.page.show_dialog(ft.AlertDialog(
            title=ft.Text(t("privacy.erase_confirm_title")),
            content=ft.Column([
                ft.Text(t("privacy.erase_deleted", count=delete), weight=ft.FontWeight.W_500),
                ft.Text(t("privacy.erase_deleted_what")),
                ft.Text(t("privacy.erase_kept", count=keep), weight=ft.FontWeight.W_500),
                ft.Text(t("privacy.erase_kept_why")),
            ], tight=True, width=420, scroll=ft.ScrollMode.AUTO),
            actions=[ft.TextButton(t("common.cancel"), on_click=cancel), send],
        ))

    return open_dialog


def _retention_part(shell: Shell, desk: PrivacyDesk, message: ft.Text,
                    refresh_audit: Refresh) -> list[ft.Control]:
    t = shell.session.texts
    years = ft.TextField(label=t("retention.years", min=MIN_YEARS, max=MAX_YEARS),
                         value=str(DEFAULT_YEARS), width=260,
                         keyboard_type=ft.KeyboardType.NUMBER)
    found = ft.Column([], spacing=4)
    show = ft.OutlinedButton(t("retention.preview"), icon=ft.Icons.PREVIEW)
    delete = ft.FilledButton(t("retention.delete"), icon=ft.Icons.DELETE_FOREVER)

    def read_years() -> int | None:
        try:
            value = parse_years(years.value or "")
        except InputRejected as err:
            years.error = describe(err, t)
            _say(message, describe(err, t), error=True)
            return None
        years.error = None
        return value

    async def load() -> list[StoredItem] | None:
        value = read_years()
        if value is None:
            return None
        try:
            items = await asyncio.to_thread(desk.preview, value)
        except (InputRejected, StorageError) as err:
            _say(message, describe(err, t), error=True)
            return None
        found.controls = _preview_rows(items, t)
        _say(message, "")
        return items

    async def preview() -> None:
        with busy(show, delete):
            await load()

    async def ask_delete() -> None:
        with busy(show, delete):
            items = await load()
        if not items:
            return
        go = ft.FilledButton(t("retention.delete_confirm"), icon=ft.Icons.DELETE_FOREVER)

        async def confirm() -> None:
            with busy(go):
                try:
                    count = await asyncio.to_thread(desk.delete, items)
                except (InputRejected, StorageError) as err:
                    shell.page.pop_dialog()
                    _say(message, describe(err, t), error=True)
                    await refresh_audit()
                    shell.page.update()
                    return
            shell.page.pop_dialog()
            found.controls = []
            _say(message, t("retention.deleted", count=count))
            shell.sync_soon()
            await refresh_audit()
            shell.page.update()

        async def cancel() -> None:
            shell.page.pop_dialog()

        go.on_click = confirm
        shell.page.show_dialog(ft.AlertDialog(
            title=ft.Text(t("retention.delete_title")),
            content=ft.Text(t("retention.delete_question", count=len(items))),
            actions=[ft.TextButton(t("common.cancel"), on_click=cancel), go],
        ))

    show.on_click = preview
    delete.on_click = ask_delete
    years.on_submit = preview
    return [
        ft.Text(t("retention.title"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        ft.Text(t("retention.help")),
        years,
        ft.Row([show, delete], wrap=True, spacing=8, run_spacing=8),
        found,
    ]


def _preview_rows(items: list[StoredItem], t: Texts) -> list[ft.Control]:
    if not items:
        return [ft.Text(t("retention.nothing"))]
    rows: list[ft.Control] = [ft.Text(t("retention.would_delete", count=len(items)),
                                      weight=ft.FontWeight.W_500)]
    rows.extend(
        ft.Text(" · ".join(part for part in (
            t(f"kind.{item.kind.value}"),
            when(item.planned_at.date() if item.planned_at else None, t)
            or t("conv.no_date"),
            t(f"state.{item.state.value}"),
            t("retention.last_activity", date=when(item.last_activity, t)),
        ) if part))
        for item in items
    )
    return rows

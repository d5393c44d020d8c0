"""Mine enheder (my devices, adding one with a code, reporting one lost) and, on a new
device, joining my profile with that code or starting again after a lost device.

The screens only show what ``services.devices`` says and wait for what a person waits
for: the other device, looked for on the share every ``POLL_SECONDS`` while the screen
is showing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from conversations.devices import DeviceEntry
from conversations.model import InputRejected
from services.devices import POLL_SECONDS, Joining, Recovering
from services.session import MIN_PIN
from storage import StorageError
from sync.share import SyncError
from views.common import busy, describe, page_column, said, secret_field, when
from views.shell import Route
from views.widgets import back_bar

if TYPE_CHECKING:
    from resources.texts import Texts
    from views.shell import Shell

PROBLEMS = (InputRejected, StorageError, SyncError)
_WAITING: set[asyncio.Task[None]] = set()  # kept until done, so none is collected early


def in_background(waiting: Awaitable[None]) -> None:
    """Runs a screen's wait for the other device beside the tap that started it."""
    task = asyncio.ensure_future(waiting)
    _WAITING.add(task)
    task.add_done_callback(_WAITING.discard)


def showing(shell: Shell, content: ft.Control) -> bool:
    """Whether ``content`` is still the screen shown (the person has not left it)."""
    controls = shell.page.controls
    return bool(controls) and isinstance(controls[0], ft.Row) and bool(
        controls[0].controls) and controls[0].controls[0] is content


def title(text: str) -> ft.Text:
    return ft.Text(text, theme_style=ft.TextThemeStyle.TITLE_MEDIUM)



def boxed(control: ft.Control) -> ft.Control:
    return ft.Container(control, padding=16, border_radius=ft.BorderRadius.all(12),
                        bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST)


def big(text: str, label: str) -> ft.Text:
    return ft.Text(text, size=28, weight=ft.FontWeight.BOLD, font_family="monospace",
                   selectable=True, semantics_label=label)


# --- Mine enheder -------------------------------------------------------------------


async def show_devices(shell: Shell, notice: str = "") -> None:
    session, t = shell.session, shell.session.texts
    devices = session.devices
    await asyncio.to_thread(devices.ensure_listed, t("devices.first_name"))
    entries = await asyncio.to_thread(devices.entries)
    here = await asyncio.to_thread(devices.this_device)
    waiting_for_hr = await asyncio.to_thread(devices.new_keys_waiting)
    message = ft.Text(notice, color=ft.Colors.PRIMARY)
    adding = ft.Column([], spacing=12)
    body_start: list[ft.Control] = [ft.Text(t("devices.intro"))]
    if notice:
        body_start.append(message)
    add = ft.FilledButton(t("devices.add"), icon=ft.Icons.ADD_TO_HOME_SCREEN)
    body: list[ft.Control] = body_start
    if waiting_for_hr:
        body.append(boxed(ft.Text(t("devices.waiting_for_hr"))))
    body.extend(device_card(shell, entry, here, message) for entry in entries)
    body.extend([ft.Divider(), title(t("devices.add_title")), ft.Text(t("devices.add_help")),
                 add, adding])
    if not notice:
        body.append(message)  # where a problem with adding shows
    content = page_column(body)

    async def start() -> None:
        if add.disabled:
            return
        with busy(add):
            message.value, message.color = t("devices.making_code"), None
            message.update()
            try:
                code = await asyncio.to_thread(devices.start_adding)
            except PROBLEMS as err:
                message.value, message.color = describe(err, t), ft.Colors.ERROR
                return
        message.value = ""
        add.visible = False
        content.update()  # busy() updated the page already: Flet will not again
        in_background(wait_for_new_device(shell, content, code, adding, message))

    add.on_click = start
    shell.show(content, back_bar(shell, t("devices.title"), shell.to(Route.SETTINGS)))


def device_card(shell: Shell, entry: DeviceEntry, here: str, message: ft.Text) -> ft.Control:
    t = shell.session.texts
    lines: list[ft.Control] = [
        ft.Text(entry.name + (f" ({t('devices.this_device')})" if entry.device_id == here
                              else ""), weight=ft.FontWeight.BOLD),
        ft.Text(t("devices.added", date=when(entry.added_at, t))),
        ft.Text(t("devices.last_sync", date=when(entry.last_sync, t)) if entry.last_sync
                else t("devices.never_synced")),
    ]
    if entry.lost_at is not None:
        lines.append(ft.Text(t("devices.lost", date=when(entry.lost_at, t)),
                             color=ft.Colors.ERROR))
    elif entry.device_id != here:
        lines.append(ft.OutlinedButton(
            content=said(t("devices.mark_lost"), t("devices.mark_lost_named", name=entry.name)),
            icon=ft.Icons.REPORT, on_click=ask_lost(shell, entry, message)))
    return ft.Card(ft.Container(ft.Column(lines, spacing=6), padding=12))


async def wait_for_new_device(shell: Shell, content: ft.Control, code: str,
                              area: ft.Column, message: ft.Text) -> None:
    """Shows the code, then — once the new device asked — the six digits to compare."""
    session, t = shell.session, shell.session.texts
    devices = session.devices
    adding = devices.adding
    expires = adding.expires if adding is not None else None
    cancel = ft.TextButton(t("devices.cancel"), icon=ft.Icons.CLOSE)

    async def stop() -> None:
        await asyncio.to_thread(devices.cancel)
        await shell.go(Route.DEVICES)

    cancel.on_click = stop
    area.controls = [
        boxed(ft.Column([ft.Text(t("devices.code_title")),
                         big(code, t("devices.code_label", code=" ".join(code)))])),
        ft.Text(t("devices.expires", time=when(expires, t))),
        ft.Row([ft.ProgressRing(width=18, height=18), ft.Text(t("devices.waiting_new"))]),
        cancel,
    ]
    area.update()
    while showing(shell, content):
        try:
            found = await asyncio.to_thread(devices.waiting)
        except PROBLEMS as err:
            message.value, message.color = describe(err, t), ft.Colors.ERROR
            message.update()
            if isinstance(err, InputRejected):
                return
            found = None
        if found is not None:
            show_digits(shell, area, message, *found)
            return
        await asyncio.sleep(POLL_SECONDS)


def show_digits(shell: Shell, area: ft.Column, message: ft.Text, name: str,
                digits: str) -> None:
    t = shell.session.texts
    devices = shell.session.devices
    send = ft.FilledButton(content=said(t("devices.confirm"),
                                        t("devices.confirm_named", name=name)),
                           icon=ft.Icons.CHECK)
    cancel = ft.OutlinedButton(t("devices.differ"), icon=ft.Icons.CLOSE)

    async def confirm() -> None:
        if send.disabled:
            return
        with busy(send, cancel):
            message.value, message.color = t("devices.sending"), None
            message.update()
            try:
                size = await asyncio.to_thread(devices.confirm)
            except PROBLEMS as err:
                message.value, message.color = describe(err, t), ft.Colors.ERROR
                return
        message.value = ""
        area.controls = [boxed(ft.Text(t("devices.sent", name=name,
                                         size=f"{size / 1024:.0f} KB")))]
        area.update()
        message.update()

    async def refuse() -> None:
        await asyncio.to_thread(devices.cancel)
        await shell.go(Route.DEVICES, t("devices.refused"))

    send.on_click, cancel.on_click = confirm, refuse
    area.controls = [
        ft.Text(t("devices.compare", name=name)),
        boxed(big(digits, t("devices.digits_label", digits=digits))),
        ft.Text(t("devices.compare_help")),
        ft.Row([send, cancel], wrap=True),
    ]
    area.update()


def ask_lost(shell: Shell, entry: DeviceEntry, message: ft.Text) -> Callable[[], Any]:
    t = shell.session.texts

    async def open_dialog() -> None:
        yes = ft.FilledButton(content=said(t("devices.lost_yes"),
                                           t("devices.mark_lost_named", name=entry.name)),
                              icon=ft.Icons.REPORT)

        async def report() -> None:
            with busy(yes):
                try:
                    await asyncio.to_thread(shell.session.devices.mark_lost, entry.device_id)
                except PROBLEMS as err:
                    shell.page.pop_dialog()
                    message.value, message.color = describe(err, t), ft.Colors.ERROR
                    message.update()
                    return
            shell.page.pop_dialog()
            await shell.go(Route.DEVICES, t("devices.lost_sent", name=entry.name))

        async def cancel() -> None:
            shell.page.pop_dialog()

        yes.on_click = report
        shell.page.show_dialog(ft.AlertDialog(
            title=ft.Text(t("devices.lost_title", name=entry.name)),
            content=ft.Container(ft.Text(t("devices.lost_body", name=entry.name)), width=380),
            actions=[ft.TextButton(t("common.cancel"), on_click=cancel), yes],
        ))

    return open_dialog


# --- a new device -------------------------------------------------------------------


async def show_join_device(shell: Shell) -> None:
    """On a new device: the share, the code from the other device, a name for this one."""
    session, t = shell.session, shell.session.texts
    joining = Joining(session.device, session.clock)
    location, username, password = share_fields(t)
    code = ft.TextField(label=t("join.code"), capitalization=ft.TextCapitalization.CHARACTERS)
    name = ft.TextField(label=t("join.name"))
    connect = ft.FilledButton(t("join.connect"), icon=ft.Icons.LINK)
    message = ft.Text("")
    area = ft.Column([], spacing=12)
    content = page_column([ft.Text(t("join.body")), location, username, password, code, name,
                           connect, message, area])

    async def start() -> None:
        if connect.disabled:
            return
        with busy(connect):
            message.value, message.color = t("join.working"), None
            message.update()
            try:
                digits = await asyncio.to_thread(
                    joining.start, location.value or "", username.value or "",
                    password.value or "", code.value or "", name.value or "")
            except PROBLEMS as err:
                message.value, message.color = describe(err, t), ft.Colors.ERROR
                return
        message.value = ""
        for field in (location, username, password, code, name, connect):
            field.visible = False
        content.update()  # busy() updated the page already: Flet will not again
        in_background(wait_for_bundle(shell, content, joining, digits, area=area,
                                      message=message))

    connect.on_click = start
    code.on_submit = start
    shell.show(content, back_bar(shell, t("join.title"), shell.start))


def share_fields(t: Texts) -> tuple[ft.TextField, ft.TextField, ft.TextField]:
    """Where the shared drive is, as a newcomer's screens ask for it: the folder or
    smb:// address, and for SMB the user name and password."""
    return (ft.TextField(label=t("settings.share_location"), autofocus=True),
            ft.TextField(label=t("settings.share_username")),
            secret_field(t("settings.share_password"), t))


async def wait_for_bundle(shell: Shell, content: ft.Control, joining: Joining, digits: str,
                          *, area: ft.Column, message: ft.Text) -> None:
    t = shell.session.texts
    area.controls = [
        ft.Text(t("join.compare")),
        boxed(big(digits, t("devices.digits_label", digits=digits))),
        ft.Row([ft.ProgressRing(width=18, height=18), ft.Text(t("join.waiting"))]),
    ]
    area.update()
    while showing(shell, content):
        try:
            arrived = await asyncio.to_thread(joining.poll)
        except PROBLEMS as err:
            message.value, message.color = describe(err, t), ft.Colors.ERROR
            area.controls = [ft.OutlinedButton(t("join.again"), icon=ft.Icons.REFRESH,
                                               on_click=shell.to(Route.JOIN_DEVICE))]
            area.update()
            message.update()
            return
        if arrived:
            choose_pin(shell, joining, area, message)
            area.update()
            return
        await asyncio.sleep(POLL_SECONDS)


def choose_pin(shell: Shell, joining: Joining | Recovering, area: ft.Column, message: ft.Text,
               *, received: str = "join.received") -> None:
    session, t = shell.session, shell.session.texts
    pin = secret_field(t("create.pin"), t)
    again = secret_field(t("create.pin_again"), t)
    finish = ft.FilledButton(t("join.finish"), icon=ft.Icons.LOCK)

    async def done() -> None:
        if finish.disabled:
            return
        with busy(finish):
            message.value, message.color = t("join.finishing"), None
            message.update()
            try:
                symbol = await asyncio.to_thread(session.free_symbol)
                code = await asyncio.to_thread(joining.finish, session, pin.value or "",
                                               again.value or "", symbol=symbol)
            except PROBLEMS as err:
                message.value, message.color = describe(err, t), ft.Colors.ERROR
                return
        await shell.go(Route.RECOVERY_CODE, code)

    finish.on_click = done
    again.on_submit = done
    area.controls = [boxed(ft.Text(t(received, name=joining.person_name()))),
                     ft.Text(t("create.pin_help", min=MIN_PIN),
                             color=ft.Colors.ON_SURFACE_VARIANT),
                     pin, again, finish]


async def show_lost_device(shell: Shell) -> None:
    """On a new device, without the old one: the recovery code brings the person's keys
    and conversations back; without it, a profile and a request to HR."""
    t = shell.session.texts
    shell.show(
        page_column([
            ft.Text(t("restore.offer")),
            ft.FilledButton(t("restore.start"), icon=ft.Icons.KEY,
                            on_click=shell.to(Route.RESTORE_PROFILE)),
            ft.Divider(),
            ft.Text(t("lost.body")),
            boxed(ft.Text(t("lost.warning"))),
            ft.OutlinedButton(t("lost.create"), icon=ft.Icons.PERSON_ADD,
                              on_click=shell.to(Route.CREATE_PROFILE)),
        ]),
        back_bar(shell, t("lost.title"), shell.start),
    )


async def show_restore_profile(shell: Shell) -> None:
    """On a new device: the share and the recovery code; then whose profile it is and
    a PIN for this device."""
    session, t = shell.session, shell.session.texts
    recovering = Recovering(session.device)
    location, username, password = share_fields(t)
    code = ft.TextField(label=t("recover.code"),
                        capitalization=ft.TextCapitalization.CHARACTERS)
    connect = ft.FilledButton(t("restore.connect"), icon=ft.Icons.SEARCH)
    message = ft.Text("")
    area = ft.Column([], spacing=12)
    content = page_column([ft.Text(t("restore.body")), location, username, password, code,
                           connect, message, area])

    async def start() -> None:
        if connect.disabled:
            return
        with busy(connect):
            message.value, message.color = t("restore.working"), None
            message.update()
            try:
                await asyncio.to_thread(recovering.start, location.value or "",
                                        username.value or "", password.value or "",
                                        code.value or "")
            except PROBLEMS as err:
                message.value, message.color = describe(err, t), ft.Colors.ERROR
                return
        message.value = ""
        for field in (location, username, password, code, connect):
            field.visible = False
        choose_pin(shell, recovering, area, message, received="restore.received")
        content.update()

    connect.on_click = start
    code.on_submit = start
    shell.show(content, back_bar(shell, t("restore.title"), shell.start))

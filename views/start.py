"""Before a vault is open: welcome, a new profile, its recovery code, unlock, recover."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

import flet as ft

from conversations.demo import DEMO_PIN
from conversations.model import InputRejected
from services.session import MIN_PIN
from storage import ProfileInfo, StorageError
from views.common import (
    SYMBOLS,
    busy,
    describe,
    icon_button,
    page_column,
    said,
    secret_field,
    symbol,
)
from views.shell import Route

if TYPE_CHECKING:
    from views.shell import Shell


def language_switch(shell: Shell) -> ft.Control:
    t = shell.session.texts

    async def switch(e: ft.Event[ft.TextButton]) -> None:
        shell.session.set_language("en" if t.lang == "da" else "da")
        await shell.refresh()

    return ft.TextButton(
        said(t("start.other_language"), t("start.other_language_tooltip")),
        icon=ft.Icons.LANGUAGE,
        on_click=switch,
    )


def start_appbar(shell: Shell) -> ft.AppBar:
    return ft.AppBar(
        title=ft.Text(shell.session.texts("app.name")),
        actions=[language_switch(shell)],
    )


async def show_welcome(shell: Shell) -> None:
    t = shell.session.texts
    error = ft.Text("", color=ft.Colors.ERROR)
    create = ft.FilledButton(
        t("start.create_profile"), icon=ft.Icons.PERSON_ADD, on_click=shell.to(show_create)
    )
    demo_button = ft.OutlinedButton(t("start.try_demo"), icon=ft.Icons.SCIENCE)

    async def try_demo() -> None:
        if demo_button.disabled:
            return
        with busy(create, demo_button):
            error.value = t("start.demo_working")
            error.color = None
            error.update()
            try:
                await asyncio.to_thread(shell.session.create_demo)
            except (InputRejected, StorageError) as err:
                error.value, error.color = describe(err, t), ft.Colors.ERROR
                return
        await shell.home(notice=t("start.demo_ready", pin=DEMO_PIN))

    demo_button.on_click = try_demo
    already = ft.OutlinedButton(t("join.start"), icon=ft.Icons.DEVICES,
                                on_click=shell.to(Route.JOIN_DEVICE))
    lost = ft.TextButton(t("lost.start"), icon=ft.Icons.PHONELINK_ERASE,
                         on_click=shell.to(Route.LOST_DEVICE))
    shell.show(
        page_column(
            [
                ft.Icon(ft.Icons.FORUM, size=56, color=ft.Colors.PRIMARY),
                ft.Text(t("start.welcome_title"), theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
                ft.Text(t("start.welcome_body")),
                ft.Text(t("start.privacy"), color=ft.Colors.ON_SURFACE_VARIANT),
                create,
                already,
                demo_button,
                lost,
                error,
            ]
        ),
        start_appbar(shell),
    )


async def show_create(shell: Shell) -> None:
    t = shell.session.texts
    name = ft.TextField(label=t("create.name"), autofocus=True)
    leader = ft.Switch(label=t("create.is_leader"), value=False)
    pin = secret_field(t("create.pin"), t)
    pin_again = secret_field(t("create.pin_again"), t)
    chosen = {"symbol": await asyncio.to_thread(shell.session.free_symbol)}
    symbols = ft.Row(wrap=True, spacing=4)

    def pick(index: int) -> Callable[[], None]:
        def choose() -> None:
            # Only the selection changes: the buttons stay the same controls, so the one
            # just tapped keeps its focus and the next field's tap is not undone.
            chosen["symbol"] = index
            for number, button in enumerate(buttons):
                button.selected = number == index

        return choose

    buttons = [
        icon_button(
            icon, t("create.symbol_named", symbol=t(key)),
            on_click=pick(index),
            icon_color=colour,
            selected=index == chosen["symbol"],
            style=ft.ButtonStyle(bgcolor={ft.ControlState.SELECTED: ft.Colors.PRIMARY_CONTAINER}),
        )
        for index, (icon, key, colour) in enumerate(SYMBOLS)
    ]
    symbols.controls = list[ft.Control](buttons)
    error = ft.Text("", color=ft.Colors.ERROR)
    submit = ft.FilledButton(t("create.submit"), icon=ft.Icons.LOCK)

    async def create() -> None:
        if submit.disabled:  # Enter and a tap on the button at once
            return
        session = shell.session
        try:
            session.check_new_profile(name.value or "", pin.value or "", pin_again.value or "")
        except InputRejected as err:
            error.value = describe(err, t)
            return
        with busy(submit):
            error.value, error.color = t("create.working"), None
            error.update()
            try:
                code = await asyncio.to_thread(
                    session.create_profile,
                    name.value or "",
                    pin.value or "",
                    pin_again.value or "",
                    leader=bool(leader.value),
                    symbol=chosen["symbol"],
                )
            except (InputRejected, StorageError) as err:
                error.value, error.color = describe(err, t), ft.Colors.ERROR
                return
        await show_recovery_code(shell, code)

    submit.on_click = create
    pin_again.on_submit = create
    shell.show(
        page_column(
            [
                ft.Text(t("create.title"), theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
                name,
                leader,
                ft.Text(t("create.symbol_help")),
                symbols,
                ft.Text(t("create.pin_help", min=MIN_PIN), color=ft.Colors.ON_SURFACE_VARIANT),
                pin,
                pin_again,
                submit,
                error,
            ]
        ),
        ft.AppBar(
            leading=icon_button(ft.Icons.ARROW_BACK, t("common.back"), on_click=shell.start),
            title=ft.Text(t("create.title")),
        ),
    )


async def show_recovery_code(shell: Shell, code: str) -> None:
    t = shell.session.texts
    go_on = ft.FilledButton(t("recovery.continue"), icon=ft.Icons.ARROW_FORWARD, disabled=True,
                            on_click=shell.go_home)

    def confirmed(e: ft.Event[ft.Checkbox]) -> None:
        go_on.disabled = not e.control.value

    shell.show(
        page_column(
            [
                ft.Text(t("recovery.title"), theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
                ft.Text(t("recovery.body")),
                ft.Container(
                    ft.Text(code, selectable=True, size=24, weight=ft.FontWeight.BOLD,
                            font_family="monospace", semantics_label=t("recovery.code_label",
                                                                       code=code)),
                    padding=16,
                    border_radius=ft.BorderRadius.all(12),
                    bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
                ),
                ft.Text(t("recovery.once"), color=ft.Colors.ERROR),
                ft.Checkbox(label=t("recovery.written_down"), on_change=confirmed),
                go_on,
            ]
        ),
        ft.AppBar(title=ft.Text(t("recovery.title")), automatically_imply_leading=False),
    )


async def show_unlock(shell: Shell, notice: str = "") -> None:
    t = shell.session.texts
    profiles = await asyncio.to_thread(shell.session.profiles)
    damaged = len(shell.session.device.problems)
    if not profiles and not damaged:
        await show_welcome(shell)
        return
    selected: dict[str, ProfileInfo | None] = {"p": profiles[0] if len(profiles) == 1 else None}
    chooser = ft.Row(wrap=True, spacing=8)
    pin = secret_field(t("unlock.pin"), t,
                       autofocus=True)
    message = ft.Text(notice, color=ft.Colors.ON_SURFACE_VARIANT)
    unlock_button = ft.FilledButton(t("unlock.submit"), icon=ft.Icons.LOCK_OPEN)
    pin_area = ft.Column([pin, unlock_button], visible=selected["p"] is not None)

    def draw() -> None:
        chooser.controls = []
        for info in profiles:
            icon, key, colour = symbol(info.symbol)
            label = t("unlock.profile_named", symbol=t(key))
            chooser.controls.append(
                ft.Container(
                    ft.Column(
                        [ft.Icon(icon, color=colour, size=40), ft.Text(t(key))],
                        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
                        spacing=4,
                    ),
                    padding=12,
                    width=104,
                    border_radius=ft.BorderRadius.all(12),
                    bgcolor=(
                        ft.Colors.PRIMARY_CONTAINER
                        if selected["p"] is info
                        else ft.Colors.SURFACE_CONTAINER
                    ),
                    tooltip=label,
                    on_click=choose(info),
                )
            )

    def choose(info: ProfileInfo) -> Callable[[], None]:
        def handler() -> None:
            selected["p"] = info
            pin_area.visible = True
            draw()

        return handler

    async def unlock() -> None:
        info = selected["p"]
        if info is None or unlock_button.disabled:
            return
        with busy(unlock_button):
            message.value, message.color = t("unlock.working"), None
            message.update()
            try:
                await asyncio.to_thread(shell.session.unlock, info.id, pin.value or "")
            except (InputRejected, StorageError) as err:
                message.value, message.color = describe(err, t), ft.Colors.ERROR
                pin.value = ""
                return
        await shell.home()

    unlock_button.on_click = unlock
    pin.on_submit = unlock
    draw()

    async def forgot() -> None:
        info = selected["p"]
        if info is None:
            message.value, message.color = t("unlock.choose_first"), ft.Colors.ERROR
            return
        await show_recover(shell, info)

    shell.show(
        page_column(
            [
                ft.Text(t("unlock.title"), theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
                ft.Text(t("unlock.choose")),
                chooser,
                ft.Text(t("unlock.damaged", count=damaged), color=ft.Colors.ERROR,
                        visible=damaged > 0),
                pin_area,
                message,
                ft.Divider(),
                ft.Row(
                    [
                        ft.TextButton(t("unlock.forgot"), icon=ft.Icons.KEY, on_click=forgot),
                        ft.TextButton(t("start.create_profile"), icon=ft.Icons.PERSON_ADD,
                                      on_click=shell.to(show_create)),
                        ft.TextButton(t("join.start"), icon=ft.Icons.DEVICES,
                                      on_click=shell.to(Route.JOIN_DEVICE)),
                        ft.TextButton(t("lost.start"), icon=ft.Icons.PHONELINK_ERASE,
                                      on_click=shell.to(Route.LOST_DEVICE)),
                    ],
                    wrap=True,
                ),
            ]
        ),
        start_appbar(shell),
    )


async def show_recover(shell: Shell, info: ProfileInfo) -> None:
    t = shell.session.texts
    code = ft.TextField(label=t("recover.code"), autofocus=True,
                        capitalization=ft.TextCapitalization.CHARACTERS)
    pin = secret_field(t("create.pin"), t)
    pin_again = secret_field(t("create.pin_again"), t)
    message = ft.Text("", color=ft.Colors.ERROR)
    submit = ft.FilledButton(t("recover.submit"), icon=ft.Icons.LOCK_RESET)

    async def recover() -> None:
        if submit.disabled:
            return
        with busy(submit):
            try:
                await asyncio.to_thread(
                    shell.session.recover, info.id, code.value or "", pin.value or "",
                    pin_again.value or "",
                )
            except (InputRejected, StorageError) as err:
                message.value = describe(err, t)
                return
        await shell.home(notice=t("recover.done"))

    submit.on_click = recover
    shell.show(
        page_column([ft.Text(t("recover.body")), code, pin, pin_again, submit, message]),
        ft.AppBar(
            leading=icon_button(ft.Icons.ARROW_BACK, t("common.back"), on_click=shell.start),
            title=ft.Text(t("recover.title")),
        ),
    )

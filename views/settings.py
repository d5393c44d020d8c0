"""Settings: language and PIN."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import flet as ft

from conversations.model import InputRejected
from conversations.texts import LANGUAGES
from storage import StorageError
from views.common import busy, describe, icon_button, page_column, secret_field
from views.shell import Route

if TYPE_CHECKING:
    from views.shell import Shell


async def _organisation(shell: Shell) -> None:
    await shell.go(Route.ORGANISATION)


async def show_settings(shell: Shell) -> None:
    session, t = shell.session, shell.session.texts

    async def language(e: ft.Event[ft.RadioGroup]) -> None:
        await asyncio.to_thread(session.set_language, e.control.value or "da")
        await shell.refresh()

    languages = ft.RadioGroup(
        ft.Row([ft.Radio(value=code, label=t(f"language.{code}")) for code in LANGUAGES]),
        value=t.lang,
        on_change=language,
    )
    old = secret_field(t("settings.old_pin"), t)
    new = secret_field(t("settings.new_pin"), t)
    again = secret_field(t("settings.new_pin_again"), t)
    message = ft.Text("")
    change = ft.FilledButton(t("settings.change_pin"), icon=ft.Icons.PASSWORD)

    async def change_pin() -> None:
        if change.disabled:
            return
        with busy(change):
            try:
                await asyncio.to_thread(session.change_pin, old.value or "", new.value or "",
                                        again.value or "")
            except (InputRejected, StorageError) as err:
                message.value, message.color = describe(err, t), ft.Colors.ERROR
                return
            old.value = new.value = again.value = ""
            message.value, message.color = t("settings.pin_changed"), ft.Colors.PRIMARY

    change.on_click = change_pin

    current = await asyncio.to_thread(session.share_settings)
    location = ft.TextField(label=t("settings.share_location"), value=current["location"])
    username = ft.TextField(label=t("settings.share_username"), value=current["username"])
    password = secret_field(t("settings.share_password"), t, value=current["password"])
    share_message = ft.Text("")
    save_share = ft.FilledButton(t("settings.share_save"), icon=ft.Icons.FOLDER_SHARED)

    async def keep_share() -> None:
        if save_share.disabled:
            return
        with busy(save_share):
            try:
                await asyncio.to_thread(session.set_share, location.value or "",
                                        username.value or "", password.value or "")
            except (InputRejected, StorageError) as err:
                share_message.value, share_message.color = describe(err, t), ft.Colors.ERROR
                return
            share_message.value = t("settings.share_saved")
            share_message.color = ft.Colors.PRIMARY
        shell.sync_soon()

    save_share.on_click = keep_share
    minutes = round(session.idle_seconds / 60)
    shell.show(
        page_column(
            [
                ft.Text(t("settings.language"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
                languages,
                ft.Divider(),
                ft.Text(t("settings.pin"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
                old,
                new,
                again,
                change,
                message,
                ft.Divider(),
                ft.Text(t("settings.share"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
                ft.Text(t("settings.share_body")),
                location,
                username,
                password,
                save_share,
                share_message,
                ft.OutlinedButton(t("org.title"), icon=ft.Icons.APARTMENT,
                                  on_click=shell.to(_organisation)),
                ft.Divider(),
                ft.Text(t("devices.title"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
                ft.Text(t("devices.settings_body")),
                ft.OutlinedButton(t("devices.title"), icon=ft.Icons.DEVICES,
                                  on_click=shell.to(Route.DEVICES)),
                ft.Divider(),
                ft.Text(t("settings.security"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
                ft.Text(t("settings.security_body", minutes=minutes)),
            ]
        ),
        ft.AppBar(
            leading=icon_button(ft.Icons.ARROW_BACK, t("common.back"), on_click=shell.go_home),
            title=ft.Text(t("settings.title")),
        ),
    )

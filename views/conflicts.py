"""Settling conflicts: both values side by side, the person keeps one."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import flet as ft

from conversations.model import InputRejected
from resources.texts import Texts
from services.session import ConflictItem
from storage import StorageError
from views.common import WIDE, busy, describe, icon_button, page_column, said

if TYPE_CHECKING:
    from views.shell import Shell


def shown(value: Any, t: Texts) -> str:
    """A clashing value as a person reads it; a removed answer says so."""
    if value is None or (isinstance(value, dict) and "no_value" in value):
        return t("conflict.empty")
    return str(value)


async def show_conflicts(shell: Shell) -> None:
    session, t = shell.session, shell.session.texts
    items = await asyncio.to_thread(session.open_conflicts)
    body: list[ft.Control] = [ft.Text(t("conflict.intro"))]
    if not items:
        body.append(ft.Text(t("conflict.none"), color=ft.Colors.PRIMARY))
    wide = (shell.page.width or 0) >= WIDE
    for number, item in enumerate(items, start=1):
        body.append(conflict_card(shell, item, number, wide))
    shell.show(
        page_column(body),
        ft.AppBar(
            leading=icon_button(ft.Icons.ARROW_BACK, t("common.back"), on_click=shell.go_home),
            title=ft.Text(t("conflict.title", count=len(items))),
        ),
    )


def conflict_card(shell: Shell, item: ConflictItem, number: int, wide: bool) -> ft.Control:
    t = shell.session.texts
    message = ft.Text("", color=ft.Colors.ERROR, visible=False)
    buttons: list[ft.FilledTonalButton] = []

    def side(value: Any, choice: str, label: str) -> ft.Control:
        button = ft.FilledTonalButton(
            said(t("conflict.keep", version=label),
                 t("conflict.keep_named", version=label, number=number)),
            icon=ft.Icons.CHECK,
        )

        async def keep() -> None:
            if button.disabled:
                return
            with busy(*buttons):
                try:
                    await asyncio.to_thread(shell.session.settle, item, choice)
                except (InputRejected, StorageError) as err:
                    message.value, message.visible = describe(err, t), True
                    return
            await shell.go(show_conflicts)

        button.on_click = keep
        buttons.append(button)
        return ft.Container(
            ft.Column([ft.Text(label, weight=ft.FontWeight.BOLD),
                       ft.Text(text := shown(value, t), selectable=True,
                               semantics_label=text), button], spacing=8),
            padding=12, expand=True, border_radius=ft.BorderRadius.all(8),
            bgcolor=ft.Colors.SURFACE_CONTAINER_HIGH,
        )

    first = side(item.ours, "ours", t("conflict.version", number=1))
    second = side(item.theirs, "theirs", t("conflict.version", number=2))
    pair: ft.Control = ft.Row([first, second], vertical_alignment=ft.CrossAxisAlignment.START) \
        if wide else ft.Column([first, second])
    return ft.Card(
        ft.Container(
            ft.Column([ft.Text(f"{number}. {item.label}", weight=ft.FontWeight.W_500), pair,
                       message], spacing=10),
            padding=12,
        )
    )

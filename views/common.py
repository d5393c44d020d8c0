"""Small pieces every screen uses: symbols, error texts, autosave, busy state."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import inspect
import math
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import flet as ft
from babel.dates import format_date, format_datetime, format_time

from conversations.model import InputRejected
from resources.texts import Texts
from storage import StorageError, TooSoon, WrongPin
from sync.share import SyncError

PAGE_WIDTH = 760
WIDE = 900
SAVE_DELAY = 0.8

# A picture per profile, so people on a shared tablet find their own without any
# name on disk. Index = the symbol number stored in the vault header.
SYMBOLS: tuple[tuple[ft.IconData, str, str], ...] = (
    (ft.Icons.PARK, "symbol.tree", ft.Colors.GREEN_700),
    (ft.Icons.SAILING, "symbol.boat", ft.Colors.BLUE_700),
    (ft.Icons.WB_SUNNY, "symbol.sun", ft.Colors.AMBER_800),
    (ft.Icons.LOCAL_FLORIST, "symbol.flower", ft.Colors.PINK_600),
    (ft.Icons.PETS, "symbol.paw", ft.Colors.BROWN_600),
    (ft.Icons.STAR, "symbol.star", ft.Colors.DEEP_PURPLE_600),
    (ft.Icons.FAVORITE, "symbol.heart", ft.Colors.RED_700),
    (ft.Icons.BEDTIME, "symbol.moon", ft.Colors.INDIGO_700),
)


def symbol(index: int) -> tuple[ft.IconData, str, str]:
    return SYMBOLS[index % len(SYMBOLS)]


def describe(error: Exception, t: Texts) -> str:
    """A message a person can act on, in their language."""
    if isinstance(error, WrongPin):
        if error.retry_after > 0:
            return t("error.wrong_pin_wait", seconds=math.ceil(error.retry_after))
        return t("error.wrong_pin")
    if isinstance(error, TooSoon):
        return t("error.too_soon", seconds=math.ceil(error.retry_after))
    if isinstance(error, InputRejected | StorageError | SyncError):
        params = dict(getattr(error, "params", {}) or {})
        return t(error.key, **params)
    return t("error.unexpected")


def clock_time(moment: dt.datetime, t: Texts) -> str:
    return format_time(moment, t("format.time"), locale=t.lang)


def when(moment: dt.datetime | dt.date | None, t: Texts) -> str:
    """A date, or a date and time, the way the person's language writes it."""
    if moment is None:
        return ""
    if isinstance(moment, dt.datetime):
        return format_datetime(moment, t("format.datetime"), locale=t.lang)
    return format_date(moment, t("format.date"), locale=t.lang)


def icon_button(icon: ft.IconData, name: str, on_click: Any = None,
                **options: Any) -> ft.IconButton:
    """An icon button named on the button itself, as a screen reader announces it: what
    it does and to what ("Slet mål 2").

    No tooltip: in Flutter's web client a tooltip names only itself, stays over the
    content after a tap, and a button wrapped in one that changes or goes at a tap (a
    chosen symbol, the + button leaving with home) takes the keyboard focus from the
    field tapped next."""
    return ft.IconButton(icon=ft.Icon(icon, semantics_label=name), on_click=on_click,
                         **options)


def secret_field(label: str, t: Texts, **settings: Any) -> ft.TextField:
    """A PIN or password field with a button that shows what is typed, named for its
    field ("Vis det skrevne i »Ny PIN-kode«"): Flutter's own reveal button has no name,
    and three of them on one screen could not be told apart."""
    field = ft.TextField(label=label, password=True, **settings)

    def reveal_button() -> ft.IconButton:
        hidden = bool(field.password)
        return icon_button(ft.Icons.VISIBILITY if hidden else ft.Icons.VISIBILITY_OFF,
                           t("common.show_secret" if hidden else "common.hide_secret",
                             field=label), on_click=toggle)

    def toggle() -> None:
        field.password = not field.password
        field.suffix_icon = reveal_button()

    field.suffix_icon = reveal_button()
    return field


def said(shown: str, name: str) -> ft.Text:
    """A button's short visible text with the fuller name a screen reader reads out
    ("Godkend" that says "Godkend Birgitte Holm"): a tooltip would name it too, but
    pops up over the content at a tap."""
    return ft.Text(shown, semantics_label=name)


def named(choice: ft.Dropdown) -> ft.Control:
    """A dropdown as wide as its place, so the chosen value is not cut on a phone, and
    named as a screen reader meets it: Flutter leaves a closed dropdown an unnamed
    button, so its label and chosen value are merged into that button (the value kept
    up to date as the choice changes). In a ResponsiveRow the dropdown's ``col`` holds."""
    if choice.width is None:
        choice.expand = True
    said_value = ft.Semantics(label=str(choice.label or ""), value=chosen_text(choice),
                              content=ft.Row([choice], spacing=0))
    before = choice.on_select

    async def selected(e: ft.Event[ft.Dropdown]) -> None:
        said_value.value = chosen_text(choice)
        if before is None:
            return
        outcome = before(e) if inspect.signature(before).parameters else before()  # type: ignore[call-arg]
        if inspect.isawaitable(outcome):
            await outcome

    choice.on_select = selected
    return ft.MergeSemantics(said_value, col=choice.col)


def chosen_text(choice: ft.Dropdown) -> str:
    """The text of the option chosen in ``choice``, or "" when none is."""
    return next((o.text or o.key or "" for o in choice.options or []
                 if o.key == choice.value), "")


def page_column(controls: list[ft.Control], *, scroll: bool = True) -> ft.Control:
    """Content centred with a readable width on tablets, edge to edge on phones."""
    # The top space lies inside the scrolling column: a first field's floating label
    # stands above the field and was cut off by the column's edge.
    column = ft.Column(
        [ft.Container(height=0), *controls],
        spacing=16,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        scroll=ft.ScrollMode.AUTO if scroll else None,
        expand=True,
    )
    return ft.Container(
        content=column,
        padding=ft.Padding.only(left=16, right=16, bottom=12),
        width=PAGE_WIDTH,
        expand=True,
    )


def centred(content: ft.Control) -> ft.Control:
    return ft.Row([content], alignment=ft.MainAxisAlignment.CENTER, expand=True,
                  vertical_alignment=ft.CrossAxisAlignment.START)


class Debouncer:
    """Runs ``action`` once typing pauses; ``flush`` runs it now (leaving a field)."""

    def __init__(self, action: Callable[[], Awaitable[None]], delay: float = SAVE_DELAY) -> None:
        self.action = action
        self.delay = delay
        self._pending: asyncio.Task[None] | None = None

    def poke(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
        self._pending = asyncio.get_running_loop().create_task(self._later())

    async def _later(self) -> None:
        await asyncio.sleep(self.delay)
        self._pending = None
        await self.action()

    async def flush(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        await self.action()


@contextlib.contextmanager
def busy(*controls: ft.Control) -> Iterator[None]:
    """Disables buttons while slow work runs, so a second tap does nothing.

    Flet skips its automatic update after a handler that called ``update()`` itself,
    so whatever the block changed is pushed here on the way out."""
    page = controls[0].page
    for control in controls:
        control.disabled = True
    page.update()
    try:
        yield
    finally:
        for control in controls:
            control.disabled = False
        page.update()

"""The app's frame: one ``Shell`` per browser tab or window, and navigation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from conversations.sheets import SheetLibrary
from storage import Device, StorageError
from views.common import centred, describe
from views.session import AppSession

IDLE_CHECK_SECONDS = 5.0
log = logging.getLogger("samtale")

Screen = Callable[..., Awaitable[None]]


class Shell:
    """Shows one screen at a time and remembers how to redraw it (language switch)."""

    def __init__(self, page: ft.Page, session: AppSession) -> None:
        self.page = page
        self.session = session
        self._current: Callable[[], Awaitable[None]] = self.start

    def show(self, content: ft.Control, appbar: ft.AppBar | None = None,
             floating: ft.FloatingActionButton | None = None) -> None:
        self.page.appbar = appbar
        self.page.floating_action_button = floating
        self.page.controls = [centred(content)]
        self.page.update()

    async def go(self, screen: Screen, *args: Any) -> None:
        self.session.touch()

        async def again() -> None:
            await screen(self, *args)

        self._current = again
        await again()

    def to(self, screen: Screen, *args: Any) -> Callable[[], Awaitable[None]]:
        """A click handler that opens ``screen``."""

        async def handler() -> None:
            await self.go(screen, *args)

        return handler

    async def go_home(self) -> None:
        await self.home()

    async def refresh(self) -> None:
        await self._current()

    async def start(self) -> None:
        from views.start import show_unlock

        await self.go(show_unlock)

    async def home(self, notice: str = "") -> None:
        from views.home import show_home

        await self.go(show_home, notice)

    async def lock_now(self) -> None:
        """The lock button: no notice, the person did it themselves."""
        await self.lock()

    async def lock(self, notice: str = "") -> None:
        """Saves open drafts, then forgets the keys. If saving fails the vault stays
        open and the person is told, so nothing typed is lost."""
        from views.prepare import save_open_drafts
        from views.start import show_unlock

        try:
            await save_open_drafts(self)
        except StorageError as err:
            self.toast(self.session.texts("error.not_locked", reason=describe(err,
                                                                              self.session.texts)))
            return
        await asyncio.to_thread(self.session.lock)
        await self.go(show_unlock, notice)

    def toast(self, message: str) -> None:
        self.page.show_dialog(ft.SnackBar(ft.Text(message)))

    async def watch_idle(self) -> None:
        """Locks the vault after a quiet spell; pending answers are saved first. A
        failed save keeps the vault open and is tried again on the next round."""
        while True:
            await asyncio.sleep(IDLE_CHECK_SECONDS)
            if self.session.idle_expired():
                minutes = round(self.session.idle_seconds / 60)
                await self.lock(self.session.texts("unlock.idle_locked", minutes=minutes))


def make_main(
    device: Device, library: SheetLibrary, *, lang: str, idle_seconds: float
) -> Callable[[ft.Page], Awaitable[None]]:
    async def main(page: ft.Page) -> None:
        session = AppSession(device, library, lang=lang, idle_seconds=idle_seconds)
        page.title = session.texts("app.name")
        page.theme = ft.Theme(color_scheme_seed=ft.Colors.TEAL)
        page.padding = 0
        shell = Shell(page, session)
        page.data = shell
        watcher = asyncio.get_running_loop().create_task(shell.watch_idle())

        async def disconnected(e: Any) -> None:
            # The tab may come back (a flaky network, a sleeping tablet): save what was
            # typed and keep everything open.
            try:
                await asyncio.to_thread(session.save_all)
            except StorageError as err:
                log.warning("could not save drafts on disconnect: %s", type(err).__name__)

        async def closed(e: Any) -> None:
            watcher.cancel()
            try:
                await asyncio.to_thread(session.save_all)
            except StorageError as err:
                # Nobody is looking at this tab any more: say what failed, never what
                # was written.
                log.warning("could not save drafts on close: %s", type(err).__name__)
            finally:
                await asyncio.to_thread(session.lock)

        page.on_disconnect = disconnected
        page.on_close = closed
        await shell.start()

    return main

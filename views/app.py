"""The app's frame: one ``Shell`` per browser tab or window, and navigation."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from conversations.model import InputRejected
from conversations.sheets import SheetLibrary
from storage import Device, StorageError
from sync.share import ShareFull, ShareUnavailable, SyncError
from views.common import centred, describe
from views.session import AppSession
from views.sync_bar import SyncBar
from views.syncing import SyncSchedule, SyncState, SyncStatus

IDLE_CHECK_SECONDS = 5.0
SHARE_CHECK_SECONDS = 1.0
log = logging.getLogger("samtale")

Screen = Callable[..., Awaitable[None]]


class Shell:
    """Shows one screen at a time and remembers how to redraw it (language switch)."""

    def __init__(self, page: ft.Page, session: AppSession) -> None:
        self.page = page
        self.session = session
        self._current: Callable[[], Awaitable[None]] = self.start
        self.sync_status = SyncStatus()
        self.schedule = SyncSchedule(time.monotonic)
        self.sync_bar: SyncBar | None = None
        self.on_home = False

    def show(self, content: ft.Control, appbar: ft.AppBar | None = None,
             floating: ft.FloatingActionButton | None = None) -> None:
        self.page.appbar = appbar
        self.page.floating_action_button = floating
        self.page.controls = [centred(content)]
        self.page.update()

    async def go(self, screen: Screen, *args: Any) -> None:
        self.session.touch()
        self.on_home = False
        self.sync_bar = None

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

    # --- the share ------------------------------------------------------------------

    def new_sync_bar(self) -> ft.Control:
        """The status line for the screen being built; it follows every sync."""
        self.sync_bar = SyncBar(self.session.texts, self.sync_now)
        self.sync_bar.show(self.sync_status)
        return self.sync_bar.control

    def sync_soon(self) -> None:
        self.schedule.now()

    async def sync_now(self) -> None:
        if self.sync_status.state is not SyncState.SYNCING:
            await self.sync_once()

    def _show_status(self) -> None:
        if self.sync_bar is not None:
            self.sync_bar.show(self.sync_status)
            self.sync_bar.control.update()

    async def sync_once(self) -> None:
        """One sync in a worker thread; the screen stays usable throughout."""
        loop = asyncio.get_running_loop()
        status = self.sync_status
        status.state, status.phase, status.done, status.total = SyncState.SYNCING, "", 0, 0
        self._show_status()

        def progress(phase: str, done: int) -> None:
            def show() -> None:
                status.phase, status.done = phase, done
                self._show_status()

            loop.call_soon_threadsafe(show)

        try:
            report = await asyncio.to_thread(self.session.sync, progress)
        except (ShareUnavailable, ShareFull) as err:
            self.schedule.unreachable()
            status.state = SyncState.OFFLINE if isinstance(err, ShareUnavailable) \
                else SyncState.FAILED
            status.problem_key = err.key
        except (StorageError, InputRejected, SyncError) as err:
            self.schedule.unreachable()
            status.state, status.problem_key = SyncState.FAILED, err.key
        else:
            self.schedule.succeeded()
            status.synced_at = dt.datetime.now()
            status.conflicts = len(report.conflicts)
            status.state = SyncState.CONFLICTS if report.conflicts else SyncState.SYNCED
            refused = report.refused_concerning(self.session._person().id)
            if refused:  # each forged version is reported by the engine only once
                self.toast(self.session.texts("sync.refused", count=len(refused)))
            if report.pulled and self.on_home:
                await self.home()
                return
        self._show_status()

    async def watch_share(self) -> None:
        """Syncs whenever the share can be reached, without ever making anyone wait."""
        while True:
            await asyncio.sleep(SHARE_CHECK_SECONDS)
            if self.session.vault is not None and self.schedule.due():
                await self.sync_once()

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
    device: Device, library: SheetLibrary, *, lang: str, idle_seconds: float,
    today: dt.date | None = None,
) -> Callable[[ft.Page], Awaitable[None]]:
    """The app for one browser tab. ``today`` fixes the date the app works with (to try
    a follow-up going overdue); the real date otherwise."""
    async def main(page: ft.Page) -> None:
        clock = (lambda: today) if today is not None else dt.date.today
        session = AppSession(device, library, lang=lang, idle_seconds=idle_seconds,
                             today=clock)
        page.title = session.texts("app.name")
        page.theme = ft.Theme(color_scheme_seed=ft.Colors.TEAL)
        page.padding = 0
        shell = Shell(page, session)
        page.data = shell
        loop = asyncio.get_running_loop()
        watchers = [loop.create_task(shell.watch_idle()), loop.create_task(shell.watch_share())]

        async def disconnected(e: Any) -> None:
            # The tab may come back (a flaky network, a sleeping tablet): save what was
            # typed and keep everything open.
            try:
                await asyncio.to_thread(session.save_all)
            except StorageError as err:
                log.warning("could not save drafts on disconnect: %s", type(err).__name__)

        async def closed(e: Any) -> None:
            for watcher in watchers:
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

"""The app's frame: one ``Shell`` per browser tab or window shows one screen at a time,
navigates between screens by ``Route``, keeps the sync going and locks when idle."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import flet as ft

from conversations.model import InputRejected
from services.app import AppSession
from services.syncing import SyncSchedule, SyncState, SyncStatus
from storage import StorageError
from sync.share import ShareFull, ShareUnavailable, SyncError
from views.common import centred, describe
from views.sync_bar import SyncBar

IDLE_CHECK_SECONDS = 5.0
SHARE_CHECK_SECONDS = 1.0
log = logging.getLogger("samtale")

Screen = Callable[..., Awaitable[None]]


class Route(enum.StrEnum):
    """The screens one screen can send a person to. Screens never import each other:
    they ask the shell for a route, and ``views.app`` says which screen draws it."""

    UNLOCK = "unlock"
    HOME = "home"
    CONVERSATION = "conversation"
    INVITATION = "invitation"
    AGREEMENT = "agreement"
    PREPARE = "prepare"
    HOLD = "hold"
    FOLLOW_UP = "follow_up"
    TEAM = "team"
    PLAN = "plan"
    NEW_CONVERSATION = "new_conversation"
    CONFLICTS = "conflicts"
    SETTINGS = "settings"
    ORGANISATION = "organisation"
    COMPETENCES = "competences"
    COURSES = "courses"
    NEW_COURSE = "new_course"
    MED = "med"
    PRIVACY = "privacy"
    YEAR = "year"


class Shell:
    """Shows one screen at a time and remembers how to redraw it (language switch)."""

    def __init__(self, page: ft.Page, session: AppSession,
                 screens: Mapping[Route, Screen]) -> None:
        self.page = page
        self.session = session
        self.screens = screens
        self._current: Callable[[], Awaitable[None]] = self.start
        self.sync_status = SyncStatus()
        self.schedule = SyncSchedule(session.clock.monotonic)
        self.sync_bar: SyncBar | None = None
        self.on_home = False

    def show(self, content: ft.Control, appbar: ft.AppBar | None = None,
             floating: ft.FloatingActionButton | None = None) -> None:
        self.page.appbar = appbar
        self.page.floating_action_button = floating
        self.page.controls = [centred(content)]
        self.page.update()

    async def go(self, route: Route | Screen, *args: Any) -> None:
        screen = self.screens[route] if isinstance(route, Route) else route
        self.session.touch()
        self.on_home = False
        self.sync_bar = None

        async def again() -> None:
            await screen(self, *args)

        self._current = again
        await again()

    def to(self, route: Route | Screen, *args: Any) -> Callable[[], Awaitable[None]]:
        """A click handler that opens ``route``."""

        async def handler() -> None:
            await self.go(route, *args)

        return handler

    async def go_home(self) -> None:
        await self.home()

    async def refresh(self) -> None:
        await self._current()

    async def start(self) -> None:
        await self.go(Route.UNLOCK)

    async def home(self, notice: str = "") -> None:
        await self.go(Route.HOME, notice)

    async def lock_now(self) -> None:
        """The lock button: no notice, the person did it themselves."""
        await self.lock()

    async def lock(self, notice: str = "") -> None:
        """Saves open drafts, then forgets the keys. If saving fails the vault stays
        open and the person is told, so nothing typed is lost."""
        try:
            await self.save_open_work()
        except StorageError as err:
            self.toast(self.session.texts("error.not_locked", reason=describe(err,
                                                                              self.session.texts)))
            return
        await asyncio.to_thread(self.session.lock)
        await self.go(Route.UNLOCK, notice)

    async def save_open_work(self) -> None:
        """Saves every open draft, open conversation, and the home screen's progress."""
        session = self.session
        for conversation_id in list(session.drafts):
            await asyncio.to_thread(session.close_draft, conversation_id)
        for conversation_id in list(session.meetings.open):
            await asyncio.to_thread(session.meetings.close, conversation_id)

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
            status.synced_at = self.session.clock.now()
            status.conflicts = len(report.conflicts)
            status.state = SyncState.CONFLICTS if report.conflicts else SyncState.SYNCED
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

"""The app's frame: one ``Shell`` per browser tab or window shows one screen at a time,
navigates between screens by ``Route``, keeps the sync going and locks when idle.

On a phone the frame also follows the app's life: going to the background saves every
open answer at once; coming back after the idle time locks the vault first; Android's
back button goes one screen back, and only on a top screen (home, unlock) lets the
system close the app — with everything saved."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import flet as ft

from conversations.model import InputRejected
from services.app import AppSession, HomeView
from services.syncing import SyncSchedule, SyncState, SyncStatus
from storage import StorageError
from sync.share import ShareFull, ShareUnavailable, SyncError
from views.common import centred, describe
from views.sync_bar import SyncBar

IDLE_CHECK_SECONDS = 5.0
LEAVING = frozenset({ft.AppLifecycleState.HIDE, ft.AppLifecycleState.PAUSE})
RETURNING = frozenset({ft.AppLifecycleState.SHOW, ft.AppLifecycleState.RESUME,
                       ft.AppLifecycleState.RESTART})
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
    UNIT_PLAN = "unit_plan"
    SHEETS = "sheets"
    SHEET_EDITOR = "sheet_editor"
    SHEET_PREVIEW = "sheet_preview"
    PROFILE_EDITOR = "profile_editor"
    DEVICES = "devices"
    JOIN_DEVICE = "join_device"
    LOST_DEVICE = "lost_device"
    RESTORE_PROFILE = "restore_profile"
    CREATE_PROFILE = "create_profile"
    RECOVERY_CODE = "recovery_code"


class Shell:
    """Shows one screen at a time and remembers how to redraw it (language switch)."""

    def __init__(self, page: ft.Page, session: AppSession,
                 screens: Mapping[Route, Screen]) -> None:
        self.page = page
        self.session = session
        self.screens = screens
        self._current: Callable[[], Awaitable[None]] = self.start
        self._screen: Screen | None = None
        self._args: tuple[Any, ...] = ()
        self._history: list[tuple[Screen, tuple[Any, ...]]] = []
        self.sync_status = SyncStatus()
        self.schedule = SyncSchedule(session.clock.monotonic)
        self.sync_bar: SyncBar | None = None
        self.on_home = False
        self.home_shown: HomeView | None = None

    def show(self, content: ft.Control, appbar: ft.AppBar | None = None,
             floating: ft.FloatingActionButton | None = None) -> None:
        self.page.appbar = appbar
        self.page.floating_action_button = floating
        self.page.controls = [centred(content)]
        self.page.update()

    async def go(self, route: Route | Screen, *args: Any, top: bool = False) -> None:
        """Shows ``route``. A top screen (home, unlock) forgets the way back; the same
        screen shown again (a filter, a notice) replaces itself rather than stacking."""
        screen = self.screens[route] if isinstance(route, Route) else route
        self.session.touch()
        self.on_home = False
        self.sync_bar = None

        async def again() -> None:
            await screen(self, *args)

        if top:
            self._history.clear()
        elif self._screen is not None and screen is not self._screen:
            self._history.append((self._screen, self._args))
        self._screen, self._args = screen, args
        self._current = again
        await again()

    async def back(self) -> bool:
        """Android's back button: saves what is open, then shows the screen before.
        False on a top screen, where the system may close the app (saved already) — or
        when saving failed, so nothing typed is left behind."""
        self.session.touch()
        try:
            await self.save_open_work()
            await asyncio.to_thread(self.session.save_all)
        except StorageError as err:
            self.toast(self.session.texts("error.not_saved_back",
                                          reason=describe(err, self.session.texts)))
            return True  # stay: the person sees why
        if not self._history:
            return False
        screen, args = self._history.pop()
        self._screen = None  # going back does not stack the screen being left
        await self.go(screen, *args)
        return True

    async def lifecycle(self, state: ft.AppLifecycleState) -> None:
        """Background: save at once. Back again after the idle time: lock first."""
        if state in LEAVING:
            try:
                await asyncio.to_thread(self.session.save_all)
            except StorageError as err:
                log.warning("could not save drafts for the background: %s", type(err).__name__)
                self.toast(self.session.texts("error.not_saved_background",
                                              reason=describe(err, self.session.texts)))
        elif state is ft.AppLifecycleState.DETACH:
            await self.lock()
        elif state in RETURNING and self.session.idle_expired():
            minutes = round(self.session.idle_seconds / 60)
            await self.lock(self.session.texts("unlock.idle_locked", minutes=minutes))

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
        await self.go(Route.UNLOCK, top=True)

    async def home(self, notice: str = "") -> None:
        await self.go(Route.HOME, notice, top=True)

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
        await self.go(Route.UNLOCK, notice, top=True)

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
            refused = report.refused_concerning(self.session.current_person().id)
            if refused:  # each forged version is reported by the engine only once
                self.toast(self.session.texts("sync.refused", count=len(refused)))
            if report.pulled and self.on_home:
                # Only what changes on screen redraws it: a redraw under a finger
                # loses the tap.
                fresh = await asyncio.to_thread(self.session.home_view)
                if fresh != self.home_shown and self.on_home:
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


def follow_the_app_life(page: ft.Page, shell: Shell) -> None:
    """Background and back (lifecycle events), and Android's back button on the root
    view: it asks before popping (``can_pop=False``), and pops — closing the app — only
    where there is no screen to go back to."""

    async def changed(e: ft.AppLifecycleStateChangeEvent) -> None:
        await shell.lifecycle(e.state)

    async def back_pressed(e: Any) -> None:
        went_back = await shell.back()
        await root.confirm_pop(not went_back)

    page.on_app_lifecycle_state_change = changed
    root = page.views[0]
    root.can_pop = False
    root.on_confirm_pop = back_pressed

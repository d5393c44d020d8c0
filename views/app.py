"""The app's entry for one browser tab or window: the session, the shell, and which
screen draws each route (the one place that knows every screen)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import flet as ft

from conversations.sheets import SheetLibrary
from services.app import AppSession
from services.clock import Clock
from storage import Device, StorageError
from views.competence import show_competences
from views.conflicts import show_conflicts
from views.conversation import show_agreement, show_conversation, show_invitation
from views.courses import show_courses, show_new_course
from views.devices import (
    show_devices,
    show_join_device,
    show_lost_device,
    show_restore_profile,
)
from views.hold import show_follow_up, show_hold
from views.home import show_home, show_new_conversation
from views.med import show_med
from views.organisation import show_organisation
from views.plan import show_plan
from views.prepare import show_prepare
from views.privacy import show_privacy
from views.settings import show_settings
from views.sheets import show_profile_editor, show_sheet_editor, show_sheet_preview, show_sheets
from views.shell import Route, Screen, Shell, follow_the_app_life
from views.start import show_create, show_recovery_code, show_unlock
from views.team import show_team
from views.theme import app_theme
from views.unit_plan import show_unit_plan
from views.year import show_year

log = logging.getLogger("samtale")

SCREENS: Mapping[Route, Screen] = {
    Route.UNLOCK: show_unlock,
    Route.HOME: show_home,
    Route.CONVERSATION: show_conversation,
    Route.INVITATION: show_invitation,
    Route.AGREEMENT: show_agreement,
    Route.PREPARE: show_prepare,
    Route.HOLD: show_hold,
    Route.FOLLOW_UP: show_follow_up,
    Route.TEAM: show_team,
    Route.PLAN: show_plan,
    Route.NEW_CONVERSATION: show_new_conversation,
    Route.CONFLICTS: show_conflicts,
    Route.SETTINGS: show_settings,
    Route.ORGANISATION: show_organisation,
    Route.COMPETENCES: show_competences,
    Route.COURSES: show_courses,
    Route.NEW_COURSE: show_new_course,
    Route.MED: show_med,
    Route.PRIVACY: show_privacy,
    Route.YEAR: show_year,
    Route.UNIT_PLAN: show_unit_plan,
    Route.SHEETS: show_sheets,
    Route.SHEET_EDITOR: show_sheet_editor,
    Route.SHEET_PREVIEW: show_sheet_preview,
    Route.PROFILE_EDITOR: show_profile_editor,
    Route.DEVICES: show_devices,
    Route.JOIN_DEVICE: show_join_device,
    Route.LOST_DEVICE: show_lost_device,
    Route.RESTORE_PROFILE: show_restore_profile,
    Route.CREATE_PROFILE: show_create,
    Route.RECOVERY_CODE: show_recovery_code,
}


def make_main(
    device: Device, library: SheetLibrary, *, lang: str, idle_seconds: float,
    clock: Clock,
) -> Callable[[ft.Page], Awaitable[None]]:
    """The app for one browser tab, on the app's one ``clock``."""
    async def main(page: ft.Page) -> None:
        session = AppSession(device, library, lang=lang, idle_seconds=idle_seconds,
                             clock=clock)
        page.title = session.texts("app.name")
        page.theme = app_theme()
        page.padding = 0
        shell = Shell(page, session, SCREENS)
        page.data = shell
        follow_the_app_life(page, shell)
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

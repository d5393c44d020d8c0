"""The sync status line: offline, syncing with progress, synced at HH.MM, conflicts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from resources.texts import Texts
from services.syncing import SyncState, SyncStatus
from views.common import clock_time

ICONS = {
    SyncState.NEVER: ft.Icons.CLOUD_QUEUE,
    SyncState.OFFLINE: ft.Icons.CLOUD_OFF,
    SyncState.SYNCING: ft.Icons.CLOUD_SYNC,
    SyncState.SYNCED: ft.Icons.CLOUD_DONE,
    SyncState.CONFLICTS: ft.Icons.WARNING_AMBER,
    SyncState.FAILED: ft.Icons.ERROR_OUTLINE,
}


def status_text(status: SyncStatus, t: Texts) -> str:
    if status.state is SyncState.SYNCED and status.synced_at is not None:
        return t("sync.synced_at", time=clock_time(status.synced_at, t))
    if status.state is SyncState.SYNCING and status.total:
        return t("sync.syncing_count", done=status.done, total=status.total)
    if status.state is SyncState.SYNCING and status.phase in ("push", "pull") and status.done:
        return t(f"sync.{status.phase}_count", count=status.done)
    if status.state is SyncState.CONFLICTS:
        return t("sync.conflicts", count=status.conflicts)
    if status.state is SyncState.FAILED and status.problem_key:
        return t("sync.failed", reason=t(status.problem_key))
    return t(f"sync.{status.state.value}")


class SyncBar:
    """One line under the app bar; ``show`` redraws it from a status."""

    def __init__(self, t: Texts, sync_now: Callable[[], Awaitable[None]]) -> None:
        self.t = t
        self.icon = ft.Icon(ICONS[SyncState.NEVER], size=18)
        self.text = ft.Text("", size=13)
        self.bar = ft.ProgressBar(value=None, visible=False,
                                  semantics_label=t("sync.progress_label"))
        self.button = ft.TextButton(t("sync.now"), icon=ft.Icons.SYNC, on_click=sync_now)
        self.control = ft.Container(
            ft.Column(
                [
                    ft.Row([self.icon, ft.Container(self.text, expand=True), self.button],
                           vertical_alignment=ft.CrossAxisAlignment.CENTER),
                    self.bar,
                ],
                spacing=2,
            ),
            padding=ft.Padding.symmetric(horizontal=12, vertical=4),
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        )

    def show(self, status: SyncStatus) -> None:
        self.icon.icon = ICONS[status.state]
        self.icon.color = ft.Colors.ERROR if status.state in (
            SyncState.CONFLICTS, SyncState.FAILED) else ft.Colors.PRIMARY
        self.text.value = status_text(status, self.t)
        self.bar.visible = status.state is SyncState.SYNCING
        self.bar.value = status.progress
        self.button.disabled = status.state is SyncState.SYNCING

"""The session the screens talk to: one person's own work (``services.session``) with
the conversations they plan, hold and sign (``services.meeting``) and the office —
the leader's year, HR's overview, courses, MED (``services.office``) — and the unit's
year plan (``services.unit_plan``).

This is where the parts are put together, so none of them imports another that
imports it back: the meetings and the office are built on the plain session, and
the session tells them when to join in through its hooks."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from conversations.model import Conversation, Reminder, Task
from conversations.sheets import SheetLibrary
from conversations.texts import DEFAULT_LANGUAGE
from services.clock import Clock
from services.devices import Devices
from services.library_desk import LibraryDesk
from services.meeting import Meetings
from services.office import Office
from services.session import Session, Summary
from services.unit_plan import UnitPlans
from storage import Device

if TYPE_CHECKING:
    from sync.engine import SyncReport


@dataclasses.dataclass(frozen=True)
class HomeView:
    """Everything home shows, comparable: a sync redraws home only when it changed, so
    a tap is never lost to a redraw that shows the same."""

    groups: list[tuple[Task, list[Summary]]]
    conflicts: int
    reminders: list[tuple[Reminder, Conversation]]


class AppSession(Session):
    def __init__(
        self,
        device: Device,
        library: SheetLibrary,
        *,
        lang: str = DEFAULT_LANGUAGE,
        clock: Clock | None = None,
        idle_seconds: float = 300.0,
    ) -> None:
        super().__init__(device, library, lang=lang, clock=clock, idle_seconds=idle_seconds)
        self.meetings = Meetings(self)
        self.office = Office(self, self.meetings)
        self.unit_plans = UnitPlans(self)
        self.library_desk = LibraryDesk(self)
        self.devices = Devices(self)

    def sync(self, progress: Callable[[str, int], None] | None = None) -> SyncReport:
        """Blocking. As ``Session.sync``; first this device takes new keys HR approved
        (after a lost device), afterwards its entry under *Mine enheder* notes the sync and
        the recovery code's copy of the keys is brought up to date."""
        self.devices.take_new_keys()
        self.devices.adopt_listing()
        self.devices.check_shut_out()
        report = super().sync(progress)
        self.devices.keep_recovery()
        self.devices.note_sync()
        self.devices.publish_devices()
        return report

    def home_view(self) -> HomeView:
        """Blocking. What home shows: my conversations by task, conflicts, reminders."""
        return HomeView(self.home(), len(self.open_conflicts()), self.office.reminders())

    def before_sync(self) -> None:
        # A leader's coverage (counts only) goes to their own leader with every sync.
        self.office.share_coverage(self.today().year)

    def forget_open_work(self) -> None:
        self.meetings.forget()

    def save_open_work(self) -> None:
        self.meetings.persist_all()

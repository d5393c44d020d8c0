"""When to try the share, and what to tell the person about it. Plain Python, no Flet.

The app never waits for the share: a background loop asks ``SyncSchedule.due`` and
tries; an unreachable share backs off (5 s, doubling, at most 5 min) so an office
without network costs nothing, and a reachable one is synced every minute and at once
when the person presses "Synkroniser nu".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Callable

FIRST_RETRY = 5.0
MAX_RETRY = 300.0
REGULAR = 60.0


class SyncState(enum.StrEnum):
    NEVER = "never"
    OFFLINE = "offline"
    SYNCING = "syncing"
    SYNCED = "synced"
    CONFLICTS = "conflicts"
    FAILED = "failed"


@dataclasses.dataclass
class SyncStatus:
    """What the status line says: state, progress while syncing, when it last worked."""

    state: SyncState = SyncState.NEVER
    phase: str = ""
    done: int = 0
    total: int = 0
    synced_at: dt.datetime | None = None
    conflicts: int = 0
    problem_key: str = ""

    @property
    def progress(self) -> float | None:
        if self.state is not SyncState.SYNCING or self.total <= 0:
            return None
        return min(1.0, self.done / self.total)


class SyncSchedule:
    """Decides when the next attempt is due, with backoff while the share is away."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.failures = 0
        self.next_at = clock()

    def due(self) -> bool:
        return self.clock() >= self.next_at

    def now(self) -> None:
        """The person asked: try at the next opportunity."""
        self.next_at = self.clock()

    def succeeded(self) -> None:
        self.failures = 0
        self.next_at = self.clock() + REGULAR

    def unreachable(self) -> float:
        """Records a failed attempt; returns the seconds until the next one."""
        wait = min(FIRST_RETRY * 2.0**self.failures, MAX_RETRY)
        self.failures += 1
        self.next_at = self.clock() + wait
        return wait

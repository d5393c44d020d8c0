"""The one clock the app asks for the date and the time.

Nothing else in the product calls ``date.today()`` or ``datetime.now()``: screens,
services, documents and the share's timestamps all ask a ``Clock`` handed to them, so a
test (or ``python3 main.py --today 2027-06-01``) moves the whole app to another day at
once and a run that crosses midnight keeps its day.

- ``Clock()`` is the real clock.
- ``Clock(day=...)`` keeps that calendar day while the time of day runs: a person trying
  a follow-up going overdue still sees "Gemt 10.42" change as they type.
- ``Clock.frozen(moment)`` stands still (tests that compare times exactly).

``monotonic()`` is for measuring spans (the idle lock); it is never shown to anyone. It
counts the time a phone sleeps (Linux/Android ``CLOCK_BOOTTIME``).
"""

from __future__ import annotations

import datetime as dt
import time

_BOOTTIME: int | None = getattr(time, "CLOCK_BOOTTIME", None)


class Clock:
    def __init__(self, day: dt.date | None = None) -> None:
        self.day = day
        self._frozen: dt.datetime | None = None

    @classmethod
    def frozen(cls, moment: dt.datetime) -> Clock:
        """A clock that always says ``moment`` (made aware in local time if naive)."""
        clock = cls(moment.date())
        clock._frozen = moment if moment.tzinfo else moment.astimezone()
        return clock

    def now(self) -> dt.datetime:
        """Now, aware, in the device's local time zone, to the second."""
        if self._frozen is not None:
            return self._frozen
        real = dt.datetime.now().astimezone().replace(microsecond=0)
        if self.day is None:
            return real
        return dt.datetime.combine(self.day, real.timetz())

    def today(self) -> dt.date:
        return self.now().date()

    def time(self) -> float:
        """Now as seconds since the epoch (for storage and the share's timestamps)."""
        return self.now().timestamp()

    def monotonic(self) -> float:
        """Seconds that keep counting while a phone sleeps: on Linux and Android
        ``time.monotonic`` stops during suspend, and an idle lock must not wait for the
        device to wake up and then sit idle for the whole time again."""
        if _BOOTTIME is not None:
            return time.clock_gettime(_BOOTTIME)
        return time.monotonic()

    def __repr__(self) -> str:
        return f"Clock(day={self.day!r})"

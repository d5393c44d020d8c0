"""The day every test runs on, and the app's clock for it.

``python3 main.py test --today 2028-02-29`` (or ``SAMTALE_TEST_TODAY``) moves the whole
suite — the sessions the tests build and the app the browser tests start — to that
day; without it the tests run on the real date, read once when the run starts, so a
run that crosses midnight keeps its day."""

from __future__ import annotations

import datetime as dt
import os

from services.clock import Clock
from tests.clock_env import TODAY_ENV


def _day() -> dt.date:
    given = os.environ.get(TODAY_ENV)
    return dt.date.fromisoformat(given) if given else Clock().today()


TODAY = _day()
# A moment on that day for tests that compare times exactly.
NOW = dt.datetime.combine(TODAY, dt.time(9, 30)).astimezone()


def day_clock() -> Clock:
    """The tests' day, with the time of day running."""
    return Clock(TODAY)


def frozen_clock() -> Clock:
    """The tests' day, always at 09.30."""
    return Clock.frozen(NOW)


class SteppedClock(Clock):
    """The tests' day, with monotonic seconds the test moves by hand (the idle lock)."""

    def __init__(self) -> None:
        super().__init__(TODAY)
        self.seconds = 0.0

    def monotonic(self) -> float:
        return self.seconds

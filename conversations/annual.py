"""The leader's annual wheel (årshjul): the year's conversations among its other
activities — the wellbeing survey (APV), the leadership evaluation, holidays.

Owns: bulk planning of a year's conversations (:func:`plan_year`), finding where they
collide with other activities, counting per month for the wheel's twelve sectors, and
the wheel as a CSV file for Excel. Also the Danish public holidays, to keep off them.

Must not touch: Flet, the vault, the share, clocks. Planning is deterministic: the same
input always gives the same plan.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Collection, Iterable, Mapping, Sequence

from conversations.model import InputRejected, Kind

__all__ = [
    "Activity",
    "Slot",
    "collisions",
    "danish_holidays",
    "months",
    "plan_year",
    "planning_window",
    "wheel_csv",
]

CSV_HEADER = ("Dato", "Samtale", "Deltagere")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclasses.dataclass(frozen=True)
class Activity:
    """Another activity of the year, from ``start`` to ``end`` inclusive. ``kind`` is
    free: "apv", "ledelsesevaluering", "ferie"…"""

    id: str
    title: str
    start: dt.date
    end: dt.date
    kind: str

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InputRejected(
                "error.activity_dates", start=self.start.isoformat(), end=self.end.isoformat()
            )

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclasses.dataclass(frozen=True)
class Slot:
    """One planned conversation: who, which kind, which day (the time is set later)."""

    person_ids: tuple[str, ...]
    kind: Kind
    day: dt.date


WORKING_DAYS = (0, 1, 2, 3)  # Monday to Thursday
PLANNING_NOTICE = dt.timedelta(days=7)  # a week's notice to prepare, at the least
_ROOM_IN_A_HALF = dt.timedelta(days=28)  # less than this left: take the next half-year


def planning_window(year: int, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The period the planner offers for ``year``: 15 January to 15 June, or to
    15 December once less than four weeks of the first half are left, never starting
    before a week from ``today``. None when no such period with a working day
    (Monday–Thursday, not a holiday) is left in ``year`` — a past year, or this one from
    early December on: :func:`plan_year` would refuse it or find no day."""
    first, summer, winter = dt.date(year, 1, 15), dt.date(year, 6, 15), dt.date(year, 12, 15)
    start = max(first, today + PLANNING_NOTICE)
    end = summer if start + _ROOM_IN_A_HALF <= summer else winter
    if start > end or not _free_days(start, end, busy=(), weekdays=WORKING_DAYS,
                                     holidays=danish_holidays(year)):
        return None
    return start, end


def plan_year(
    people: Sequence[str],
    kind: Kind,
    *,
    year: int,
    window: tuple[dt.date, dt.date],
    per_day: int = 3,
    busy: Iterable[Activity] = (),
    weekdays: Collection[int] = WORKING_DAYS,
    holidays: Collection[dt.date] = (),
    team: bool = False,
) -> list[Slot]:
    """The year's conversations of ``kind`` for ``people``, by day.

    Individual kinds get one slot per person (each person once, in the given order), at
    most ``per_day`` a day. Only days in ``window`` (inclusive) on ``weekdays``
    (Monday = 0; Monday to Thursday by default) that are neither a holiday nor covered by
    a ``busy`` activity are used. The plan uses as few days as ``per_day`` allows and
    spreads them evenly over the free days, each in the middle of its share of the
    window, so conversations are not crowded into the first week and the load per day
    differs by at most one. A team kind (GRUS, TUS) or ``team=True`` gives one slot with
    everyone, in the middle of the free days.
    """
    start, end = window
    if start > end or start.year != year or end.year != year:
        raise InputRejected("error.bad_window")
    if isinstance(per_day, bool) or per_day < 1:
        raise InputRejected("error.per_day", min=1)
    everyone = tuple(dict.fromkeys(people))
    if not everyone:
        return []
    free = _free_days(start, end, busy=busy, weekdays=weekdays, holidays=holidays)
    if team or kind.is_team:
        if not free:
            raise InputRejected("error.year_full", needed=1, available=0)
        return [Slot(everyone, kind, free[len(free) // 2])]
    needed = -(-len(everyone) // per_day)
    if needed > len(free):
        raise InputRejected("error.year_full", needed=needed, available=len(free))
    days = [free[(2 * i + 1) * len(free) // (2 * needed)] for i in range(needed)]
    slots = []
    base, extra = divmod(len(everyone), needed)
    position = 0
    for index, day in enumerate(days):
        count = base + (1 if index < extra else 0)
        for person in everyone[position : position + count]:
            slots.append(Slot((person,), kind, day))
        position += count
    return slots


def _free_days(
    start: dt.date,
    end: dt.date,
    *,
    busy: Iterable[Activity],
    weekdays: Collection[int],
    holidays: Collection[dt.date],
) -> list[dt.date]:
    blocked = list(busy)
    closed = set(holidays)
    allowed = set(weekdays)
    days = []
    day = start
    while day <= end:
        if (
            day.weekday() in allowed
            and day not in closed
            and not any(a.covers(day) for a in blocked)
        ):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def collisions(
    slots: Iterable[Slot], activities: Iterable[Activity]
) -> list[tuple[Slot, Activity]]:
    """Each slot on a day some activity covers, with that activity, in the given order."""
    others = list(activities)
    return [(slot, a) for slot in slots for a in others if a.covers(slot.day)]


def months(
    slots: Iterable[Slot], activities: Iterable[Activity], year: int
) -> dict[int, dict[str, int]]:
    """Month (1–12) → kind → count, for the wheel's twelve sectors: conversations by
    their kind ("MUS"), activities by theirs ("apv") in every month of ``year`` they
    touch. Every month is there, empty when nothing happens in it."""
    wheel: dict[int, dict[str, int]] = {month: {} for month in range(1, 13)}
    for slot in slots:
        if slot.day.year == year:
            sector = wheel[slot.day.month]
            sector[slot.kind.value] = sector.get(slot.kind.value, 0) + 1
    for activity in activities:
        first = max(activity.start, dt.date(year, 1, 1))
        last = min(activity.end, dt.date(year, 12, 31))
        for month in range(first.month, last.month + 1) if first <= last else ():
            sector = wheel[month]
            sector[activity.kind] = sector.get(activity.kind, 0) + 1
    return wheel


def wheel_csv(
    slots: Iterable[Slot],
    names: Mapping[str, str],
    kind_names: Mapping[str, str],
    *,
    header: Sequence[str] = CSV_HEADER,
) -> str:
    """The plan as a CSV file for Excel: byte-order mark, semicolons, CRLF, one row per
    slot by day (date as ISO, the kind's name, the people's names; an unknown person by
    id). A cell that Excel would read as a formula (starting with = + - @, tab or CR)
    starts with an apostrophe instead."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_cell(h) for h in header])
    rows = []
    for slot in slots:
        people = ", ".join(names.get(p) or p for p in slot.person_ids)
        kind = kind_names.get(slot.kind.value) or slot.kind.value
        rows.append((slot.day.isoformat(), kind, people))
    for row in sorted(rows):
        writer.writerow([_cell(value) for value in row])
    return "\ufeff" + out.getvalue()


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


# --- Danish public holidays ----------------------------------------------------------------


def _easter(year: int) -> dt.date:
    """Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return dt.date(year, month, day + 1)


def danish_holidays(year: int) -> frozenset[dt.date]:
    """The days Danish workplaces are usually closed: the public holidays (store bededag
    until 2023), Constitution Day, Christmas Eve and New Year's Eve."""
    easter = _easter(year)
    moving = [-3, -2, 0, 1, 39, 49, 50]  # skærtorsdag … 2. pinsedag
    if year <= 2023:
        moving.append(26)  # store bededag, abolished from 2024
    fixed = [(1, 1), (6, 5), (12, 24), (12, 25), (12, 26), (12, 31)]
    return frozenset(
        [easter + dt.timedelta(days=d) for d in moving]
        + [dt.date(year, month, day) for month, day in fixed]
    )

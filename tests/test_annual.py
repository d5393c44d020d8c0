"""The leader's annual wheel: bulk planning, collisions, months, CSV."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.annual import (
    Activity,
    Slot,
    collisions,
    danish_holidays,
    months,
    plan_year,
    planning_window,
    wheel_csv,
)
from conversations.model import InputRejected, Kind

YEAR = 2026
SPRING = (dt.date(2026, 2, 2), dt.date(2026, 5, 29))
APV = Activity("apv", "Trivselsmåling", dt.date(2026, 3, 2), dt.date(2026, 3, 13), "apv")
PEOPLE = [f"p{i:02d}" for i in range(29)]


# --- plan_year: examples -----------------------------------------------------------------


def test_a_plan_gives_everyone_one_conversation_on_allowed_days() -> None:
    slots = plan_year(PEOPLE, Kind.PUS, year=YEAR, window=SPRING, busy=[APV],
                      holidays=danish_holidays(YEAR))
    assert sorted(p for s in slots for p in s.person_ids) == PEOPLE
    assert all(s.kind is Kind.PUS and s.day.weekday() <= 3 for s in slots)
    assert not collisions(slots, [APV])
    assert not {s.day for s in slots} & danish_holidays(YEAR)
    assert max(Counter(s.day for s in slots).values()) <= 3


def test_a_plan_is_spread_over_the_window_not_crowded_into_the_first_week() -> None:
    slots = plan_year(PEOPLE[:12], Kind.MUS, year=YEAR, window=SPRING, per_day=2)
    days = sorted({s.day for s in slots})
    assert len(days) == 6
    assert days[0] >= SPRING[0] + dt.timedelta(days=7)
    assert days[-1] >= dt.date(2026, 5, 1)
    assert {s.day.month for s in slots} == {2, 3, 4, 5}


def test_a_plan_uses_as_few_days_as_per_day_allows_with_even_loads() -> None:
    slots = plan_year(PEOPLE[:7], Kind.MUS, year=YEAR, window=SPRING, per_day=3)
    assert sorted(Counter(s.day for s in slots).values()) == [2, 2, 3]


def test_a_team_conversation_is_one_slot_with_everyone() -> None:
    for kind in (Kind.GRUS, Kind.TUS):
        slots = plan_year(PEOPLE, kind, year=YEAR, window=SPRING)
        assert len(slots) == 1
        assert slots[0].person_ids == tuple(PEOPLE)
    slots = plan_year(PEOPLE[:5], Kind.MUS, year=YEAR, window=SPRING, team=True)
    assert [len(s.person_ids) for s in slots] == [5]


def test_a_full_year_says_how_many_days_are_needed_and_free() -> None:
    window = (dt.date(2026, 3, 2), dt.date(2026, 3, 13))
    with pytest.raises(InputRejected) as caught:
        plan_year(PEOPLE, Kind.MUS, year=YEAR, window=window, per_day=3)
    assert caught.value.key == "error.year_full"
    assert caught.value.params == {"needed": 10, "available": 8}
    with pytest.raises(InputRejected) as caught:
        plan_year(PEOPLE, Kind.TUS, year=YEAR, window=window, busy=[APV])
    assert caught.value.params == {"needed": 1, "available": 0}


@pytest.mark.parametrize("window", [
    (dt.date(2026, 5, 1), dt.date(2026, 2, 1)),
    (dt.date(2025, 12, 1), dt.date(2026, 2, 1)),
    (dt.date(2026, 11, 1), dt.date(2027, 1, 31)),
])
def test_a_window_reversed_or_outside_the_year_is_refused(
    window: tuple[dt.date, dt.date],
) -> None:
    with pytest.raises(InputRejected) as caught:
        plan_year(PEOPLE, Kind.MUS, year=YEAR, window=window)
    assert caught.value.key == "error.bad_window"


def test_fewer_than_one_conversation_a_day_is_refused() -> None:
    with pytest.raises(InputRejected) as caught:
        plan_year(PEOPLE, Kind.MUS, year=YEAR, window=SPRING, per_day=0)
    assert caught.value.key == "error.per_day"


def test_nobody_to_plan_gives_an_empty_plan() -> None:
    assert plan_year([], Kind.MUS, year=YEAR, window=SPRING) == []


def test_an_activity_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(InputRejected) as caught:
        Activity("x", "Ferie", dt.date(2026, 7, 10), dt.date(2026, 7, 1), "ferie")
    assert caught.value.key == "error.activity_dates"


def test_danish_holidays_follow_easter_and_drop_store_bededag_from_2024() -> None:
    holidays = danish_holidays(2026)
    assert {dt.date(2026, 4, 2), dt.date(2026, 4, 3), dt.date(2026, 4, 6),
            dt.date(2026, 5, 14), dt.date(2026, 5, 25), dt.date(2026, 6, 5),
            dt.date(2026, 12, 24)} <= holidays
    assert dt.date(2023, 5, 5) in danish_holidays(2023)
    assert dt.date(2024, 4, 26) not in danish_holidays(2024)


# --- plan_year: properties ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    people: list[str]
    window: tuple[dt.date, dt.date]
    per_day: int
    busy: list[Activity]
    weekdays: set[int]
    holidays: set[dt.date]


@st.composite
def plans(draw: st.DrawFn) -> Case:
    first = dt.date(YEAR, 1, 1) + dt.timedelta(days=draw(st.integers(0, 330)))
    last = first + dt.timedelta(days=draw(st.integers(0, (dt.date(YEAR, 12, 31) - first).days)))
    busy = []
    for index in range(draw(st.integers(0, 4))):
        start = first + dt.timedelta(days=draw(st.integers(0, (last - first).days)))
        end = start + dt.timedelta(days=draw(st.integers(0, 14)))
        busy.append(Activity(f"a{index}", "Optaget", start, end, "apv"))
    return Case(
        people=[f"p{i}" for i in range(draw(st.integers(0, 40)))],
        window=(first, last),
        per_day=draw(st.integers(1, 5)),
        busy=busy,
        weekdays=draw(st.sets(st.integers(0, 4), min_size=1)),
        holidays=draw(st.sets(st.dates(first, last), max_size=10)),
    )


def _plan(case: Case) -> list[Slot] | None:
    """The plan, or None when the free days are too few (and the refusal says so)."""
    try:
        return plan_year(case.people, Kind.MUS, year=YEAR, window=case.window,
                         per_day=case.per_day, busy=case.busy, weekdays=case.weekdays,
                         holidays=case.holidays)
    except InputRejected as rejected:
        assert rejected.key == "error.year_full"
        needed, available = rejected.params["needed"], rejected.params["available"]
        assert isinstance(needed, int) and isinstance(available, int)
        assert needed > available
        return None


@settings(max_examples=150, deadline=None)
@given(plans())
def test_planned_days_respect_every_rule(case: Case) -> None:
    slots = _plan(case)
    if slots is None:
        return
    first, last = case.window
    per_day = Counter(s.day for s in slots)
    assert not per_day or max(per_day.values()) <= case.per_day
    for slot in slots:
        assert first <= slot.day <= last
        assert slot.day.weekday() in case.weekdays
        assert slot.day.weekday() < 5
        assert slot.day not in case.holidays
        assert not any(a.covers(slot.day) for a in case.busy)
    assert sorted(p for s in slots for p in s.person_ids) == sorted(case.people)
    assert all(len(s.person_ids) == 1 for s in slots)


@settings(max_examples=50, deadline=None)
@given(plans())
def test_planning_is_deterministic(case: Case) -> None:
    assert _plan(case) == _plan(case)


@settings(max_examples=100, deadline=None)
@given(plans())
def test_a_plan_uses_the_fewest_days_with_loads_differing_by_at_most_one(case: Case) -> None:
    slots = _plan(case)
    if not slots:
        return
    days = {s.day for s in slots}
    assert len(days) == -(-len(slots) // case.per_day)
    loads = Counter(s.day for s in slots).values()
    assert max(loads) - min(loads) <= 1


def _free(case: Case) -> list[dt.date]:
    first, last = case.window
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return [d for d in days if d.weekday() in case.weekdays and d not in case.holidays
            and not any(a.covers(d) for a in case.busy)]


@settings(max_examples=100, deadline=None)
@given(plans())
def test_each_day_used_lies_in_its_own_equal_share_of_the_free_days(case: Case) -> None:
    """Spread evenly: with k days used out of D free ones, the i-th lies among free days
    ⌊i·D/k⌋ … ⌈(i+1)·D/k⌉, so a plan never piles up at the start of the window."""
    slots = _plan(case)
    if not slots:
        return
    free = _free(case)
    used = sorted({s.day for s in slots})
    for i, day in enumerate(used):
        position = free.index(day)
        assert i * len(free) // len(used) <= position < -(-(i + 1) * len(free) // len(used))


# --- collisions and the wheel ----------------------------------------------------------------


def test_the_planning_window_for_this_year_closes_in_december() -> None:
    assert planning_window(2026, dt.date(2026, 12, 8)) == (dt.date(2026, 12, 15),) * 2
    # 15 December 2028 is a Friday: the last working day in reach is Thursday the 14th
    assert planning_window(2028, dt.date(2028, 12, 7)) == (dt.date(2028, 12, 14),
                                                             dt.date(2028, 12, 15))
    assert planning_window(2028, dt.date(2028, 12, 8)) is None
    assert planning_window(2026, dt.date(2026, 12, 9)) is None
    assert planning_window(2026, dt.date(2026, 12, 31)) is None


def test_the_planning_window_of_another_year_is_in_that_year() -> None:
    assert planning_window(2027, dt.date(2026, 12, 20)) == (dt.date(2027, 1, 15),
                                                              dt.date(2027, 6, 15))
    assert planning_window(2025, dt.date(2026, 3, 1)) is None


def test_late_in_the_first_half_the_window_runs_to_december() -> None:
    assert planning_window(2027, dt.date(2027, 3, 1)) == (dt.date(2027, 3, 8),
                                                            dt.date(2027, 6, 15))
    assert planning_window(2027, dt.date(2027, 5, 20)) == (dt.date(2027, 5, 27),
                                                             dt.date(2027, 12, 15))


@pytest.mark.parametrize("year", [2027, 2028])  # 2028 is a leap year
def test_every_day_of_the_year_offers_a_window_the_planner_accepts_or_none(year: int) -> None:
    day = dt.date(year - 1, 12, 1)
    while day <= dt.date(year, 12, 31):
        window = planning_window(year, day)
        if window is not None:
            start, end = window
            assert day + dt.timedelta(days=7) <= start <= end
            plan_year(["ann"], Kind.TUS, year=year, window=window,
                      holidays=danish_holidays(year))  # a team needs one free day
        else:
            assert day >= dt.date(year, 12, 1)
        day += dt.timedelta(days=1)


def test_collisions_pair_each_slot_with_the_activity_covering_its_day() -> None:
    inside = Slot(("p1",), Kind.MUS, dt.date(2026, 3, 13))
    outside = Slot(("p2",), Kind.MUS, dt.date(2026, 3, 16))
    evaluation = Activity("le", "Ledelsesevaluering", dt.date(2026, 3, 13),
                          dt.date(2026, 3, 13), "ledelsesevaluering")
    assert collisions([inside, outside], [APV, evaluation]) == [
        (inside, APV), (inside, evaluation)
    ]


def test_months_count_conversations_and_activities_for_twelve_sectors() -> None:
    slots = [Slot(("p1",), Kind.MUS, dt.date(2026, 3, 3)),
             Slot(("p2",), Kind.MUS, dt.date(2026, 3, 4)),
             Slot(("p1", "p2"), Kind.TUS, dt.date(2026, 9, 1)),
             Slot(("p3",), Kind.MUS, dt.date(2025, 3, 4))]
    summer = Activity("s", "Sommerferie", dt.date(2026, 6, 29), dt.date(2026, 8, 7), "ferie")
    christmas = Activity("j", "Jul", dt.date(2026, 12, 21), dt.date(2027, 1, 3), "ferie")
    wheel = months(slots, [APV, summer, christmas], 2026)
    assert sorted(wheel) == list(range(1, 13))
    assert wheel[3] == {"MUS": 2, "apv": 1}
    assert wheel[6] == wheel[7] == wheel[8] == {"ferie": 1}
    assert wheel[9] == {"TUS": 1}
    assert wheel[12] == {"ferie": 1}
    assert wheel[1] == wheel[2] == {}


def _rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))


def test_the_wheel_csv_is_for_danish_excel() -> None:
    slots = [Slot(("p2",), Kind.MUS, dt.date(2026, 3, 4)),
             Slot(("p1", "p3"), Kind.TUS, dt.date(2026, 3, 3))]
    names = {"p1": "Anna Sørensen", "p2": "Bo; \"Bager\"", "p3": "Carl"}
    text = wheel_csv(slots, names, {"MUS": "Medarbejderudviklingssamtale",
                                    "TUS": "Teamudviklingssamtale"})
    assert "\r\n" in text
    assert _rows(text) == [
        ["Dato", "Samtale", "Deltagere"],
        ["2026-03-03", "Teamudviklingssamtale", "Anna Sørensen, Carl"],
        ["2026-03-04", "Medarbejderudviklingssamtale", "Bo; \"Bager\""],
    ]


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)",
                                  "\t=1"])
def test_the_wheel_csv_never_hands_excel_a_formula(name: str) -> None:
    text = wheel_csv([Slot(("p1",), Kind.MUS, dt.date(2026, 3, 4))], {"p1": name},
                     {"MUS": "=MUS"}, header=("=Dato", "Samtale", "Deltagere"))
    rows = _rows(text)
    assert rows[0][0] == "'=Dato"
    assert rows[1][1] == "'=MUS"
    assert rows[1][2] == "'" + name


def test_the_wheel_csv_names_an_unknown_person_by_id() -> None:
    text = wheel_csv([Slot(("p9",), Kind.MUS, dt.date(2026, 3, 4))], {}, {})
    assert _rows(text)[1] == ["2026-03-04", "MUS", "p9"]

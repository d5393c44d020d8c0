"""The course catalogue: courses, the demand for them, internal teachers, completions.

København compiles the answers to the competence mapping into a course catalogue; HR
reads the gaps (expected minus rated level) and the agreements' course goals as demand,
and chooses internal teachers among the best-rated colleagues who agreed to be asked.
Fredensborg publishes a competence catalogue: who took which course — here only the
completions the person agreed to publish, and a withdrawn consent removes the entry.

Owns: :class:`Course` and :class:`Completion` records, :func:`suggested_demand`,
:func:`suggested_teachers`, :func:`pick_into_goal` and :func:`competence_catalogue`.

Must not touch: Flet, the vault, the share, cryptography, clocks. Which version of a
completion is the latest is read from the parents DAG, never from a time stamp.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from collections.abc import Collection, Iterable, Mapping
from typing import ClassVar

from conversations.competence import Level
from conversations.model import (
    Goal,
    GoalStatus,
    InputRejected,
    PracticeField,
    storable_text,
)
from conversations.records import Versioned

__all__ = [
    "Completion",
    "Course",
    "Delivery",
    "Demand",
    "competence_catalogue",
    "new_course",
    "pick_into_goal",
    "suggested_demand",
    "suggested_teachers",
]


class Delivery(enum.StrEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Course(Versioned):
    """One course in the catalogue. An internal course is taught by a colleague
    (``teacher_id``); a provider text on it (the unit that hosts it) is allowed."""

    record_type: ClassVar[str] = "course"

    title: str
    competence_ids: tuple[str, ...]
    delivery: Delivery
    provider: str = ""
    teacher_id: str | None = None
    dates: tuple[dt.date, ...] = ()
    seats: int | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise InputRejected("error.course_title")
        if not any(c.strip() for c in self.competence_ids):
            raise InputRejected("error.course_competences")
        if self.seats is not None and (isinstance(self.seats, bool) or self.seats < 1):
            raise InputRejected("error.course_seats")
        object.__setattr__(self, "delivery", Delivery(self.delivery))
        super().__post_init__()


def new_course(
    *,
    title: str,
    competence_ids: Iterable[str],
    delivery: Delivery,
    today: dt.date,
    provider: str = "",
    teacher_id: str | None = None,
    dates: Iterable[dt.date] = (),
    seats: int | None = None,
    description: str = "",
    author: str = "",
) -> Course:
    """A course as HR types it: text cleaned of invisible characters (Word's quotes and
    dashes kept), competences once each in the given order, dates sorted and once each,
    and no date before ``today``."""
    days = sorted(set(dates))
    for day in days:
        if day < today:
            raise InputRejected("error.date_past", date=day.isoformat())
    competences = tuple(dict.fromkeys(c.strip() for c in competence_ids if c.strip()))
    return Course(
        title=storable_text(title).strip(),
        competence_ids=competences,
        delivery=Delivery(delivery),
        provider=storable_text(provider).strip(),
        teacher_id=teacher_id or None,
        dates=tuple(days),
        seats=seats,
        description=storable_text(description).strip(),
        author=author,
    )


# --- demand -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Demand:
    """How many people need a competence: ``people`` counts each person once, though
    they may be both below expectation (``from_gaps``) and have a course goal
    (``from_goals``)."""

    competence_id: str
    people: int
    from_gaps: int
    from_goals: int
    person_ids: tuple[str, ...]


_TOKEN = re.compile(r"[^A-Za-z0-9_\-]+")
_SETTLED = frozenset({GoalStatus.DONE, GoalStatus.DROPPED})


def suggested_demand(
    gaps: Mapping[str, Mapping[str, int]],
    goals: Iterable[tuple[str, Goal]],
    course_goal_links: Mapping[str, str] | None = None,
    *,
    known: Collection[str] = (),
) -> list[Demand]:
    """Demand per competence, most people first (then by competence id).

    ``gaps``: person id → competence id → expected minus rated level; a gap above zero
    is a need. ``goals``: (person id, goal) pairs from the agreements; an open or
    in-progress goal with practice field COURSE is a need for the competence it names:
    ``course_goal_links[goal.id]`` when given, otherwise a known competence id that is
    the goal's ``theme_id`` or one of its parts (``competences.dementia``). Known ids
    are those in ``gaps``, in the links and in ``known`` (e.g. the job profiles').
    Goals done or dropped no longer count.
    """
    links = dict(course_goal_links or {})
    by_gap: dict[str, set[str]] = {}
    for person, competences in gaps.items():
        for competence, gap in competences.items():
            if gap > 0:
                by_gap.setdefault(competence, set()).add(person)
    names = set(known) | set(links.values()) | {c for g in gaps.values() for c in g}
    by_goal: dict[str, set[str]] = {}
    for person, goal in goals:
        if goal.practice_field is not PracticeField.COURSE or goal.status in _SETTLED:
            continue
        for competence in _goal_competences(goal, links, names):
            by_goal.setdefault(competence, set()).add(person)
    demand = []
    for competence in by_gap.keys() | by_goal.keys():
        from_gaps = by_gap.get(competence, set())
        from_goals = by_goal.get(competence, set())
        people = tuple(sorted(from_gaps | from_goals))
        demand.append(Demand(competence, len(people), len(from_gaps), len(from_goals), people))
    return sorted(demand, key=lambda d: (-d.people, d.competence_id))


def _goal_competences(goal: Goal, links: Mapping[str, str], names: Collection[str]) -> set[str]:
    if goal.id in links:
        return {links[goal.id]}
    if goal.theme_id in names:
        return {goal.theme_id}
    return {part for part in _TOKEN.split(goal.theme_id) if part in names}


# --- teachers -----------------------------------------------------------------------------


def suggested_teachers(
    ratings: Mapping[str, Mapping[str, Level]],
    competence_id: str,
    *,
    consent: Collection[str],
    limit: int = 3,
) -> list[str]:
    """Colleagues who could teach an internal course: rated EXPERT, then PROFICIENT
    (ties by id), only those who agreed to be suggested, at most ``limit``."""
    able = []
    for person, levels in ratings.items():
        level = levels.get(competence_id)
        if person in consent and level is not None and int(level) >= Level.PROFICIENT:
            able.append((-int(level), person))
    return [person for _, person in sorted(able)[: max(limit, 0)]]


# --- into an agreement --------------------------------------------------------------------


def pick_into_goal(course: Course, goal: Goal) -> Goal:
    """``goal`` as the course: practice field COURSE, its text naming the course title
    (the title alone when the goal was empty, ``title – text`` when it did not name it
    yet), and, when the goal has no deadline, the course's first date."""
    what = goal.what.strip()
    if not what:
        what = course.title
    elif course.title not in what:
        what = f"{course.title} – {what}"
    deadline = goal.deadline
    if deadline is None and course.dates:
        deadline = min(course.dates)
    return dataclasses.replace(
        goal, practice_field=PracticeField.COURSE, what=what, deadline=deadline
    )


# --- completions --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class Completion(Versioned):
    """A person took a course. Published in the competence catalogue only with their
    consent; withdrawing it is a new version with ``consent_to_publish=False``."""

    record_type: ClassVar[str] = "course_completion"

    person_id: str
    course_id: str
    completed_on: dt.date
    consent_to_publish: bool = False
    # Set when consent is taken back: the withdrawal must reach everyone who saw it.
    withdrawn: bool = False

    def with_consent(self, consent: bool, author: str) -> Completion:
        if consent == self.consent_to_publish:
            return self
        return self.revised(author=author, consent_to_publish=consent,
                            withdrawn=self.withdrawn or not consent)


def competence_catalogue(
    completions: Iterable[Completion], courses: Mapping[str, Course]
) -> dict[str, list[tuple[str, str]]]:
    """Competence id → [(person id, course title)], sorted, for completions whose latest
    version consents to publishing.

    The latest versions are those no other given version names as a parent. When a
    person's completions of one course end in more than one such version (edited on two
    devices, or recorded twice), the entry is published only if every one of them
    consents: a withdrawal anywhere wins. Completions of unknown courses are left out.
    """
    given = list(completions)
    superseded = {parent for c in given for parent in c.parents}
    heads: dict[tuple[str, str], list[Completion]] = {}
    for completion in given:
        if completion.version not in superseded:
            heads.setdefault((completion.person_id, completion.course_id), []).append(completion)
    catalogue: dict[str, set[tuple[str, str]]] = {}
    for (person, course_id), latest in heads.items():
        course = courses.get(course_id)
        if course is None or not all(c.consent_to_publish for c in latest):
            continue
        for competence in course.competence_ids:
            catalogue.setdefault(competence, set()).add((person, course.title))
    return {c: sorted(entries) for c, entries in sorted(catalogue.items())}

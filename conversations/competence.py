"""The six-step competence scale and job profiles.

"Ikke relevant for mig" says a competence does not apply to the person; it is not the
lowest level, so it never enters an average and never counts as a gap.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping


class Level(enum.IntEnum):
    NOT_RELEVANT = 0
    NOVICE = 1
    ADVANCED_BEGINNER = 2
    COMPETENT = 3
    PROFICIENT = 4
    EXPERT = 5

    @property
    def text_key(self) -> str:
        return f"level.{self.name.lower()}"

    @property
    def counts(self) -> bool:
        """Whether the level takes part in averages and gap analysis."""
        return self is not Level.NOT_RELEVANT


SCALE: tuple[Level, ...] = tuple(Level)


def mean_level(levels: Iterable[Level | int | None]) -> float | None:
    """Average of the levels that count; None when none do."""
    values = [int(v) for v in levels if v is not None and Level(v).counts]
    return sum(values) / len(values) if values else None


@dataclasses.dataclass(frozen=True)
class Competence:
    id: str
    name: Mapping[str, str]
    description: Mapping[str, str] = dataclasses.field(default_factory=dict)
    expected: Level = Level.COMPETENT
    group: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """The heading the competence is listed under (e.g. *Faglighed*); empty: none."""
    goals: tuple[Mapping[str, str], ...] = ()
    """The unit's goals the competence serves, as the organisation words them."""


@dataclasses.dataclass(frozen=True)
class JobProfile:
    id: str
    title: Mapping[str, str]
    competences: tuple[Competence, ...]

    def gap(self, ratings: Mapping[str, Level | int]) -> dict[str, int]:
        """Expected minus rated level per competence; only where the rating counts."""
        gaps: dict[str, int] = {}
        for competence in self.competences:
            rated = ratings.get(competence.id)
            if rated is None or not Level(rated).counts:
                continue
            gaps[competence.id] = int(competence.expected) - int(rated)
        return gaps


ROLE_PROFILES: Mapping[str, str] = {"leader": "leader", "employee": "therapist-carer"}


def default_job_profile(role: str, available: Mapping[str, JobProfile]) -> str | None:
    """The job profile a new person starts with, when the organisation has it."""
    wanted = ROLE_PROFILES.get(role)
    return wanted if wanted in available else None

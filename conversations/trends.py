"""Anonymous competence trends for the MED committee.

Owns: the numbers MED may see — per organisation, unit and team within a unit, and per
competence, how many people rated it and their mean level — and the suppression that
keeps every shown number, and every number that can be worked out from shown numbers,
backed by at least :data:`MIN_GROUP` people.

Must not touch: Flet, storage, sync, cryptography; nor anything that names a person.

Why it is safe. The groups form a tree: organisation → unit → team; people without a
unit sit directly in the organisation, people without a team directly in their unit (a
team without a unit hangs under the organisation). For one competence, every shown
count (and sum = mean × count) is the sum of the *regions* below it: a shown group's
region is the group minus its nearest shown subgroups. Any whole-number combination of
shown cells is a combination of regions, and the regions are disjoint, so the smallest
groups an attacker can single out by differencing are exactly the non-empty regions.
We therefore show a cell only when its count is at least ``min_group`` (primary
suppression) and, to a fixed point, make every shown region either empty or at least
``min_group`` people (complementary suppression): when a region is too small we hide
the smallest nearest shown subgroup that adds people to it, or, when none does, the
group itself. So a group's total is only lost when it is itself too small, and the
organisation's total is shown whenever at least ``min_group`` people rated. Counts and
means are always hidden together. Different competences are rated by different sets
of people and shown independently; nothing adds across them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from conversations.directory import MED_MIN_GROUP, Member
from conversations.overview import Rating, chosen_levels

MIN_GROUP = MED_MIN_GROUP

Path = tuple[str, ...]
"""A group: ``()`` the organisation, ``(unit,)``, ``(unit, team)`` (unit may be "")."""


@dataclasses.dataclass(frozen=True)
class TrendCell:
    """One shown number pair; ``count`` and ``mean`` are None when suppressed.

    ``group`` is the display name (``""`` for the organisation, else the team's or the
    unit's name); ``unit`` and ``team`` say exactly which group it is."""

    group: str
    competence_id: str
    count: int | None
    mean: float | None
    unit: str = ""
    team: str = ""

    @property
    def path(self) -> Path:
        return person_path(self.unit, self.team)[-1]

    @property
    def suppressed(self) -> bool:
        return self.count is None


def person_path(unit: str, team: str) -> tuple[Path, ...]:
    """The groups a person in ``unit`` and ``team`` counts in, from the top."""
    paths: list[Path] = [()]
    if unit:
        paths.append((unit,))
    if team:
        paths.append((unit, team))
    return tuple(paths)


def _parent(path: Path) -> Path | None:
    if not path:
        return None
    if len(path) == 2 and not path[0]:  # a team without a unit
        return ()
    return path[:-1]


def _tree(members: Iterable[Member]) -> dict[Path, list[Path]]:
    """Group → its subgroups, for every group that has a member; top-down order."""
    children: dict[Path, list[Path]] = {(): []}
    for member in members:
        for path in person_path(member.unit, member.team)[1:]:
            if path not in children:
                children[path] = []
                parent = _parent(path)
                if parent is not None:
                    children.setdefault(parent, []).append(path)
    ordered = sorted(children, key=lambda p: (len(p), p))
    return {path: sorted(children[path]) for path in ordered}


def _nearest_shown(path: Path, children: Mapping[Path, list[Path]],
                   shown: set[Path]) -> list[Path]:
    """The shown groups below ``path`` with no shown group between them and it."""
    found: list[Path] = []
    stack = list(children[path])
    while stack:
        child = stack.pop()
        if child in shown:
            found.append(child)
        else:
            stack.extend(children[child])
    return found


def _region(path: Path, children: Mapping[Path, list[Path]], shown: set[Path],
            counts: Mapping[Path, int]) -> int:
    return counts[path] - sum(counts[d] for d in _nearest_shown(path, children, shown))


def suppress(
    counts: Mapping[Path, int], children: Mapping[Path, list[Path]], min_group: int
) -> set[Path]:
    """The groups whose numbers may be shown, for one competence's ``counts``."""
    shown = {path for path in children if counts.get(path, 0) >= min_group}
    changed = True
    while changed:
        changed = False
        for path in children:
            if path not in shown:
                continue
            nearest = _nearest_shown(path, children, shown)
            residual = counts[path] - sum(counts[d] for d in nearest)
            if not 0 < residual < min_group:
                continue
            helpful = [d for d in nearest if _region(d, children, shown, counts) > 0]
            # a subgroup with an empty region adds nobody, but hiding it brings its own
            # subgroups up to be hidden next; it was derivable from them anyway
            opening = [d for d in nearest if counts[d] > 0]
            if helpful or opening:
                shown.discard(min(helpful or opening, key=lambda d: (counts[d], d)))
            else:
                shown.discard(path)
            changed = True
    return shown


def med_trends(
    ratings: Iterable[Rating],
    members: Mapping[str, Member],
    *,
    year: int,
    min_group: int = MIN_GROUP,
) -> list[TrendCell]:
    """Every group × competence rated in ``year``, shown or suppressed.

    Only self-assessments count (MED sees how people see themselves, not what leaders
    wrote about them); NOT_RELEVANT never counts; people not in ``members`` are left
    out. ``min_group`` is the organisation's policy, never below :data:`MIN_GROUP`.
    Cells come organisation first, then units, then teams, each by competence."""
    min_group = max(min_group, MIN_GROUP)
    children = _tree(members.values())
    levels = chosen_levels(ratings, year=year)
    paths_of: dict[str, tuple[Path, ...]] = {}
    counts: dict[str, dict[Path, int]] = {}
    sums: dict[str, dict[Path, int]] = {}
    for (person_id, competence_id), level in levels.items():
        paths = paths_of.get(person_id)
        if paths is None:
            member = members.get(person_id)
            if member is None:
                continue
            paths = paths_of[person_id] = person_path(member.unit, member.team)
        competence_counts = counts.setdefault(competence_id, {})
        competence_sums = sums.setdefault(competence_id, {})
        if not level:
            continue
        for path in paths:
            competence_counts[path] = competence_counts.get(path, 0) + 1
            competence_sums[path] = competence_sums.get(path, 0) + level
    cells: list[TrendCell] = []
    shown_by_competence = {
        competence_id: suppress(
            {path: competence_counts.get(path, 0) for path in children}, children, min_group
        )
        for competence_id, competence_counts in counts.items()
    }
    for path in children:
        unit = path[0] if path else ""
        team = path[1] if len(path) == 2 else ""
        for competence_id in sorted(counts):
            if path in shown_by_competence[competence_id]:
                count = counts[competence_id][path]
                cells.append(TrendCell(team or unit, competence_id, count,
                                       sums[competence_id][path] / count, unit, team))
            else:
                cells.append(TrendCell(team or unit, competence_id, None, None, unit, team))
    return cells

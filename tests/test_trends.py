"""MED trends: no number shown to MED, nor any difference of shown numbers, comes from
fewer than five people."""

from __future__ import annotations

import itertools
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.competence import Level
from conversations.directory import Member
from conversations.overview import Rating
from conversations.trends import MIN_GROUP, TrendCell, med_trends, person_path

YEAR = 2026


def people(spec: list[tuple[str, str, int]]) -> dict[str, Member]:
    """``(unit, team, how many)`` → members named u-t-i."""
    members = {}
    for unit, team, number in spec:
        for i in range(number):
            member = Member(id=f"{unit}-{team}-{i}", name=f"P {i}", unit=unit, team=team)
            members[member.id] = member
    return members


def rate_all(members: dict[str, Member], level: Level = Level.COMPETENT,
             competence: str = "c1") -> list[Rating]:
    return [Rating(pid, competence, level, YEAR) for pid in members]


def cell(cells: list[TrendCell], unit: str = "", team: str = "",
         competence: str = "c1") -> TrendCell:
    (found,) = [c for c in cells if (c.unit, c.team, c.competence_id) == (unit, team,
                                                                         competence)]
    return found


def test_a_team_of_three_is_hidden_and_its_sibling_too() -> None:
    members = people([("Pleje", "Nat", 3), ("Pleje", "Dag", 6), ("Køkken", "", 7)])
    cells = med_trends(rate_all(members), members, year=YEAR)
    assert cell(cells, "Pleje", "Nat").count is None
    assert cell(cells, "Pleje", "Dag").count is None  # else Pleje − Dag = Nat
    assert cell(cells, "Pleje").count == 9
    assert cell(cells, "Køkken").count == 7
    assert cell(cells).count == 16
    assert cell(cells).mean == 3.0


def test_an_organisation_of_four_shows_nothing() -> None:
    members = people([("Pleje", "Dag", 4)])
    cells = med_trends(rate_all(members), members, year=YEAR)
    assert cells and all(c.count is None and c.mean is None for c in cells)


def test_people_without_a_team_are_a_group_of_their_own() -> None:
    members = people([("Pleje", "Dag", 6), ("Pleje", "", 2), ("Køkken", "", 9)])
    cells = med_trends(rate_all(members), members, year=YEAR)
    # Pleje (8) − Dag (6) would be the 2 without a team: Dag goes, Pleje stays
    assert cell(cells, "Pleje", "Dag").count is None
    assert cell(cells, "Pleje").count == 8


def test_the_parent_goes_when_no_sibling_can_cover() -> None:
    members = people([("Pleje", "Dag", 6), ("Pleje", "Nat", 5), ("Pleje", "", 1)])
    cells = med_trends(rate_all(members), members, year=YEAR)
    shown = {(c.unit, c.team) for c in cells if c.count is not None}
    # any residual of 1 must be hidden; the organisation equals Pleje, so one of them is
    # enough to reveal the unteamed person unless a team is hidden
    assert ("Pleje", "Nat") not in shown or ("Pleje", "") not in shown
    assert_no_small_group(cells, members, rate_all(members))


def test_differences_across_levels_are_covered() -> None:
    """The organisation minus a shown team two levels down is a group too."""
    members = people([("Pleje", "Dag", 7), ("", "", 2)])
    cells = med_trends(rate_all(members), members, year=YEAR)
    assert cell(cells).count == 9
    assert cell(cells, "Pleje").count is None
    assert cell(cells, "Pleje", "Dag").count is None
    assert_no_small_group(cells, members, rate_all(members))


def test_not_relevant_never_counts() -> None:
    members = people([("Pleje", "", 6)])
    ratings = rate_all(members)
    ratings[0] = Rating(ratings[0].person_id, "c1", Level.NOT_RELEVANT, YEAR)
    cells = med_trends(ratings, members, year=YEAR)
    assert cell(cells).count == 5
    assert cell(cells, "Pleje").count == 5
    ratings[1] = Rating(ratings[1].person_id, "c1", Level.NOT_RELEVANT, YEAR)
    cells = med_trends(ratings, members, year=YEAR)
    assert cell(cells).count is None


def test_leaders_assessments_other_years_and_strangers_do_not_count() -> None:
    members = people([("Pleje", "", 5)])
    ratings = [*rate_all(members, Level.NOVICE),
               Rating("stranger", "c1", Level.EXPERT, YEAR),
               *(Rating(pid, "c1", Level.EXPERT, YEAR, by_leader=True) for pid in members),
               *(Rating(pid, "c1", Level.EXPERT, YEAR - 1) for pid in members)]
    cells = med_trends(ratings, members, year=YEAR)
    assert (cell(cells).count, cell(cells).mean) == (5, 1.0)


def test_a_higher_policy_minimum_is_kept_and_a_lower_one_ignored() -> None:
    members = people([("Pleje", "", 6)])
    assert cell(med_trends(rate_all(members), members, year=YEAR, min_group=7)).count is None
    four = dict(list(members.items())[:4])
    low = med_trends(rate_all(four), members, year=YEAR, min_group=2)
    assert cell(low).count is None


def test_cells_come_organisation_first_and_name_their_group() -> None:
    members = people([("Pleje", "Dag", 5), ("Pleje", "Nat", 5), ("", "Løse", 5)])
    cells = med_trends(rate_all(members), members, year=YEAR)
    assert [(c.group, c.unit, c.team) for c in cells] == [
        ("", "", ""), ("Pleje", "Pleje", ""), ("Løse", "", "Løse"),
        ("Dag", "Pleje", "Dag"), ("Nat", "Pleje", "Nat")]
    assert [c.path for c in cells] == [(), ("Pleje",), ("", "Løse"), ("Pleje", "Dag"),
                                       ("Pleje", "Nat")]
    assert all(c.count in {5, 10, 15} for c in cells)


# --- the attacker ----------------------------------------------------------------------


def assert_no_small_group(cells: list[TrendCell], members: dict[str, Member],
                          ratings: list[Rating], min_group: int = MIN_GROUP) -> None:
    """Everything an attacker can work out from the shown cells is 0 or >= min_group
    people, and every shown number is true."""
    truth: dict[str, dict[str, int]] = defaultdict(dict)
    for rating in ratings:
        if rating.year == YEAR and not rating.by_leader and rating.person_id in members:
            truth[rating.competence_id][rating.person_id] = rating.level
    by_competence: dict[str, dict[tuple[str, ...], TrendCell]] = defaultdict(dict)
    for c in cells:
        by_competence[c.competence_id][c.path] = c
    for competence, shown_cells in by_competence.items():
        raters = {pid: lvl for pid, lvl in truth[competence].items() if lvl}
        # 1. every shown number is at least min_group people, and true
        for path, c in shown_cells.items():
            inside = [lvl for pid, lvl in raters.items()
                      if path in person_path(members[pid].unit, members[pid].team)]
            if c.count is None:
                assert c.mean is None
                continue
            assert c.count >= min_group, c
            assert c.count == len(inside)
            assert c.mean is not None and abs(c.mean - sum(inside) / len(inside)) < 1e-9
        shown = {p: c for p, c in shown_cells.items() if c.count is not None}
        # 2. the attacker: parent − the shown children, for counts and sums
        for path, parent in shown.items():
            kids = [c for p, c in shown_cells.items() if p and _parent_of(p) == path]
            shown_kids = [c for c in kids if c.count is not None]
            assert parent.count is not None and parent.mean is not None
            residual = parent.count - sum(c.count or 0 for c in shown_kids)
            assert residual == 0 or residual >= min_group, (path, residual, cells)
            residual_sum = parent.mean * parent.count - sum(
                (c.mean or 0) * (c.count or 0) for c in shown_kids)
            if residual == 0:
                assert abs(residual_sum) < 1e-6
        # 3. any combination of shown cells: people are told apart only by which shown
        #    cells hold them; each such class (an "atom") is derivable in a tree of
        #    groups, so every non-empty one must be 0 or >= min_group people
        atoms: dict[frozenset[tuple[str, ...]], int] = defaultdict(int)
        for pid in raters:
            holding = frozenset(p for p in person_path(members[pid].unit, members[pid].team)
                                if p in shown)
            if holding:
                atoms[holding] += 1
        for atom, size in atoms.items():
            assert size >= min_group, (competence, sorted(atom), size)
        # 4. brute force on small trees: no ±1 combination of shown counts is 1..4
        values = [c.count for c in shown.values() if c.count is not None]
        if len(values) <= 8:
            for signs in itertools.product((-1, 0, 1), repeat=len(values)):
                total = sum(s * v for s, v in zip(signs, values, strict=True))
                members_hit = _indicator(signs, list(shown), raters, members)
                if members_hit is not None:
                    assert total == 0 or total >= min_group, (signs, values)


def _parent_of(path: tuple[str, ...]) -> tuple[str, ...]:
    if len(path) == 2 and not path[0]:
        return ()
    return path[:-1]


def _indicator(signs: tuple[int, ...], paths: list[tuple[str, ...]],
               raters: dict[str, int], members: dict[str, Member]) -> int | None:
    """How many raters the signed combination picks out, when it is a set (every
    person's coefficient 0 or 1); None otherwise."""
    hit = 0
    for pid in raters:
        own = person_path(members[pid].unit, members[pid].team)
        weight = sum(s for s, p in zip(signs, paths, strict=True) if p in own)
        if weight not in (0, 1):
            return None
        hit += weight
    return hit


LEVELS = st.sampled_from(list(Level))


@st.composite
def organisations(draw: st.DrawFn) -> tuple[dict[str, Member], list[Rating]]:
    units = draw(st.lists(st.sampled_from(["A", "B", "C", "D"]), min_size=1, max_size=4,
                          unique=True))
    groups: list[tuple[str, str]] = [("", "")]
    for unit in units:
        groups.append((unit, ""))
        teams = draw(st.integers(0, 4))
        groups.extend((unit, f"{unit}{t}") for t in range(teams))
    if draw(st.booleans()):
        groups.append(("", "Z"))  # a team without a unit
    # sizes per group rather than people at random: small groups next to sizeable ones
    # are where differencing bites
    sizes = draw(st.lists(st.integers(0, 12), min_size=len(groups), max_size=len(groups)))
    where = [group for group, size in zip(groups, sizes, strict=True)
             for _ in range(size)][:40]
    members = {f"p{i}": Member(id=f"p{i}", name=f"P{i}", unit=u, team=t)
               for i, (u, t) in enumerate(where)}
    ratings = []
    for pid in members:
        for competence in ("c1", "c2"):
            if draw(st.integers(0, 15)) == 0:
                continue  # did not rate it
            ratings.append(Rating(pid, competence, draw(LEVELS), YEAR))
    return members, ratings


@settings(max_examples=400, deadline=None)
@given(organisations(), st.sampled_from([5, 5, 6]))
def test_no_combination_of_shown_numbers_reveals_a_small_group(
    organisation: tuple[dict[str, Member], list[Rating]], min_group: int
) -> None:
    members, ratings = organisation
    cells = med_trends(ratings, members, year=YEAR, min_group=min_group)
    assert_no_small_group(cells, members, ratings, min_group)


@settings(max_examples=100, deadline=None)
@given(organisations())
def test_suppression_is_not_needlessly_total(
    organisation: tuple[dict[str, Member], list[Rating]]
) -> None:
    """The organisation's total is the most useful number: complementary suppression
    hides units and teams instead, so it is only hidden when too few people rated."""
    members, ratings = organisation
    cells = med_trends(ratings, members, year=YEAR)
    for c in cells:
        if c.path == () and c.count is None:
            raters = {r.person_id for r in ratings
                      if r.competence_id == c.competence_id and r.level}
            assert len(raters) < MIN_GROUP

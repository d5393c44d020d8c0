"""Leader and HR overviews: who stands where in the yearly cycle, and competence gaps.

Owns: the leader's status board (one row per person, a CSV of it), coverage per leader
for the leader's leader, who may see an individual's competence profile, and the HR
competence overview (mean level and gap against the job profile per organisation, unit,
team or person, with a heatmap bucket per gap).

Must not touch: Flet, storage, sync, cryptography. Everything here is a pure function of
plain data, fast enough to recompute on every screen refresh (45,000 people × 30
competences × 3 years in well under a second, see ``bench/overview.py``). The HR
overview is fastest over a :class:`RatingBook` — the ratings kept as the records hold
them, one :class:`Assessment` per person, year and rater — where it sums each group's
levels column by column in C instead of walking one :class:`Rating` object per
competence in Python.

Anonymous MED figures live in :mod:`conversations.trends`, never here: these overviews
show individuals and small groups and are only for the leader and HR.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import enum
import io
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import overload

from conversations.competence import JobProfile, Level
from conversations.directory import Directory, Member
from conversations.model import FOLLOW_UP_NOTICE, Conversation, Kind, Role, State

# --- the leader's status board ---------------------------------------------------------


class BoardState(enum.StrEnum):
    NOT_PLANNED = "not_planned"
    PLANNED = "planned"
    PREPARED = "prepared"
    HELD = "held"
    AGREED = "agreed"
    FOLLOW_UP_DUE = "follow_up_due"
    OVERDUE = "overdue"
    DONE = "done"

    @property
    def text_key(self) -> str:
        return f"board.{self.value}"


BOARD_ORDER: tuple[BoardState, ...] = (
    BoardState.OVERDUE,
    BoardState.FOLLOW_UP_DUE,
    BoardState.NOT_PLANNED,
    BoardState.PLANNED,
    BoardState.PREPARED,
    BoardState.HELD,
    BoardState.AGREED,
    BoardState.DONE,
)
"""What needs the leader first comes first."""

_RANK = {state: rank for rank, state in enumerate(BOARD_ORDER)}

HELD_OR_LATER = frozenset(
    {BoardState.HELD, BoardState.AGREED, BoardState.FOLLOW_UP_DUE, BoardState.OVERDUE,
     BoardState.DONE}
)

INDIVIDUAL_KINDS: tuple[Kind, ...] = (Kind.MUS, Kind.PUS, Kind.LUS)

_BEFORE_HELD = frozenset({State.PLANNED, State.INVITED, State.PREPARING})


@dataclasses.dataclass(frozen=True)
class BoardRow:
    person_id: str
    name: str
    state: BoardState
    kind: Kind | None
    planned_at: dt.datetime | None
    follow_up_due: dt.date | None
    conversation_id: str | None


def board_state(
    conversation: Conversation | None,
    today: dt.date,
    *,
    prepared: bool = False,
    followed_up: bool = False,
) -> BoardState:
    """Where one person's conversation stands today.

    A cancelled conversation counts as none. Before it is held it is *prepared* once the
    person has shared a preparation. After the agreement the follow-up decides: due
    within :data:`~conversations.model.FOLLOW_UP_NOTICE` (30 days) or today is
    *follow-up due*, past its day *overdue*. ``followed_up`` (a follow-up was held) and
    the state FOLLOWED_UP both mean *done*.
    """
    if conversation is None or conversation.state is State.CANCELLED:
        return BoardState.NOT_PLANNED
    state = conversation.state
    if state is State.FOLLOWED_UP:
        return BoardState.DONE
    if state in _BEFORE_HELD:
        return BoardState.PREPARED if prepared else BoardState.PLANNED
    if state is State.HELD:
        return BoardState.HELD
    # AGREED
    if followed_up:
        return BoardState.DONE
    due = conversation.follow_up_due
    if due is None:
        return BoardState.AGREED
    if due < today:
        return BoardState.OVERDUE
    if due <= today + FOLLOW_UP_NOTICE:
        return BoardState.FOLLOW_UP_DUE
    return BoardState.AGREED


def _conversation_key(conversation: Conversation) -> tuple[bool, dt.datetime]:
    """Orders a person's conversations of a year: the latest planned one wins, and a
    cancelled one only when there is nothing else."""
    return (
        conversation.state is not State.CANCELLED,
        conversation.planned_at or dt.datetime.min,  # noqa: DTZ901 - planned times are local
    )


def _in_year(conversation: Conversation, year: int) -> bool:
    """Conversations without a date yet count for the year being looked at, unless they
    were cancelled before anyone set one."""
    if conversation.planned_at is None:
        return conversation.state is not State.CANCELLED
    return conversation.planned_at.year == year


def conversations_by_person(
    conversations: Iterable[Conversation],
    *,
    year: int,
    kinds: Collection[Kind] = INDIVIDUAL_KINDS,
) -> dict[str, Conversation]:
    """Each participant's conversation of ``year`` among ``kinds`` (one pass)."""
    wanted = frozenset(kinds)
    chosen: dict[str, Conversation] = {}
    for conversation in conversations:
        if conversation.kind not in wanted or not _in_year(conversation, year):
            continue
        key = _conversation_key(conversation)
        for person in conversation.participant_ids:
            current = chosen.get(person)
            if current is None or _conversation_key(current) < key:
                chosen[person] = conversation
    return chosen


def leader_board(
    members: Iterable[Member],
    conversations: Iterable[Conversation],
    today: dt.date,
    *,
    year: int,
    prepared: Collection[str] = (),
    followed_up: Collection[str] = (),
    kinds: Collection[Kind] = INDIVIDUAL_KINDS,
) -> list[BoardRow]:
    """One row per member: their individual conversation of ``year``.

    ``prepared``: ids of conversations where the person has shared a preparation;
    ``followed_up``: ids of conversations whose follow-up has been held. Rows come in
    :data:`BOARD_ORDER`, then by name.
    """
    every = list(conversations)
    by_person = conversations_by_person(every, year=year, kinds=kinds)
    prepared_ids = frozenset(prepared)
    followed_ids = frozenset(followed_up)
    urgent = _urgent_follow_ups(every, today, followed_ids, kinds)
    rows = []
    for member in members:
        conversation = by_person.get(member.id)
        pressing = urgent.get(member.id)
        if pressing is not None and (conversation is None or _RANK[pressing[0]] < _RANK[
                board_state(conversation, today, prepared=conversation.id in prepared_ids,
                            followed_up=conversation.id in followed_ids)]):
            # A follow-up due or overdue from an earlier conversation is never hidden
            # behind the next conversation being planned.
            conversation = pressing[1]
        if conversation is None:
            rows.append(BoardRow(member.id, member.name, BoardState.NOT_PLANNED,
                                 None, None, None, None))
            continue
        state = board_state(
            conversation,
            today,
            prepared=conversation.id in prepared_ids,
            followed_up=conversation.id in followed_ids,
        )
        if state is BoardState.NOT_PLANNED:  # cancelled: nothing to open
            rows.append(BoardRow(member.id, member.name, state, None, None, None, None))
            continue
        rows.append(BoardRow(member.id, member.name, state, conversation.kind,
                             conversation.planned_at, conversation.follow_up_due,
                             conversation.id))
    rows.sort(key=lambda row: (_RANK[row.state], row.name.casefold(), row.person_id))
    return rows


def _urgent_follow_ups(
    conversations: Iterable[Conversation],
    today: dt.date,
    followed_up: Collection[str],
    kinds: Collection[Kind],
) -> dict[str, tuple[BoardState, Conversation]]:
    """Per person the most pressing follow-up of any year: overdue before due."""
    wanted = frozenset(kinds)
    found: dict[str, tuple[BoardState, Conversation]] = {}
    for conversation in conversations:
        if conversation.kind not in wanted or conversation.state is not State.AGREED:
            continue
        state = board_state(conversation, today, followed_up=conversation.id in followed_up)
        if state not in (BoardState.OVERDUE, BoardState.FOLLOW_UP_DUE):
            continue
        for person in conversation.participant_ids:
            known = found.get(person)
            if known is None or _RANK[state] < _RANK[known[0]]:
                found[person] = (state, conversation)
    return found


def coverage_by_leader(
    members: Iterable[Member],
    conversations: Iterable[Conversation],
    today: dt.date,
    *,
    year: int,
) -> dict[str, tuple[int, int]]:
    """Leader id → (people whose conversation of ``year`` is held or later, people led).

    For the leader's leader: how far each of their leaders has come this year."""
    by_person = conversations_by_person(conversations, year=year)
    coverage: dict[str, list[int]] = {}
    for member in members:
        if member.leader_id is None:
            continue
        counts = coverage.setdefault(member.leader_id, [0, 0])
        counts[1] += 1
        if board_state(by_person.get(member.id), today) in HELD_OR_LATER:
            counts[0] += 1
    return {leader: (done, led) for leader, (done, led) in coverage.items()}


BOARD_COLUMNS: tuple[str, ...] = ("name", "state", "kind", "planned_at", "follow_up_due")
"""The CSV's columns, as keys of the ``headings`` given to :func:`board_csv`."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def board_csv(
    rows: Sequence[BoardRow],
    headings: Mapping[str, str],
    state_names: Mapping[BoardState, str],
) -> str:
    """The board as CSV for Danish Excel: semicolons, a UTF-8 byte-order mark, ISO dates,
    and no cell that starts like a formula (``= + - @`` get a leading ``'``).

    Encode the result as UTF-8; the BOM is the first character."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_safe_cell(headings.get(column, column)) for column in BOARD_COLUMNS])
    for row in rows:
        writer.writerow([
            _safe_cell(row.name),
            _safe_cell(state_names.get(row.state, row.state.value)),
            row.kind.value if row.kind else "",
            row.planned_at.isoformat(sep=" ", timespec="minutes") if row.planned_at else "",
            row.follow_up_due.isoformat() if row.follow_up_due else "",
        ])
    return "\ufeff" + buffer.getvalue()


# --- the HR competence overview --------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Rating:
    """One person's level for one competence in one year: their own self-assessment, or
    (``by_leader``) their leader's assessment of them."""

    person_id: str
    competence_id: str
    level: Level
    year: int
    by_leader: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Cell:
    """``mean``: mean level of the ratings that count; ``gap``: mean of expected minus
    rated level, positive when below expectation (only people whose job profile holds
    the competence); ``count``: people whose rating counts. None when nothing counts."""

    mean: float | None
    gap: float | None
    count: int


@dataclasses.dataclass(frozen=True, slots=True)
class Assessment:
    """One person's levels in one year, as one ``competence_ratings`` record holds them:
    their own (or, ``by_leader``, their leader's), competence id -> level."""

    person_id: str
    year: int
    levels: Mapping[str, int]
    by_leader: bool = False


class RatingBook(Sequence[Rating]):
    """Ratings kept per year and person — own levels and the leader's apart — in the
    order given (a later level for the same competence wins, as in
    :func:`chosen_levels`). Reads as a sequence of :class:`Rating` too, so everything
    that takes ratings takes a book; :func:`competence_overview` reads it directly."""

    def __init__(self, assessments: Iterable[Assessment] = ()) -> None:
        self._years: dict[int, dict[str, tuple[dict[str, int], dict[str, int]]]] = {}
        for item in assessments:
            people = self._years.setdefault(item.year, {})
            person = people.get(item.person_id)
            if person is None:
                person = people[item.person_id] = ({}, {})
            person[1 if item.by_leader else 0].update(item.levels)
        self._flat: tuple[Rating, ...] | None = None

    @classmethod
    def of(cls, ratings: Iterable[Rating]) -> RatingBook:
        return cls(Assessment(r.person_id, r.year, {r.competence_id: int(r.level)},
                              r.by_leader) for r in ratings)

    def people(self, year: int, *, prefer_leader: bool = False
               ) -> Iterator[tuple[str, Mapping[str, int]]]:
        """Each person rated in ``year`` with the levels that speak for them (see
        :func:`chosen_levels`; NOT_RELEVANT kept)."""
        for person_id, (own, leaders) in self._years.get(year, {}).items():
            if prefer_leader and leaders:
                yield person_id, {**own, **leaders}
            elif own:
                yield person_id, own

    def _ratings(self) -> tuple[Rating, ...]:
        if self._flat is None:
            self._flat = tuple(
                Rating(person_id, competence, Level(level), year, by_leader)
                for year, people in self._years.items()
                for person_id, sides in people.items()
                for by_leader, levels in ((False, sides[0]), (True, sides[1]))
                for competence, level in levels.items()
            )
        return self._flat

    def __len__(self) -> int:
        return len(self._ratings())

    @overload
    def __getitem__(self, index: int) -> Rating: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Rating]: ...

    def __getitem__(self, index: int | slice) -> Rating | Sequence[Rating]:
        return self._ratings()[index]

    def __iter__(self) -> Iterator[Rating]:
        return iter(self._ratings())


class Grouping(enum.StrEnum):
    ORGANISATION = "organisation"
    UNIT = "unit"
    TEAM = "team"
    INDIVIDUAL = "individual"


def chosen_levels(
    ratings: Iterable[Rating], *, year: int, prefer_leader: bool = False
) -> dict[tuple[str, str], int]:
    """(person, competence) → the level that speaks for them in ``year``: their own, or
    the leader's where ``prefer_leader`` and the leader gave one. NOT_RELEVANT is kept
    here (it overrides, e.g. a leader saying a competence does not apply); callers skip
    zeros. When a rating is given twice, the later one wins."""
    own: dict[tuple[str, str], int] = {}
    leaders: dict[tuple[str, str], int] = {}
    for rating in ratings:
        if rating.year != year:
            continue
        if rating.by_leader:
            if prefer_leader:
                leaders[rating.person_id, rating.competence_id] = rating.level
        else:
            own[rating.person_id, rating.competence_id] = rating.level
    if leaders:
        own.update(leaders)
    return own


def _expectations(profiles: Mapping[str, JobProfile]) -> dict[str, dict[str, int]]:
    return {
        profile_id: {c.id: int(c.expected) for c in profile.competences}
        for profile_id, profile in profiles.items()
    }


def _group_key(member: Member, grouping: Grouping) -> str:
    if grouping is Grouping.ORGANISATION:
        return ""
    if grouping is Grouping.UNIT:
        return member.unit
    if grouping is Grouping.TEAM:
        return member.team
    return member.id


def competence_overview(
    ratings: Iterable[Rating],
    members: Mapping[str, Member],
    profiles: Mapping[str, JobProfile],
    *,
    grouping: Grouping,
    year: int,
    prefer_leader: bool = False,
) -> dict[str, dict[str, Cell]]:
    """Group → competence → :class:`Cell` for ``year``.

    Group keys: ``""`` for the organisation, the unit's or team's name (``""`` for people
    without one), or the person's id. People not in ``members`` are left out;
    NOT_RELEVANT never counts. The expected level comes from each person's job profile.
    A :class:`RatingBook` gives the same cells, much faster.
    """
    if isinstance(ratings, RatingBook):
        return _overview_of_book(ratings, members, profiles, grouping=grouping, year=year,
                                 prefer_leader=prefer_leader)
    levels = chosen_levels(ratings, year=year, prefer_leader=prefer_leader)
    expected_by_profile = _expectations(profiles)
    no_expectations: dict[str, int] = {}
    # person → (group, expectations), looked up once per person
    people: dict[str, tuple[str, dict[str, int]] | None] = {}
    # (group, competence) → [sum of levels, count, sum of gaps, gap count]
    totals: dict[tuple[str, str], list[int]] = {}
    for (person_id, competence_id), level in levels.items():
        if not level:
            continue
        try:
            person = people[person_id]
        except KeyError:
            member = members.get(person_id)
            person = None if member is None else (
                _group_key(member, grouping),
                expected_by_profile.get(member.job_profile or "", no_expectations),
            )
            people[person_id] = person
        if person is None:
            continue
        group, expected = person
        key = (group, competence_id)
        total = totals.get(key)
        if total is None:
            total = totals[key] = [0, 0, 0, 0]
        total[0] += level
        total[1] += 1
        wanted = expected.get(competence_id)
        if wanted is not None:
            total[2] += wanted - level
            total[3] += 1
    return _cells(totals)


def _cells(totals: Mapping[tuple[str, str], list[int]]) -> dict[str, dict[str, Cell]]:
    overview: dict[str, dict[str, Cell]] = {}
    for (group, competence_id), (level_sum, count, gap_sum, gap_count) in totals.items():
        overview.setdefault(group, {})[competence_id] = Cell(
            level_sum / count, gap_sum / gap_count if gap_count else None, count
        )
    return overview


def _overview_of_book(
    book: RatingBook,
    members: Mapping[str, Member],
    profiles: Mapping[str, JobProfile],
    *,
    grouping: Grouping,
    year: int,
    prefer_leader: bool,
) -> dict[str, dict[str, Cell]]:
    """:func:`competence_overview` over a book. People are gathered per group and job
    profile; each gathering becomes a table (a row of levels per person, 0 where a
    competence is missing) whose columns are summed and counted in C — so Python loops
    once per person and once per group, profile and competence, never per rating. A
    profile's gap sum is ``expected × count − level sum``."""
    gathered: dict[tuple[str, str], list[Mapping[str, int]]] = {}
    competences: set[str] = set()
    for person_id, levels in book.people(year, prefer_leader=prefer_leader):
        member = members.get(person_id)
        if member is None:
            continue
        key = (_group_key(member, grouping), member.job_profile or "")
        found = gathered.get(key)
        if found is None:
            found = gathered[key] = []
        found.append(levels)
        competences.update(levels)
    columns = sorted(competences)
    zeros = (0,) * len(columns)
    expected_by_profile = _expectations(profiles)
    totals: dict[tuple[str, str], list[int]] = {}
    for (group, profile_id), people in gathered.items():
        rows = [tuple(map(levels.get, columns, zeros)) for levels in people]
        expected = expected_by_profile.get(profile_id, {})
        for competence_id, column in zip(columns, zip(*rows, strict=True), strict=True):
            count = len(column) - column.count(0)
            if not count:
                continue
            level_sum = sum(column)
            total = totals.get((group, competence_id))
            if total is None:
                total = totals[group, competence_id] = [0, 0, 0, 0]
            total[0] += level_sum
            total[1] += count
            wanted = expected.get(competence_id)
            if wanted is not None:
                total[2] += wanted * count - level_sum
                total[3] += count
    return _cells(totals)


def year_trend(
    ratings: Iterable[Rating],
    members: Mapping[str, Member],
    profiles: Mapping[str, JobProfile],
    *,
    years: Sequence[int],
    prefer_leader: bool = False,
) -> dict[int, dict[str, Cell]]:
    """Year → competence → the organisation's :class:`Cell` (years with no ratings map
    to an empty dict)."""
    kept = ratings if isinstance(ratings, Sequence) else tuple(ratings)  # a book is one
    return {
        year: competence_overview(
            kept, members, profiles, grouping=Grouping.ORGANISATION, year=year,
            prefer_leader=prefer_leader,
        ).get("", {})
        for year in years
    }


def may_see_individual(viewer: Member, person_id: str, directory: Directory) -> bool:
    """An individual's competence profile is for the person, their leader and HR."""
    if viewer.id == person_id or Role.HR in viewer.roles:
        return True
    leader = directory.leader_of(person_id)
    return leader is not None and leader.id == viewer.id


HEAT_BUCKETS: tuple[str, ...] = ("none", "ok", "small", "medium", "large")


def heat(gap: float | None) -> str:
    """The heatmap bucket for a gap: ``none`` (no rating), ``ok`` (at or above the
    expected level), ``small`` (up to half a level below), ``medium`` (up to 1.5),
    ``large``."""
    if gap is None:
        return "none"
    if gap <= 0:
        return "ok"
    if gap <= 0.5:
        return "small"
    if gap <= 1.5:
        return "medium"
    return "large"

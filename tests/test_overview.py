"""Leader board, coverage per leader, the board as CSV, and the HR competence overview."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.competence import Competence, JobProfile, Level
from conversations.directory import Directory, Member
from conversations.model import Conversation, Kind, Role, State
from conversations.overview import (
    BOARD_ORDER,
    BoardRow,
    BoardState,
    Cell,
    Grouping,
    Rating,
    RatingBook,
    board_csv,
    board_state,
    competence_overview,
    coverage_by_leader,
    heat,
    leader_board,
    may_see_individual,
    year_trend,
)

TODAY = dt.date(2026, 6, 1)
YEAR = 2026


def talk(person: str, state: State = State.PLANNED, *, kind: Kind = Kind.MUS,
         planned: dt.datetime | None = dt.datetime(2026, 3, 2, 9),
         due: dt.date | None = None, leader: str = "boss") -> Conversation:
    return Conversation(kind=kind, sheet_id="mus", sheet_version=1, leader_id=leader,
                        participant_ids=(person,), planned_at=planned, state=state,
                        follow_up_due=due, author=leader)


# --- board_state -----------------------------------------------------------------------


def test_no_conversation_or_a_cancelled_one_is_not_planned() -> None:
    assert board_state(None, TODAY) is BoardState.NOT_PLANNED
    assert board_state(talk("a", State.CANCELLED), TODAY) is BoardState.NOT_PLANNED
    assert board_state(talk("a", State.CANCELLED), TODAY, prepared=True,
                       followed_up=True) is BoardState.NOT_PLANNED


@pytest.mark.parametrize("state", [State.PLANNED, State.INVITED, State.PREPARING])
def test_before_it_is_held_a_shared_preparation_makes_it_prepared(state: State) -> None:
    assert board_state(talk("a", state), TODAY) is BoardState.PLANNED
    assert board_state(talk("a", state), TODAY, prepared=True) is BoardState.PREPARED


@pytest.mark.parametrize(("due", "expected"), [
    (None, BoardState.AGREED),
    (TODAY + dt.timedelta(days=31), BoardState.AGREED),
    (TODAY + dt.timedelta(days=30), BoardState.FOLLOW_UP_DUE),
    (TODAY, BoardState.FOLLOW_UP_DUE),
    (TODAY - dt.timedelta(days=1), BoardState.OVERDUE),
])
def test_after_the_agreement_the_follow_up_decides(due: dt.date | None,
                                                   expected: BoardState) -> None:
    assert board_state(talk("a", State.AGREED, due=due), TODAY) is expected
    assert board_state(talk("a", State.AGREED, due=due), TODAY,
                       followed_up=True) is BoardState.DONE


def test_held_and_followed_up() -> None:
    assert board_state(talk("a", State.HELD), TODAY) is BoardState.HELD
    assert board_state(talk("a", State.FOLLOWED_UP), TODAY) is BoardState.DONE


def test_board_states_have_snake_case_values_and_text_keys() -> None:
    assert [s.value for s in BoardState] == [
        "not_planned", "planned", "prepared", "held", "agreed", "follow_up_due", "overdue",
        "done"]
    assert BoardState.FOLLOW_UP_DUE.text_key == "board.follow_up_due"
    assert set(BOARD_ORDER) == set(BoardState)


# --- leader_board ----------------------------------------------------------------------


def team() -> list[Member]:
    return [Member(id=pid, name=name, leader_id="boss") for pid, name in
            [("a", "Anna"), ("b", "Bo"), ("c", "Carl"), ("d", "Dorte"), ("e", "Erik"),
             ("f", "Frida")]]


def test_the_board_has_one_row_per_person_most_urgent_first() -> None:
    overdue = talk("c", State.AGREED, due=TODAY - dt.timedelta(days=3))
    prepared = talk("d", State.PREPARING)
    conversations = [
        talk("a", State.HELD),
        talk("b", State.FOLLOWED_UP),
        overdue,
        prepared,
        talk("e", State.AGREED, due=TODAY + dt.timedelta(days=10)),
        talk("x", State.HELD),  # not on this leader's board
    ]
    rows = leader_board(team(), conversations, TODAY, year=YEAR, prepared=[prepared.id])
    assert [(r.name, r.state) for r in rows] == [
        ("Carl", BoardState.OVERDUE),
        ("Erik", BoardState.FOLLOW_UP_DUE),
        ("Frida", BoardState.NOT_PLANNED),
        ("Dorte", BoardState.PREPARED),
        ("Anna", BoardState.HELD),
        ("Bo", BoardState.DONE),
    ]
    assert rows[0] == BoardRow("c", "Carl", BoardState.OVERDUE, Kind.MUS, overdue.planned_at,
                               overdue.follow_up_due, overdue.id)
    assert rows[2] == BoardRow("f", "Frida", BoardState.NOT_PLANNED, None, None, None, None)


def test_the_latest_planned_conversation_of_the_year_wins() -> None:
    people = team()[:1]
    old = talk("a", State.FOLLOWED_UP, planned=dt.datetime(2025, 3, 1, 9))
    early = talk("a", State.HELD, planned=dt.datetime(2026, 2, 1, 9))
    late = talk("a", State.PLANNED, kind=Kind.PUS, planned=dt.datetime(2026, 9, 1, 9))
    cancelled = talk("a", State.CANCELLED, planned=dt.datetime(2026, 11, 1, 9))
    team_talk = talk("a", State.HELD, kind=Kind.GRUS, planned=dt.datetime(2026, 12, 1, 9))
    rows = leader_board(people, [old, early, late, cancelled, team_talk], TODAY, year=YEAR)
    assert (rows[0].conversation_id, rows[0].state) == (late.id, BoardState.PLANNED)
    only_mus = leader_board(people, [early, late], TODAY, year=YEAR, kinds=[Kind.MUS])
    assert only_mus[0].conversation_id == early.id
    last_year = leader_board(people, [old, early], TODAY, year=2025)
    assert last_year[0].state is BoardState.DONE
    gone = leader_board(people, [cancelled], TODAY, year=YEAR)
    assert gone[0] == BoardRow("a", "Anna", BoardState.NOT_PLANNED, None, None, None, None)


def test_an_overdue_follow_up_is_never_hidden_behind_the_next_planned_conversation() -> None:
    people = team()[:1]
    agreed = talk("a", State.AGREED, planned=dt.datetime(2025, 10, 1, 9),
                  due=TODAY - dt.timedelta(days=3))
    next_one = talk("a", State.PLANNED, planned=dt.datetime(2026, 9, 1, 9))
    rows = leader_board(people, [agreed, next_one], TODAY, year=YEAR)
    assert (rows[0].state, rows[0].conversation_id) == (BoardState.OVERDUE, agreed.id)
    done = leader_board(people, [agreed, next_one], TODAY, year=YEAR, followed_up=[agreed.id])
    assert (rows[0].state, done[0].conversation_id) == (BoardState.OVERDUE, next_one.id)


def test_an_undated_conversation_counts_for_the_year_and_followed_up_ids_are_done() -> None:
    undated = talk("a", State.PLANNED, planned=None)
    agreed = talk("b", State.AGREED, due=TODAY - dt.timedelta(days=40))
    rows = leader_board(team()[:2], [undated, agreed], TODAY, year=YEAR,
                        followed_up={agreed.id})
    assert {r.person_id: r.state for r in rows} == {"a": BoardState.PLANNED,
                                                   "b": BoardState.DONE}


def test_coverage_per_leader_counts_held_or_later() -> None:
    members = [*team(), Member(id="boss", name="Chef", leader_id="top"),
               Member(id="boss2", name="Chef 2", leader_id="top"),
               Member(id="z", name="Zenia", leader_id="boss2"),
               Member(id="top", name="Direktør")]
    conversations = [talk("a", State.HELD), talk("b", State.AGREED),
                     talk("c", State.FOLLOWED_UP), talk("d", State.PREPARING),
                     talk("e", State.CANCELLED),
                     talk("boss", State.AGREED, kind=Kind.LUS, leader="top",
                          due=TODAY - dt.timedelta(days=1))]
    assert coverage_by_leader(members, conversations, TODAY, year=YEAR) == {
        "boss": (3, 6), "top": (1, 2), "boss2": (0, 1)}


# --- board_csv -------------------------------------------------------------------------

HEADINGS = {"name": "Navn", "state": "Status", "kind": "Samtale", "planned_at": "Tidspunkt",
            "follow_up_due": "Opfølgning"}


def test_the_board_csv_suits_danish_excel_and_runs_no_formulas() -> None:
    rows = [
        BoardRow("a", "=HYPERLINK(\"http://x\")", BoardState.OVERDUE, Kind.MUS,
                 dt.datetime(2026, 3, 2, 9, 30), dt.date(2026, 5, 1), "c1"),
        BoardRow("b", "Søren; \"Bo\" Ærø", BoardState.NOT_PLANNED, None, None, None, None),
        BoardRow("c", "-1+1", BoardState.DONE, Kind.PUS, None, None, "c2"),
        BoardRow("d", "@SUM(A1)", BoardState.HELD, Kind.LUS, None, None, "c3"),
        BoardRow("e", "+45 1234", BoardState.HELD, Kind.LUS, None, None, "c4"),
    ]
    names = {BoardState.OVERDUE: "Overskredet", BoardState.NOT_PLANNED: "Ikke planlagt",
             BoardState.DONE: "Færdig"}
    text = board_csv(rows, HEADINGS, names)
    assert text.startswith("\ufeffNavn;Status;Samtale;Tidspunkt;Opfølgning\r\n")
    parsed = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert parsed[1] == ["'=HYPERLINK(\"http://x\")", "Overskredet", "MUS", "2026-03-02 09:30",
                         "2026-05-01"]
    assert parsed[2] == ["Søren; \"Bo\" Ærø", "Ikke planlagt", "", "", ""]
    assert parsed[3][:2] == ["'-1+1", "Færdig"]
    assert parsed[4][:2] == ["'@SUM(A1)", "held"]  # no name given: the value
    assert parsed[5][0] == "'+45 1234"
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_no_csv_cell_can_start_a_formula(name: str) -> None:
    row = BoardRow("a", name or "x", BoardState.HELD, None, None, None, None)
    parsed = list(csv.reader(io.StringIO(board_csv([row], HEADINGS, {})[1:], newline=""),
                             delimiter=";"))
    assert parsed[1][0][:1] not in ("=", "+", "-", "@")


# --- competence overview ---------------------------------------------------------------

CARE = JobProfile(id="care", title={"da": "Pleje"}, competences=(
    Competence(id="k1", name={"da": "K1"}, expected=Level.PROFICIENT),
    Competence(id="k2", name={"da": "K2"}, expected=Level.COMPETENT),
))


def org() -> dict[str, Member]:
    people = [
        Member(id="boss", name="Chef", roles=frozenset({Role.LEADER}), unit="Pleje"),
        Member(id="a", name="Anna", unit="Pleje", team="Dag", leader_id="boss",
               job_profile="care"),
        Member(id="b", name="Bo", unit="Pleje", team="Dag", leader_id="boss",
               job_profile="care"),
        Member(id="c", name="Carl", unit="Pleje", team="Nat", leader_id="boss",
               job_profile="care"),
        Member(id="d", name="Dorte", unit="Køkken", leader_id="boss"),  # no profile
        Member(id="hr", name="Hanne", roles=frozenset({Role.HR}), unit="HR"),
    ]
    return {m.id: m for m in people}


def ratings() -> list[Rating]:
    return [
        Rating("a", "k1", Level.COMPETENT, YEAR),
        Rating("a", "k2", Level.EXPERT, YEAR),
        Rating("b", "k1", Level.NOVICE, YEAR),
        Rating("b", "k1", Level.PROFICIENT, YEAR, by_leader=True),
        Rating("b", "k2", Level.NOT_RELEVANT, YEAR),
        Rating("c", "k1", Level.EXPERT, YEAR),
        Rating("d", "k1", Level.ADVANCED_BEGINNER, YEAR),
        Rating("a", "k1", Level.EXPERT, YEAR - 1),
        Rating("ghost", "k1", Level.EXPERT, YEAR),
    ]


def test_the_organisation_overview_averages_levels_that_count() -> None:
    cells = competence_overview(ratings(), org(), {"care": CARE},
                                grouping=Grouping.ORGANISATION, year=YEAR)
    # k1: a 3, b 1, c 5, d 2 → mean 11/4; gaps only for profiled a, b, c: 1, 3, -1 → 1
    assert cells == {"": {"k1": Cell(11 / 4, 1.0, 4), "k2": Cell(5.0, -2.0, 1)}}


def test_the_leaders_assessment_speaks_when_preferred() -> None:
    cells = competence_overview(ratings(), org(), {"care": CARE},
                                grouping=Grouping.TEAM, year=YEAR, prefer_leader=True)
    assert cells["Dag"]["k1"] == Cell(3.5, 0.5, 2)
    assert cells["Nat"] == {"k1": Cell(5.0, -1.0, 1)}
    assert cells[""] == {"k1": Cell(2.0, None, 1)}  # Dorte: no team, no profile


def test_grouping_by_unit_and_individual() -> None:
    by_unit = competence_overview(ratings(), org(), {"care": CARE}, grouping=Grouping.UNIT,
                                  year=YEAR)
    assert set(by_unit) == {"Pleje", "Køkken"}
    assert by_unit["Pleje"]["k1"] == Cell(3.0, 1.0, 3)
    people = competence_overview(ratings(), org(), {"care": CARE},
                                 grouping=Grouping.INDIVIDUAL, year=YEAR)
    assert people["b"] == {"k1": Cell(1.0, 3.0, 1)}  # NOT_RELEVANT for k2: no cell
    assert "ghost" not in people
    assert competence_overview(ratings(), org(), {}, grouping=Grouping.INDIVIDUAL,
                               year=YEAR)["a"]["k1"] == Cell(3.0, None, 1)


def test_a_later_rating_replaces_an_earlier_one() -> None:
    again = [*ratings(), Rating("a", "k1", Level.EXPERT, YEAR)]
    people = competence_overview(again, org(), {"care": CARE},
                                 grouping=Grouping.INDIVIDUAL, year=YEAR)
    assert people["a"]["k1"] == Cell(5.0, -1.0, 1)


def test_year_trend_per_year() -> None:
    trend = year_trend(iter(ratings()), org(), {"care": CARE}, years=[YEAR - 1, YEAR, 2030])
    assert trend[YEAR - 1] == {"k1": Cell(5.0, -1.0, 1)}
    assert trend[YEAR]["k1"].count == 4
    assert trend[2030] == {}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from(["k1", "k2"]),
                          st.sampled_from(list(Level)), st.booleans()), max_size=30),
       st.booleans())
def test_overview_matches_a_plain_recount(
    raw: list[tuple[str, str, Level, bool]], prefer_leader: bool
) -> None:
    given_ratings = [Rating(p, k, lvl, YEAR, by_leader) for p, k, lvl, by_leader in raw]
    chosen: dict[tuple[str, str], Level] = {}
    for r in given_ratings:
        if not r.by_leader:
            chosen[r.person_id, r.competence_id] = r.level
    if prefer_leader:
        for r in given_ratings:
            if r.by_leader:
                chosen[r.person_id, r.competence_id] = r.level
    members = org()
    expected_levels = {c.id: int(c.expected) for c in CARE.competences}
    for grouping in Grouping:
        cells = competence_overview(given_ratings, members, {"care": CARE}, grouping=grouping,
                                    year=YEAR, prefer_leader=prefer_leader)
        for group, by_competence in cells.items():
            for competence, got in by_competence.items():
                inside = [(p, lvl) for (p, k), lvl in chosen.items() if k == competence
                          and lvl.counts and _key(members[p], grouping) == group]
                assert got.count == len(inside) > 0
                assert got.mean == pytest.approx(sum(lvl for _, lvl in inside) / len(inside))
                gaps = [expected_levels[competence] - lvl for p, lvl in inside
                        if members[p].job_profile == "care"]
                assert got.gap == (pytest.approx(sum(gaps) / len(gaps)) if gaps else None)
        counted = sum(c.count for g in cells.values() for c in g.values())
        assert counted == sum(1 for lvl in chosen.values() if lvl.counts)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d", "ghost"]),
                          st.sampled_from(["k1", "k2", "k9"]), st.sampled_from(list(Level)),
                          st.sampled_from([YEAR - 1, YEAR]), st.booleans()), max_size=40),
       st.booleans())
def test_a_rating_book_gives_the_same_overview_as_the_list_it_was_made_from(
    raw: list[tuple[str, str, Level, int, bool]], prefer_leader: bool
) -> None:
    given_ratings = [Rating(p, k, lvl, year, by_leader) for p, k, lvl, year, by_leader in raw]
    book = RatingBook.of(given_ratings)
    assert sorted(map(repr, book)) == sorted(map(repr, {
        (r.person_id, r.competence_id, r.year, r.by_leader): r for r in given_ratings
    }.values()))
    for grouping in Grouping:
        assert competence_overview(book, org(), {"care": CARE}, grouping=grouping, year=YEAR,
                                   prefer_leader=prefer_leader) == competence_overview(
            given_ratings, org(), {"care": CARE}, grouping=grouping, year=YEAR,
            prefer_leader=prefer_leader)


def _key(member: Member, grouping: Grouping) -> str:
    return {Grouping.ORGANISATION: "", Grouping.UNIT: member.unit,
            Grouping.TEAM: member.team, Grouping.INDIVIDUAL: member.id}[grouping]


def test_only_the_person_their_leader_and_hr_see_an_individual() -> None:
    members = org()
    members["top"] = Member(id="top", name="Direktør")
    members["boss"] = Member(id="boss", name="Chef", leader_id="top")
    directory = Directory(1, members)
    assert may_see_individual(members["a"], "a", directory)
    assert may_see_individual(members["boss"], "a", directory)
    assert may_see_individual(members["hr"], "a", directory)
    assert not may_see_individual(members["b"], "a", directory)
    assert not may_see_individual(members["top"], "a", directory)  # the leader's leader
    assert not may_see_individual(members["a"], "boss", directory)


@pytest.mark.parametrize(("gap", "bucket"), [
    (None, "none"), (-2.0, "ok"), (0.0, "ok"), (0.01, "small"), (0.5, "small"),
    (0.51, "medium"), (1.5, "medium"), (1.51, "large"), (4.0, "large"),
])
def test_heat_buckets(gap: float | None, bucket: str) -> None:
    assert heat(gap) == bucket

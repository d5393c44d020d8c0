"""The team conversation (GRUS, TUS): the dialog deck, the summary and the team plan."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.model import (
    Conversation,
    Goal,
    GoalStatus,
    InputRejected,
    Kind,
    Preparation,
    State,
    TeamPlan,
    follow_up_date,
)
from conversations.sheets import QuestionSheet, QuestionType
from conversations.team import (
    Card,
    SummaryTimer,
    approve_member_goal,
    dialog_deck,
    draw_card,
    exercise_cards,
    ground_rules,
    individual_follow_ups,
    summary_timer,
    unapproved_goals,
    with_action,
    with_action_status,
    with_member_goal,
    without_action,
)
from resources.library import load_library

LIBRARY = load_library()
NO_DATABASE = settings(database=None)  # nothing written into the working tree
TODAY = dt.date(2026, 3, 2)


def sheet(sheet_id: str) -> QuestionSheet:
    found = LIBRARY.sheet(sheet_id)
    assert found is not None, LIBRARY.problems
    return found


TUS = sheet("tus")
GRUS = sheet("grus")


def prep(author: str, *, shared: bool = True, **answers: str) -> Preparation:
    """A preparation with answers keyed by question id (dots written as "__")."""
    return Preparation(
        conversation_id="tus1",
        author=author,
        answers={key.replace("__", "."): text for key, text in answers.items()},
        shared_with_leader=shared,
    )


def team_conversation(kind: Kind = Kind.GRUS, **more: object) -> Conversation:
    values: dict[str, object] = {
        "id": "team1",
        "kind": kind,
        "sheet_id": kind.value.lower(),
        "sheet_version": 1,
        "leader_id": "lea",
        "participant_ids": ("ann", "bo", "cai"),
        "state": State.HELD,
        "author": "lea",
    }
    values.update(more)
    return Conversation(**values)  # type: ignore[arg-type]


def plan() -> TeamPlan:
    return TeamPlan(conversation_id="team1", author="lea")


def goal(goal_id: str = "g1", what: str = "Lære at bruge omsorgssystemet", **more: object) -> Goal:
    return Goal(id=goal_id, theme_id="development", what=what, **more)  # type: ignore[arg-type]


def answer_cards(deck: tuple[Card, ...]) -> list[Card]:
    return [card for card in deck if card.from_answers]


# --- the dialog deck ----------------------------------------------------------------------


def test_the_deck_starts_with_the_sheets_dialog_cards_in_sheet_order_and_language() -> None:
    deck = dialog_deck(TUS, [], "en")
    assert [c.id for c in deck] == [c.id for c in TUS.dialog_cards]
    assert [c.field_id for c in deck] == [c.field for c in TUS.dialog_cards]
    assert [c.text for c in deck] == [c.text["en"] for c in TUS.dialog_cards]
    assert not any(c.from_answers for c in deck)
    assert dialog_deck(TUS, [], "da")[0].text == TUS.dialog_cards[0].text["da"]


def test_a_language_the_sheet_lacks_falls_back_to_danish() -> None:
    assert dialog_deck(TUS, [], "de")[0].text == TUS.dialog_cards[0].text["da"]


def test_shared_answers_become_anonymous_cards_in_their_wheel_field() -> None:
    deck = dialog_deck(
        TUS,
        [
            prep("ann", our_team__good_day="Vi griner sammen", relations__citizens="Borgerne"),
            prep("bo", practice__tasks="For mange opgaver"),
        ],
        "da",
    )
    cards = answer_cards(deck)
    assert [(c.id, c.field_id, c.text) for c in cards] == [
        ("answer:our_team.good_day:1", "our_team", "Vi griner sammen"),
        ("answer:practice.tasks:1", "practice", "For mange opgaver"),
        ("answer:relations.citizens:1", "relations", "Borgerne"),
    ]
    authors = {"ann", "bo"}
    assert not any(authors & set(dataclasses.astuple(c)) for c in cards)
    assert {f.name for f in dataclasses.fields(Card)} == {"id", "field_id", "text", "from_answers"}


def test_answers_kept_private_do_not_reach_the_deck() -> None:
    deck = dialog_deck(TUS, [prep("ann", shared=False, our_team__good_day="Hemmeligt")], "da")
    assert answer_cards(deck) == []


def test_a_question_whose_theme_is_not_on_the_wheel_gives_cards_without_a_field() -> None:
    deck = dialog_deck(TUS, [prep("ann", team_development__one_thing="Faste møder")], "da")
    assert [(c.id, c.field_id) for c in answer_cards(deck)] == [
        ("answer:team_development.one_thing:1", "")
    ]


def test_only_text_questions_of_the_sheet_give_cards() -> None:
    not_text = [q.id for q in GRUS.all_questions() if q.type is not QuestionType.TEXT]
    assert not_text
    typed = {question_id: "4" for question_id in not_text}
    typed["old.question"] = "Fra et gammelt ark"
    preparation = Preparation(
        conversation_id="grus1", author="ann", answers=typed, shared_with_leader=True
    )
    assert answer_cards(dialog_deck(GRUS, [preparation], "da")) == []


def test_empty_and_blank_answers_give_no_cards() -> None:
    deck = dialog_deck(TUS, [prep("ann", our_team__good_day="  \n\u00a0 ")], "da")
    assert answer_cards(deck) == []


def test_the_same_answer_twice_becomes_one_card() -> None:
    deck = dialog_deck(
        TUS,
        [
            prep("ann", our_team__good_day="Vi hjælper hinanden"),
            prep("bo", our_team__good_day="  vi HJÆLPER hinanden "),
            prep("cai", our_team__bad_day="Vi hjælper hinanden"),
        ],
        "da",
    )
    assert len(answer_cards(deck)) == 1


def test_answers_are_ordered_by_question_then_text_whatever_order_they_come_in() -> None:
    preps = [
        prep("ann", our_team__bad_day="Stress", our_team__good_day="Ro"),
        prep("bo", our_team__good_day="Fælles frokost"),
        prep("cai", our_team__good_day="at nå det hele"),
    ]
    deck = dialog_deck(TUS, preps, "da")
    assert [(c.id, c.text) for c in answer_cards(deck)] == [
        ("answer:our_team.good_day:1", "at nå det hele"),
        ("answer:our_team.good_day:2", "Fælles frokost"),
        ("answer:our_team.good_day:3", "Ro"),
        ("answer:our_team.bad_day:1", "Stress"),
    ]
    assert dialog_deck(TUS, reversed(preps), "da") == deck


def test_a_long_answer_is_kept_whole_and_word_punctuation_stays() -> None:
    long = "“Vi” – • " + "ord " * 4000 + "slut"
    deck = dialog_deck(TUS, [prep("ann", our_team__good_day=long + "\u00a0")], "da")
    (card,) = answer_cards(deck)
    assert card.text == long
    assert "\u00a0" not in card.text


answers = st.dictionaries(
    st.sampled_from([q.id for q in TUS.all_questions()]),
    st.text(alphabet="abcAB ÆØå“”–•\u00a0", max_size=8),
    max_size=6,
)


@NO_DATABASE
@given(st.lists(answers, max_size=5))
def test_the_deck_never_has_two_cards_with_the_same_id_or_answer(
    all_answers: list[dict[str, str]],
) -> None:
    preps = [
        Preparation(conversation_id="t", author=f"m{i}", answers=a, shared_with_leader=True)
        for i, a in enumerate(all_answers)
    ]
    deck = dialog_deck(TUS, preps, "da")
    assert len({c.id for c in deck}) == len(deck)
    texts = [c.text.casefold() for c in answer_cards(deck)]
    assert len(set(texts)) == len(texts)
    assert all(c.text and c.text == c.text.strip() for c in deck)
    assert dialog_deck(TUS, reversed(preps), "da") == deck


# --- drawing cards --------------------------------------------------------------------------


def test_drawing_from_a_finished_deck_gives_none() -> None:
    deck = dialog_deck(TUS, [], "da")
    assert draw_card(deck, {c.id for c in deck}, random.Random(1)) is None
    assert draw_card((), set(), random.Random(1)) is None


def test_drawing_from_one_field_gives_only_that_fields_cards() -> None:
    deck = dialog_deck(TUS, [prep("ann", relations__partners="Hjemmeplejen")], "da")
    rng = random.Random(7)
    done: set[str] = set()
    while (card := draw_card(deck, done, rng, field_id="relations")) is not None:
        assert card.field_id == "relations"
        done.add(card.id)
    assert done == {c.id for c in deck if c.field_id == "relations"}
    assert "answer:relations.partners:1" in done


def test_the_same_seed_draws_the_same_card() -> None:
    deck = dialog_deck(TUS, [], "da")
    assert draw_card(deck, (), random.Random(42)) == draw_card(deck, (), random.Random(42))


@NO_DATABASE
@given(st.sets(st.sampled_from([c.id for c in TUS.dialog_cards])), st.integers(0, 2**32))
def test_a_drawn_card_is_never_one_already_done(done: set[str], seed: int) -> None:
    deck = dialog_deck(TUS, [], "da")
    card = draw_card(deck, done, random.Random(seed))
    if len(done) == len(deck):
        assert card is None
    else:
        assert card is not None and card.id not in done and card in deck


@NO_DATABASE
@given(st.integers(0, 2**32))
def test_drawing_until_none_visits_every_card_once(seed: int) -> None:
    deck = dialog_deck(TUS, [prep("ann", practice__learning="Sidemandsoplæring")], "da")
    rng = random.Random(seed)
    drawn: list[str] = []
    while (card := draw_card(deck, drawn, rng)) is not None:
        drawn.append(card.id)
    assert sorted(drawn) == sorted(c.id for c in deck)


# --- the summary timer ----------------------------------------------------------------------


def test_the_summary_lasts_the_sheets_minutes_and_shows_them_at_the_start() -> None:
    timer = summary_timer(TUS, started_at=1000.0)
    assert timer.minutes == TUS.summary_minutes == 15
    assert timer.remaining(1000.0) == 15 * 60
    assert timer.label(1000.0) == "15:00"
    assert not timer.expired(1000.0)


def test_a_sheet_without_summary_minutes_gets_fifteen() -> None:
    assert GRUS.summary_minutes is None
    assert summary_timer(GRUS, 0.0).minutes == 15
    assert SummaryTimer(started_at=0.0).minutes == 15


def test_the_summary_counts_down_and_stops_at_zero() -> None:
    timer = SummaryTimer(started_at=100.0, minutes=15)
    assert timer.label(100.0 + 61.5) == "13:59"
    assert timer.label(100.0 + 899.2) == "00:01"
    assert not timer.expired(100.0 + 899.9)
    assert timer.expired(100.0 + 900)
    assert timer.remaining(100.0 + 5000) == 0
    assert timer.label(100.0 + 5000) == "00:00"


@NO_DATABASE
@given(st.integers(1, 480), st.floats(0, 1e6), st.floats(-1e3, 1e5))
def test_the_summary_is_never_negative_nor_longer_than_its_minutes(
    minutes: int, start: float, elapsed: float
) -> None:
    timer = SummaryTimer(started_at=start, minutes=minutes)
    left = timer.remaining(start + elapsed)
    assert 0 <= left <= minutes * 60 + max(0.0, -elapsed) + 1e-6
    assert timer.expired(start + elapsed) == (left == 0)
    mm, ss = timer.label(start + elapsed).split(":")
    assert len(ss) == 2 and 0 <= int(ss) < 60 and len(mm) >= 2


# --- actions in the team development plan ----------------------------------------------------


def test_an_action_is_added_as_a_new_version_with_a_new_id() -> None:
    before = plan()
    after = with_action(
        before,
        "  Fast overlevering kl. 15  ",
        long_term=False,
        responsible_id="bo",
        deadline=dt.date(2026, 6, 1),
        today=TODAY,
        author="lea",
    )
    (action,) = after.actions
    assert action.what == "Fast overlevering kl. 15"
    assert (action.long_term, action.responsible_id, action.deadline, action.status) == (
        False,
        "bo",
        dt.date(2026, 6, 1),
        GoalStatus.OPEN,
    )
    assert after.id == before.id and after.parents == (before.version,)
    assert before.actions == ()
    again = with_action(
        after, "Jobbytte", long_term=True, responsible_id="", deadline=None, today=TODAY, author="x"
    )
    assert [a.what for a in again.actions] == ["Fast overlevering kl. 15", "Jobbytte"]
    assert again.actions[0].id != again.actions[1].id
    assert again.author == "x"


@pytest.mark.parametrize("what", ["", "   ", "\u00a0\u200b\r\n", "\ufeff"])
def test_an_empty_action_is_refused(what: str) -> None:
    with pytest.raises(InputRejected) as refused:
        with_action(
            plan(), what, long_term=False, responsible_id="", deadline=None, today=TODAY, author="a"
        )
    assert refused.value.key == "error.action_empty"


def test_an_action_with_a_past_deadline_is_refused_but_today_is_fine() -> None:
    with pytest.raises(InputRejected) as refused:
        with_action(
            plan(),
            "Kursus",
            long_term=True,
            responsible_id="ann",
            deadline=TODAY - dt.timedelta(days=1),
            today=TODAY,
            author="lea",
        )
    assert refused.value.key == "error.deadline_past"
    assert refused.value.params == {"deadline": "2026-03-01"}
    ok = with_action(
        plan(), "Kursus", long_term=True, responsible_id="", deadline=TODAY, today=TODAY, author="l"
    )
    assert ok.actions[0].deadline == TODAY


def test_word_punctuation_in_an_action_is_kept_and_invisible_characters_go() -> None:
    pasted = "\ufeff• “Sparring” – hver\u00a0fredag\r\n\u200b"
    after = with_action(
        plan(), pasted, long_term=False, responsible_id="", deadline=None, today=TODAY, author="l"
    )
    assert after.actions[0].what == "• “Sparring” – hver fredag"


def test_an_actions_status_changes_and_the_others_stay() -> None:
    p = plan()
    for what in ("Et", "To"):
        p = with_action(
            p, what, long_term=False, responsible_id="", deadline=None, today=TODAY, author="l"
        )
    first, second = p.actions
    done = with_action_status(p, first.id, GoalStatus.DONE, "bo")
    assert [a.status for a in done.actions] == [GoalStatus.DONE, GoalStatus.OPEN]
    assert done.actions[1] == second
    assert done.author == "bo" and done.parents == (p.version,)


def test_an_action_can_be_removed() -> None:
    p = with_action(
        plan(), "Et", long_term=False, responsible_id="", deadline=None, today=TODAY, author="l"
    )
    assert without_action(p, p.actions[0].id, "lea").actions == ()


def test_changing_or_removing_an_unknown_action_is_refused() -> None:
    changes: tuple[Callable[[], object], ...] = (
        lambda: with_action_status(plan(), "nope", GoalStatus.DONE, "l"),
        lambda: without_action(plan(), "nope", "l"),
    )
    for change in changes:
        with pytest.raises(InputRejected) as refused:
            change()
        assert refused.value.key == "error.action_unknown"


def test_a_plan_with_actions_and_goals_round_trips_through_a_dict() -> None:
    p = with_action(
        plan(), "“Et”", long_term=True, responsible_id="a", deadline=TODAY, today=TODAY, author="l"
    )
    p = with_member_goal(p, "ann", goal(deadline=TODAY), TODAY, "ann")
    back = TeamPlan.from_dict(p.to_dict())
    assert back == p
    assert back.content_hash() == p.version
    assert isinstance(back.actions[0].status, GoalStatus)


# --- GRUS: members' own goals -----------------------------------------------------------------


def test_a_members_goal_waits_for_the_leaders_approval() -> None:
    p = with_member_goal(plan(), "ann", goal(approved_by_leader=True), TODAY, "ann")
    assert p.member_goals["ann"][0].approved_by_leader is False
    assert unapproved_goals(p) == {"ann": p.member_goals["ann"]}
    approved = approve_member_goal(p, "ann", "g1", "lea", "lea")
    assert approved.member_goals["ann"][0].approved_by_leader is True
    assert unapproved_goals(approved) == {}
    assert approved.parents == (p.version,)


def test_changing_an_approved_goal_needs_approval_again() -> None:
    p = with_member_goal(plan(), "ann", goal(), TODAY, "ann")
    p = approve_member_goal(p, "ann", "g1", "lea", "lea")
    p = with_member_goal(p, "ann", goal(what="Noget andet"), TODAY, "ann")
    (only,) = p.member_goals["ann"]
    assert only.what == "Noget andet" and not only.approved_by_leader


def test_a_goal_with_the_same_id_replaces_and_a_new_id_is_added() -> None:
    p = with_member_goal(plan(), "ann", goal("g1"), TODAY, "ann")
    p = with_member_goal(p, "ann", goal("g2", "Mentor"), TODAY, "ann")
    p = with_member_goal(p, "ann", goal("g1", "Nyt kursus"), TODAY, "ann")
    p = with_member_goal(p, "bo", goal("g1", "Bos eget"), TODAY, "bo")
    assert [(g.id, g.what) for g in p.member_goals["ann"]] == [
        ("g1", "Nyt kursus"),
        ("g2", "Mentor"),
    ]
    assert [g.what for g in p.member_goals["bo"]] == ["Bos eget"]


def test_an_empty_member_goal_or_a_past_deadline_is_refused() -> None:
    with pytest.raises(InputRejected) as empty:
        with_member_goal(plan(), "ann", goal(what=" \u00a0"), TODAY, "ann")
    assert empty.value.key == "error.goal_empty"
    with pytest.raises(InputRejected) as past:
        with_member_goal(plan(), "ann", goal(deadline=dt.date(2026, 3, 1)), TODAY, "ann")
    assert past.value.key == "error.deadline_past"
    assert past.value.params == {"deadline": "2026-03-01"}


def test_a_goal_keeping_its_passed_deadline_can_still_be_edited() -> None:
    deadline = dt.date(2026, 4, 1)
    p = with_member_goal(plan(), "ann", goal(deadline=deadline), TODAY, "ann")
    later = dt.date(2026, 5, 1)
    p = with_member_goal(p, "ann", goal(what="Omformuleret", deadline=deadline), later, "ann")
    assert p.member_goals["ann"][0].what == "Omformuleret"


def test_a_members_goal_text_is_cleaned_and_keeps_word_punctuation() -> None:
    p = with_member_goal(plan(), "ann", goal(what=" “Kursus” – •\u00a0Excel\r\n"), TODAY, "ann")
    assert p.member_goals["ann"][0].what == "“Kursus” – • Excel"


def test_approving_an_unknown_goal_or_ones_own_goal_is_refused() -> None:
    p = with_member_goal(plan(), "ann", goal(), TODAY, "ann")
    for member, goal_id in (("ann", "nope"), ("bo", "g1")):
        with pytest.raises(InputRejected) as unknown:
            approve_member_goal(p, member, goal_id, "lea", "lea")
        assert unknown.value.key == "error.goal_unknown"
    with pytest.raises(InputRejected) as own:
        approve_member_goal(p, "ann", "g1", "ann", "ann")
    assert own.value.key == "error.not_leader"


def test_unapproved_goals_lists_only_members_still_waiting() -> None:
    p = with_member_goal(plan(), "ann", goal("g1"), TODAY, "ann")
    p = with_member_goal(p, "ann", goal("g2", "Mentor"), TODAY, "ann")
    p = with_member_goal(p, "bo", goal("g3", "Jobbytte"), TODAY, "bo")
    p = approve_member_goal(p, "bo", "g3", "lea", "lea")
    p = approve_member_goal(p, "ann", "g1", "lea", "lea")
    assert {m: [g.id for g in gs] for m, gs in unapproved_goals(p).items()} == {"ann": ["g2"]}


# --- GRUS: the individual conversations afterwards -------------------------------------------


def test_a_grus_leads_to_one_follow_up_conversation_per_member() -> None:
    grus = team_conversation(delegate_leader_id="dan")
    follow_ups = individual_follow_ups(grus, plan(), dt.date(2026, 3, 2), author="lea")
    assert [c.participant_ids for c in follow_ups] == [("ann",), ("bo",), ("cai",)]
    for c in follow_ups:
        assert c.kind is Kind.FOLLOW_UP
        assert (c.sheet_id, c.sheet_version) == ("follow_up", 1)
        assert LIBRARY.sheet(c.sheet_id) is not None
        assert (c.leader_id, c.delegate_leader_id) == ("lea", "dan")
        assert c.follow_up_of == "team1"
        assert c.planned_at == dt.datetime(2026, 9, 2, 10, 0)
        assert c.state is State.PLANNED
        assert c.author == "lea"
    assert len({c.id for c in follow_ups}) == 3


def test_the_individual_conversations_can_come_sooner() -> None:
    follow_ups = individual_follow_ups(
        team_conversation(), plan(), dt.date(2026, 8, 31), months=1, author="lea"
    )
    assert {c.planned_at for c in follow_ups} == {dt.datetime(2026, 9, 30, 10, 0)}


@pytest.mark.parametrize("kind", [Kind.TUS, Kind.MUS, Kind.FOLLOW_UP])
def test_only_a_grus_has_individual_follow_ups(kind: Kind) -> None:
    with pytest.raises(InputRejected) as refused:
        individual_follow_ups(team_conversation(kind), plan(), TODAY, author="lea")
    assert refused.value.key == "error.not_team"


def test_the_plan_must_be_the_conversations_own() -> None:
    other = TeamPlan(conversation_id="elsewhere")
    with pytest.raises(ValueError, match="elsewhere"):
        individual_follow_ups(team_conversation(), other, TODAY, author="lea")


@NO_DATABASE
@given(st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)))
def test_the_individual_follow_up_is_always_six_months_after_the_grus(held_on: dt.date) -> None:
    (follow_up, *_) = individual_follow_ups(team_conversation(), plan(), held_on, author="lea")
    assert follow_up.planned_at is not None
    day = follow_up.planned_at.date()
    assert day == follow_up_date(held_on, 6)
    assert (day.year * 12 + day.month) - (held_on.year * 12 + held_on.month) == 6
    assert day.day == held_on.day or (day.day < held_on.day and (day + dt.timedelta(1)).day == 1)


# --- ground rules and exercise cards --------------------------------------------------------


def test_the_tus_ground_rules_are_the_six_from_the_randers_material() -> None:
    rules = ground_rules(TUS, "da")
    assert len(rules) == 6
    assert rules[0] == "Vi taler og lytter på skift."
    assert ground_rules(TUS, "en")[3] == "Anyone can call a time-out."
    assert ground_rules(GRUS, "da") == ()


def test_exercise_cards_include_the_blank_card_last_without_minutes() -> None:
    cards = exercise_cards(TUS, "en")
    assert len(cards) == len(TUS.exercise_cards)
    assert [c[0] for c in cards] == [c.id for c in TUS.exercise_cards]
    blank = next(c for c in TUS.exercise_cards if c.blank)
    assert cards[-1] == (blank.id, "Your own card", blank.instructions["en"], 0)
    assert all(isinstance(minutes, int) and minutes > 0 for *_, minutes in cards[:-1])
    assert cards[0][1] == TUS.exercise_cards[0].title["en"]
    assert exercise_cards(GRUS, "da") == ()

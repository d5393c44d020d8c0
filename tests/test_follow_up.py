"""Following up about six months later: when it is due, the review and the new agreement."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.agreements import content_digest, status_of
from conversations.follow_up import (
    NOTICE_DAYS,
    FollowUpState,
    GoalReview,
    adjusted_agreement,
    follow_up_conversation,
    follow_up_state,
    review_rows,
    schedule_follow_up,
)
from conversations.model import (
    MAX_ANSWER_CHARS,
    Agreement,
    Conversation,
    Goal,
    GoalStatus,
    InputRejected,
    Kind,
    PracticeField,
    Signature,
    State,
    Task,
    follow_up_date,
)
from resources.library import load_library

NO_DATABASE = settings(database=None)  # nothing written into the working tree
dates = st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31))
TODAY = dt.date(2026, 3, 2)
DUE = dt.date(2026, 9, 2)


def conversation(state: State = State.HELD, **more: object) -> Conversation:
    values: dict[str, object] = {
        "id": "mus1",
        "kind": Kind.MUS,
        "sheet_id": "mus",
        "sheet_version": 1,
        "leader_id": "lea",
        "participant_ids": ("ann",),
        "state": state,
        "author": "lea",
    }
    values.update(more)
    return Conversation(**values)  # type: ignore[arg-type]


def goal(goal_id: str, what: str, **more: object) -> Goal:
    """A goal as the leader leaves it for signing: a chosen practice field, approved."""
    chosen: dict[str, object] = {"practice_field": PracticeField.OTHER, "approved_by_leader": True}
    return Goal(id=goal_id, theme_id="development", what=what,
                **(chosen | more))  # type: ignore[arg-type]


def signed(agreement: Agreement) -> Agreement:
    """The agreement with both parties' signatures over its content (no real crypto)."""
    signatures = tuple(
        Signature(
            signer_id=who,
            signed_at=dt.datetime(2026, 3, 2, 11, 0, tzinfo=dt.UTC),
            content_hash=content_digest(agreement),
            public_key="key",
            signature="sig",
        )
        for who in ("ann", "lea")
    )
    return agreement.revised(signatures=signatures)


AGREEMENT = signed(
    Agreement(
        id="agr1",
        conversation_id="mus1",
        goals=(
            goal("g1", "Kursus i Excel", deadline=dt.date(2026, 6, 1)),
            goal("g2", "Sparring med en kollega", status=GoalStatus.IN_PROGRESS),
            goal("g3", "Jobbytte i to uger"),
        ),
        author="lea",
    )
)


def review(**more: object) -> GoalReview:
    return GoalReview(conversation_id="fu1", agreement_id="agr1", author="lea", **more)  # type: ignore[arg-type]


# --- when the follow-up is due --------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (DUE - dt.timedelta(days=NOTICE_DAYS + 1), FollowUpState.NOT_DUE),
        (DUE - dt.timedelta(days=NOTICE_DAYS), FollowUpState.DUE),
        (DUE - dt.timedelta(days=1), FollowUpState.DUE),
        (DUE, FollowUpState.DUE),
        (DUE + dt.timedelta(days=1), FollowUpState.OVERDUE),
        (DUE + dt.timedelta(days=400), FollowUpState.OVERDUE),
    ],
)
def test_a_follow_up_is_due_thirty_days_ahead_and_overdue_after_its_day(
    today: dt.date, state: FollowUpState
) -> None:
    assert follow_up_state(DUE, today) is state


def test_a_done_follow_up_is_done_whenever_it_was_due() -> None:
    for today in (DUE - dt.timedelta(days=100), DUE, DUE + dt.timedelta(days=100)):
        assert follow_up_state(DUE, today, done=True) is FollowUpState.DONE
    assert follow_up_state(None, TODAY, done=True) is FollowUpState.DONE


def test_without_a_date_nothing_is_due() -> None:
    assert follow_up_state(None, TODAY) is FollowUpState.NOT_DUE


@NO_DATABASE
@given(dates, dates)
def test_the_follow_up_state_agrees_with_home_s_task_list(due: dt.date, today: dt.date) -> None:
    agreed = conversation(State.AGREED, follow_up_due=due)
    task = agreed.task_for("lea", today)
    state = follow_up_state(due, today)
    assert (task is Task.FOLLOW_UP) == (state in (FollowUpState.DUE, FollowUpState.OVERDUE))


# --- scheduling ------------------------------------------------------------------------------


def test_agreeing_a_held_conversation_sets_the_follow_up_six_months_later() -> None:
    held = conversation()
    agreed = schedule_follow_up(held, TODAY, today=TODAY, author="lea")
    assert agreed.state is State.AGREED
    assert agreed.follow_up_due == DUE
    assert agreed.id == held.id and agreed.parents == (held.version,)
    assert agreed.author == "lea"


def test_an_agreed_conversation_gets_a_new_date_as_a_new_version() -> None:
    agreed = schedule_follow_up(conversation(), TODAY, today=TODAY, author="lea")
    moved = schedule_follow_up(agreed, TODAY, due=dt.date(2026, 10, 15), today=TODAY, author="ann")
    assert moved.state is State.AGREED
    assert moved.follow_up_due == dt.date(2026, 10, 15)
    assert moved.parents == (agreed.version,)


def test_the_follow_up_can_be_set_some_other_number_of_months_ahead() -> None:
    agreed = schedule_follow_up(
        conversation(), dt.date(2026, 8, 31), months=3, today=TODAY, author="lea"
    )
    assert agreed.follow_up_due == dt.date(2026, 11, 30)


@pytest.mark.parametrize("months", [0, -6, 25, 120])
def test_months_outside_one_to_twenty_four_are_refused(months: int) -> None:
    with pytest.raises(InputRejected) as refused:
        schedule_follow_up(conversation(), TODAY, months=months, today=TODAY, author="lea")
    assert refused.value.key == "error.follow_up_months"
    assert refused.value.params == {"min": 1, "max": 24}


def test_a_follow_up_date_in_the_past_is_refused_but_today_is_fine() -> None:
    with pytest.raises(InputRejected) as refused:
        schedule_follow_up(
            conversation(), TODAY, due=dt.date(2026, 3, 1), today=TODAY, author="lea"
        )
    assert refused.value.key == "error.date_past"
    assert refused.value.params == {"date": "2026-03-01"}
    with pytest.raises(InputRejected):  # agreed long ago: six months on has passed too
        schedule_follow_up(conversation(), dt.date(2025, 1, 1), today=TODAY, author="lea")
    ok = schedule_follow_up(conversation(), TODAY, due=TODAY, today=TODAY, author="lea")
    assert ok.follow_up_due == TODAY


@pytest.mark.parametrize(
    "state", [State.PLANNED, State.PREPARING, State.FOLLOWED_UP, State.CANCELLED]
)
def test_only_a_held_or_agreed_conversation_gets_a_follow_up_date(state: State) -> None:
    with pytest.raises(InputRejected) as refused:
        schedule_follow_up(conversation(state), TODAY, today=TODAY, author="lea")
    assert refused.value.key == "error.state_change"


@NO_DATABASE
@given(st.dates(dt.date(2000, 1, 1), dt.date(2099, 6, 30)))
def test_the_follow_up_is_always_six_months_after_the_agreement(agreed_on: dt.date) -> None:
    agreed = schedule_follow_up(conversation(), agreed_on, today=agreed_on, author="lea")
    due = agreed.follow_up_due
    assert due is not None and due == follow_up_date(agreed_on)
    assert (due.year * 12 + due.month) - (agreed_on.year * 12 + agreed_on.month) == 6
    last_of_month = (due + dt.timedelta(days=1)).day == 1
    assert due.day == agreed_on.day or (due.day < agreed_on.day and last_of_month)
    assert follow_up_state(due, agreed_on) is FollowUpState.NOT_DUE


# --- the follow-up conversation -------------------------------------------------------------


def test_the_follow_up_conversation_is_planned_on_the_due_day_at_ten() -> None:
    original = conversation(
        State.AGREED, follow_up_due=DUE, delegate_leader_id="dan", participant_ids=("ann", "bo")
    )
    follow_up = follow_up_conversation(original, author="lea")
    assert follow_up.kind is Kind.FOLLOW_UP
    assert (follow_up.sheet_id, follow_up.sheet_version) == ("follow_up", 1)
    assert load_library().sheet(follow_up.sheet_id) is not None
    assert follow_up.leader_id == "lea" and follow_up.delegate_leader_id == "dan"
    assert follow_up.participant_ids == ("ann", "bo")
    assert follow_up.follow_up_of == "mus1"
    assert follow_up.planned_at == dt.datetime(2026, 9, 2, 10, 0)
    assert follow_up.state is State.PLANNED
    assert follow_up.id != original.id and follow_up.author == "lea"


def test_there_is_no_follow_up_conversation_without_a_due_date() -> None:
    with pytest.raises(InputRejected) as refused:
        follow_up_conversation(conversation(State.AGREED), author="lea")
    assert refused.value.key == "error.no_follow_up_due"


# --- reviewing the goals --------------------------------------------------------------------


def test_without_a_review_each_goal_shows_its_own_status_and_no_note() -> None:
    assert [(g.id, s, n) for g, s, n in review_rows(AGREEMENT, None)] == [
        ("g1", GoalStatus.OPEN, ""),
        ("g2", GoalStatus.IN_PROGRESS, ""),
        ("g3", GoalStatus.OPEN, ""),
    ]


def test_the_review_sets_statuses_and_notes_per_goal_as_new_versions() -> None:
    first = review()
    second = first.with_status("g1", GoalStatus.DONE).with_note("g3", "Ikke nået endnu")
    assert second.id == first.id and second.version != first.version
    assert first.statuses == {} and first.notes == {}
    assert [(g.id, s, n) for g, s, n in review_rows(AGREEMENT, second)] == [
        ("g1", GoalStatus.DONE, ""),
        ("g2", GoalStatus.IN_PROGRESS, ""),
        ("g3", GoalStatus.OPEN, "Ikke nået endnu"),
    ]


def test_an_empty_note_removes_the_note() -> None:
    noted = review().with_note("g1", "Godt i gang")
    assert noted.with_note("g1", " \u00a0\r\n").notes == {}


def test_a_note_keeps_word_punctuation_and_loses_invisible_characters() -> None:
    noted = review().with_note("g1", "\ufeff• “Kurset” – gik\u00a0godt\r\n\u200b")
    assert noted.notes["g1"] == "• “Kurset” – gik godt\n"


def test_a_note_longer_than_twenty_thousand_characters_is_refused() -> None:
    fits = review().with_note("g1", "x" * MAX_ANSWER_CHARS)
    assert len(fits.notes["g1"]) == MAX_ANSWER_CHARS
    with pytest.raises(InputRejected) as refused:
        review().with_note("g1", "x" * (MAX_ANSWER_CHARS + 1))
    assert refused.value.key == "error.answer_too_long"
    assert refused.value.params == {"limit": 20_000, "length": 20_001}
    # invisible characters do not count towards the limit
    assert review().with_note("g1", "x" * MAX_ANSWER_CHARS + "\r\u200b").notes["g1"]


def test_a_review_round_trips_through_a_dict() -> None:
    reviewed = (
        review()
        .with_status("g1", GoalStatus.DONE)
        .with_status("g2", GoalStatus.DROPPED)
        .with_note("g2", "“Droppet” – ændrede opgaver")
    )
    data = reviewed.to_dict()
    assert data["type"] == "follow_up"
    assert data["statuses"] == {"g1": "done", "g2": "dropped"}
    back = GoalReview.from_dict(data)
    assert back == reviewed
    assert all(isinstance(s, GoalStatus) for s in back.statuses.values())
    assert back.content_hash() == reviewed.version


statuses = st.dictionaries(st.text(max_size=5), st.sampled_from(GoalStatus), max_size=4)
notes = st.dictionaries(st.text(max_size=5), st.text(min_size=1, max_size=20), max_size=4)


@NO_DATABASE
@given(statuses, notes)
def test_any_review_round_trips_through_a_dict(
    given_statuses: dict[str, GoalStatus], given_notes: dict[str, str]
) -> None:
    reviewed = review(statuses=given_statuses, notes=given_notes)
    back = GoalReview.from_dict(reviewed.to_dict())
    assert back == reviewed and back.version == reviewed.version


def test_a_review_of_another_agreement_is_not_mixed_in() -> None:
    other = GoalReview(conversation_id="fu1", agreement_id="agr2")
    with pytest.raises(ValueError, match="agr2"):
        review_rows(AGREEMENT, other)
    with pytest.raises(ValueError, match="agr2"):
        adjusted_agreement(AGREEMENT, other, {}, author="lea", today=TODAY)


# --- the adjusted agreement -----------------------------------------------------------------


def test_the_adjusted_agreement_supersedes_the_old_and_needs_both_signatures_again() -> None:
    reviewed = review().with_status("g1", GoalStatus.DONE).with_status("g3", GoalStatus.DROPPED)
    new = adjusted_agreement(
        AGREEMENT,
        reviewed,
        {"g2": "  Sparring med Bo hver måned "},
        drop={"g3"},
        add=[goal("g4", "Mentorforløb", deadline=dt.date(2026, 12, 1))],
        author="lea",
        today=dt.date(2026, 9, 2),
    )
    assert new.id != AGREEMENT.id and new.supersedes == AGREEMENT.id
    assert new.conversation_id == AGREEMENT.conversation_id
    assert new.signatures == () and new.author == "lea"
    assert [(g.id, g.what, g.status) for g in new.goals] == [
        ("g1", "Kursus i Excel", GoalStatus.DONE),
        ("g2", "Sparring med Bo hver måned", GoalStatus.IN_PROGRESS),
        ("g4", "Mentorforløb", GoalStatus.OPEN),
    ]
    status, waiting = status_of(new, ("ann", "lea"))
    assert status.value == "draft" and waiting == {"ann", "lea"}
    assert status_of(AGREEMENT, ("ann", "lea"))[0].value == "signed"


def test_a_goal_whose_deadline_passed_is_carried_over_unchanged() -> None:
    later = dt.date(2026, 9, 2)  # g1's deadline 2026-06-01 has passed
    new = adjusted_agreement(AGREEMENT, review(), {}, author="lea", today=later)
    assert new.goals[0].deadline == dt.date(2026, 6, 1)
    assert new.goals == AGREEMENT.goals


def test_a_new_goal_with_a_past_deadline_is_refused() -> None:
    with pytest.raises(InputRejected) as refused:
        adjusted_agreement(
            AGREEMENT,
            review(),
            {},
            add=[goal("g4", "For sent", deadline=dt.date(2026, 1, 1))],
            author="lea",
            today=TODAY,
        )
    assert refused.value.key == "error.deadline_past"


def test_changing_a_goal_to_nothing_or_dropping_every_goal_is_refused() -> None:
    with pytest.raises(InputRejected) as empty:
        adjusted_agreement(AGREEMENT, review(), {"g1": " \u00a0 "}, author="lea", today=TODAY)
    assert empty.value.key == "error.goal_empty"
    with pytest.raises(InputRejected) as none:
        adjusted_agreement(
            AGREEMENT, review(), {}, drop={"g1", "g2", "g3"}, author="lea", today=TODAY
        )
    assert none.value.key == "error.goals_required"


def test_changing_or_dropping_a_goal_the_agreement_lacks_is_refused() -> None:
    for changes, drop in (({"nope": "x"}, ()), ({}, ("nope",))):
        with pytest.raises(InputRejected) as refused:
            adjusted_agreement(AGREEMENT, review(), changes, drop=drop, author="l", today=TODAY)
        assert refused.value.key == "error.goal_unknown"


def test_a_new_goal_cannot_reuse_a_kept_goals_id() -> None:
    with pytest.raises(ValueError, match="g1"):
        adjusted_agreement(
            AGREEMENT, review(), {}, add=[goal("g1", "Igen")], author="lea", today=TODAY
        )


def test_word_punctuation_in_a_changed_goal_is_kept() -> None:
    new = adjusted_agreement(
        AGREEMENT, review(), {"g3": "• “Jobbytte” – to\u00a0uger"}, author="lea", today=TODAY
    )
    assert new.goals[2].what == "• “Jobbytte” – to uger"

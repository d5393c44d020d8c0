"""The conversation rules: versions, states, tasks, the scale, follow-up dates, input."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.competence import Competence, JobProfile, Level, mean_level
from conversations.model import (
    MAX_ANSWER_CHARS,
    Agreement,
    Conversation,
    Goal,
    InputRejected,
    Kind,
    PracticeField,
    Preparation,
    State,
    Task,
    clean_text,
    follow_up_date,
)

TODAY = dt.date(2026, 11, 22)


def mus(**changes: object) -> Conversation:
    base: dict[str, object] = dict(
        kind=Kind.MUS, sheet_id="mus", sheet_version=1, leader_id="L", participant_ids=("E",),
        planned_at=dt.datetime(2026, 12, 3, 10), state=State.PREPARING,
    )
    base.update(changes)
    return Conversation(**base)  # type: ignore[arg-type]


def test_a_revision_links_to_its_parent_and_keeps_the_id() -> None:
    first = Preparation(conversation_id="c", author="E")
    second = first.with_answer("q1", "Hjemmetræning")
    assert second.id == first.id
    assert second.parents == (first.version,)
    assert second.version != first.version


def test_the_same_edit_on_two_devices_gives_the_same_version() -> None:
    base = Preparation(conversation_id="c", author="E")
    assert base.with_answer("q", "x").version == base.with_answer("q", "x").version


def test_records_survive_a_round_trip_through_plain_dicts() -> None:
    agreement = Agreement(
        conversation_id="c",
        goals=(Goal(id="g1", theme_id="dev", what="Kursus i forflytning",
                    practice_field=PracticeField.COURSE, deadline=dt.date(2027, 3, 1)),),
    )
    assert Agreement.from_dict(agreement.to_dict()) == agreement
    conversation = mus()
    assert Conversation.from_dict(conversation.to_dict()) == conversation


def test_a_held_conversation_cannot_be_cancelled() -> None:
    held = mus(state=State.HELD)
    with pytest.raises(InputRejected) as raised:
        held.moved_to(State.CANCELLED, author="L")
    assert raised.value.key == "error.state_change"


def test_states_follow_the_yearly_cycle() -> None:
    conversation = mus(state=State.PLANNED)
    for state in (State.INVITED, State.PREPARING, State.HELD, State.AGREED, State.FOLLOWED_UP):
        conversation = conversation.moved_to(state, author="L")
    assert conversation.state is State.FOLLOWED_UP


def test_tasks_say_what_the_conversation_needs_from_each_person() -> None:
    conversation = mus()
    assert conversation.task_for("E", TODAY) is Task.PREPARE
    assert conversation.task_for("L", TODAY) is Task.PREPARE
    assert conversation.task_for("L", dt.date(2026, 12, 3)) is Task.HOLD
    assert mus(state=State.HELD).task_for("E", TODAY) is Task.SIGN
    soon = mus(state=State.AGREED, follow_up_due=TODAY + dt.timedelta(days=10))
    later = mus(state=State.AGREED, follow_up_due=TODAY + dt.timedelta(days=100))
    assert soon.task_for("E", TODAY) is Task.FOLLOW_UP
    assert later.task_for("E", TODAY) is Task.DONE


def test_not_relevant_is_kept_out_of_averages() -> None:
    assert mean_level([Level.NOT_RELEVANT, Level.EXPERT, Level.COMPETENT]) == 4.0
    assert mean_level([Level.NOT_RELEVANT, None]) is None


def test_not_relevant_is_not_a_gap() -> None:
    profile = JobProfile(
        id="p", title={"da": "P"},
        competences=(Competence(id="a", name={"da": "A"}, expected=Level.PROFICIENT),
                     Competence(id="b", name={"da": "B"}, expected=Level.PROFICIENT)),
    )
    assert profile.gap({"a": Level.NOT_RELEVANT, "b": Level.NOVICE}) == {"b": 3}


@given(st.lists(st.sampled_from(list(Level)), min_size=1))
def test_an_average_stays_on_the_scale_from_novice_to_expert(levels: list[Level]) -> None:
    mean = mean_level(levels)
    if all(level is Level.NOT_RELEVANT for level in levels):
        assert mean is None
    else:
        assert mean is not None and 1 <= mean <= 5


def test_follow_up_is_six_months_later_on_a_real_day() -> None:
    assert follow_up_date(dt.date(2026, 5, 10)) == dt.date(2026, 11, 10)
    assert follow_up_date(dt.date(2026, 8, 31)) == dt.date(2027, 2, 28)


def test_an_overlong_answer_is_refused_and_the_old_one_kept() -> None:
    prep = Preparation(conversation_id="c", author="E").with_answer("q", "kort svar")
    with pytest.raises(InputRejected) as raised:
        prep.with_answer("q", "x" * (MAX_ANSWER_CHARS + 1))
    assert raised.value.params["limit"] == MAX_ANSWER_CHARS
    assert prep.answers["q"] == "kort svar"
    assert len(prep.with_answer("q", "y" * MAX_ANSWER_CHARS).answers["q"]) == MAX_ANSWER_CHARS


def test_pasted_word_punctuation_is_kept_but_invisible_characters_go() -> None:
    pasted = "“Tryghed” – og • omsorg\u00a0i hjemmet\u200b\r\n"
    assert clean_text(pasted) == "“Tryghed” – og • omsorg i hjemmet\n"


def test_clearing_an_answer_removes_it_from_progress() -> None:
    prep = Preparation(conversation_id="c", author="E").with_answer("q", "svar")
    assert prep.answered(("q", "r")) == 1
    assert prep.with_answer("q", "   ").answered(("q", "r")) == 0


def test_an_empty_goal_or_a_past_deadline_is_refused() -> None:
    with pytest.raises(InputRejected, match="goal_empty"):
        Goal(id="g", theme_id="t", what="  ").check(TODAY)
    with pytest.raises(InputRejected, match="deadline_past"):
        Goal(id="g", theme_id="t", what="Kursus", deadline=TODAY - dt.timedelta(1)).check(TODAY)

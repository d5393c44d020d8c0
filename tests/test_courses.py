"""The course catalogue: courses, demand, internal teachers, completions."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from conversations.competence import Level
from conversations.courses import (
    Completion,
    Course,
    Delivery,
    Demand,
    competence_catalogue,
    new_course,
    pick_into_goal,
    suggested_demand,
    suggested_teachers,
)
from conversations.model import Goal, GoalStatus, InputRejected, PracticeField

TODAY = dt.date(2026, 3, 1)
ANNA, BO, CARL, DITTE = "a" * 32, "b" * 32, "c" * 32, "d" * 32


def course(**changes: object) -> Course:
    fields: dict[str, object] = {
        "title": "Demens – den svære samtale",
        "competence_ids": ("dementia", "communication"),
        "delivery": Delivery.INTERNAL,
        "today": TODAY,
        "dates": (dt.date(2026, 5, 4), dt.date(2026, 4, 20)),
        "seats": 12,
    }
    fields.update(changes)
    return new_course(**fields)  # type: ignore[arg-type]


def goal(**changes: object) -> Goal:
    fields: dict[str, object] = {"id": "g1", "theme_id": "development", "what": "Lære mere"}
    fields.update(changes)
    return Goal(**fields)  # type: ignore[arg-type]


# --- courses ------------------------------------------------------------------------------


def test_a_course_keeps_word_punctuation_and_drops_invisible_characters() -> None:
    made = course(title="\u201cDemens\u201d \u2013 den\u00a0sv\u00e6re samtale\u200b\r",
                  description="\u2022 Punkt \u00e9t\r\n\u2022 Punkt to")
    assert made.title == "\u201cDemens\u201d \u2013 den sv\u00e6re samtale"
    assert made.description == "\u2022 Punkt \u00e9t\n\u2022 Punkt to"


def test_a_course_without_a_title_is_refused() -> None:
    with pytest.raises(InputRejected) as caught:
        course(title=" \u00a0\u200b ")
    assert caught.value.key == "error.course_title"


def test_a_course_without_competences_is_refused() -> None:
    with pytest.raises(InputRejected) as caught:
        course(competence_ids=(" ",))
    assert caught.value.key == "error.course_competences"
    with pytest.raises(InputRejected):
        Course(title="Kursus", competence_ids=(), delivery=Delivery.EXTERNAL)


@pytest.mark.parametrize("seats", [0, -3])
def test_a_course_with_no_seats_is_refused(seats: int) -> None:
    with pytest.raises(InputRejected) as caught:
        course(seats=seats)
    assert caught.value.key == "error.course_seats"


def test_a_course_may_have_open_seats() -> None:
    assert course(seats=None).seats is None


def test_a_course_dated_in_the_past_is_refused_naming_the_date() -> None:
    with pytest.raises(InputRejected) as caught:
        course(dates=(dt.date(2026, 4, 1), dt.date(2026, 2, 28)))
    assert caught.value.key == "error.date_past"
    assert caught.value.params == {"date": "2026-02-28"}


def test_a_course_today_is_not_in_the_past() -> None:
    assert course(dates=(TODAY,)).dates == (TODAY,)


def test_course_dates_are_sorted_and_competences_listed_once() -> None:
    made = course(competence_ids=("dementia", "communication", "dementia"),
                  dates=(dt.date(2026, 5, 4), dt.date(2026, 4, 20), dt.date(2026, 5, 4)))
    assert made.competence_ids == ("dementia", "communication")
    assert made.dates == (dt.date(2026, 4, 20), dt.date(2026, 5, 4))


def test_an_internal_course_may_name_a_host_as_provider() -> None:
    made = course(provider="Center for Sundhed", teacher_id=ANNA)
    assert made.delivery is Delivery.INTERNAL
    assert made.provider == "Center for Sundhed"


def test_a_course_survives_its_dict_form() -> None:
    made = course(teacher_id=ANNA, author=BO)
    data = made.to_dict()
    assert data["type"] == "course"
    assert Course.from_dict(data) == made


# --- demand -------------------------------------------------------------------------------


def test_demand_counts_people_below_expectation_most_first() -> None:
    gaps = {
        ANNA: {"dementia": 2, "communication": 0, "legislation": 1},
        BO: {"dementia": 1, "communication": -1},
        CARL: {"dementia": 1, "legislation": 0},
    }
    demand = suggested_demand(gaps, [])
    assert demand == [
        Demand("dementia", 3, 3, 0, (ANNA, BO, CARL)),
        Demand("legislation", 1, 1, 0, (ANNA,)),
    ]


def test_a_course_goal_counts_for_the_competence_linked_to_it() -> None:
    goals = [(DITTE, goal(id="g7", practice_field=PracticeField.COURSE))]
    demand = suggested_demand({}, goals, {"g7": "legislation"})
    assert demand == [Demand("legislation", 1, 0, 1, (DITTE,))]


def test_a_course_goal_counts_for_a_competence_named_in_its_theme() -> None:
    gaps = {ANNA: {"dementia": 1, "documentation": 0}}
    goals = [
        (BO, goal(id="g1", theme_id="dementia", practice_field=PracticeField.COURSE)),
        (CARL, goal(id="g2", theme_id="competences.documentation",
                    practice_field=PracticeField.COURSE)),
        (DITTE, goal(id="g3", theme_id="development", practice_field=PracticeField.COURSE)),
    ]
    demand = {d.competence_id: d for d in suggested_demand(gaps, goals)}
    assert demand["dementia"] == Demand("dementia", 2, 1, 1, (ANNA, BO))
    assert demand["documentation"] == Demand("documentation", 1, 0, 1, (CARL,))
    assert "development" not in demand


def test_known_competences_are_recognised_without_any_gaps() -> None:
    goals = [(BO, goal(theme_id="legislation", practice_field=PracticeField.COURSE))]
    assert suggested_demand({}, goals) == []
    assert suggested_demand({}, goals, known={"legislation"}) == [
        Demand("legislation", 1, 0, 1, (BO,))
    ]


def test_a_person_with_both_a_gap_and_a_goal_counts_once() -> None:
    gaps = {ANNA: {"dementia": 2}}
    goals = [(ANNA, goal(theme_id="dementia", practice_field=PracticeField.COURSE))]
    assert suggested_demand(gaps, goals) == [Demand("dementia", 1, 1, 1, (ANNA,))]


def test_goals_that_are_not_open_courses_make_no_demand() -> None:
    goals = [
        (ANNA, goal(theme_id="dementia", practice_field=PracticeField.MENTOR)),
        (BO, goal(theme_id="dementia", practice_field=PracticeField.COURSE,
                  status=GoalStatus.DONE)),
        (CARL, goal(theme_id="dementia", practice_field=PracticeField.COURSE,
                    status=GoalStatus.DROPPED)),
    ]
    assert suggested_demand({}, goals, known={"dementia"}) == []


def test_demand_ties_are_ordered_by_competence() -> None:
    gaps = {ANNA: {"b": 1, "a": 1, "c": 1}}
    assert [d.competence_id for d in suggested_demand(gaps, [])] == ["a", "b", "c"]


# --- teachers -----------------------------------------------------------------------------


def test_teachers_are_the_best_rated_colleagues_who_consented() -> None:
    ratings = {
        ANNA: {"dementia": Level.PROFICIENT},
        BO: {"dementia": Level.EXPERT},
        CARL: {"dementia": Level.EXPERT},
        DITTE: {"dementia": Level.COMPETENT},
        "e" * 32: {"dementia": Level.EXPERT},
    }
    chosen = suggested_teachers(ratings, "dementia", consent={ANNA, BO, CARL, DITTE})
    assert chosen == [BO, CARL, ANNA]
    assert suggested_teachers(ratings, "dementia", consent={ANNA, BO, CARL}, limit=1) == [BO]


def test_nobody_is_suggested_as_teacher_without_consent() -> None:
    ratings = {ANNA: {"dementia": Level.EXPERT}}
    assert suggested_teachers(ratings, "dementia", consent=()) == []


def test_not_relevant_and_lower_levels_never_make_a_teacher() -> None:
    ratings = {ANNA: {"dementia": Level.NOT_RELEVANT}, BO: {"dementia": Level.COMPETENT},
               CARL: {"legislation": Level.EXPERT}}
    assert suggested_teachers(ratings, "dementia", consent={ANNA, BO, CARL}) == []


# --- into a goal --------------------------------------------------------------------------


def test_picking_a_course_makes_the_goal_a_course_goal_named_for_it() -> None:
    picked = pick_into_goal(course(), goal(what="Blive tryg i samtaler med pårørende"))
    assert picked.id == "g1"
    assert picked.practice_field is PracticeField.COURSE
    assert picked.what == "Demens – den svære samtale – Blive tryg i samtaler med pårørende"
    assert picked.deadline == dt.date(2026, 4, 20)


def test_picking_a_course_keeps_a_goal_deadline_and_text_that_names_it() -> None:
    original = goal(what="Tage kurset Demens – den svære samtale",
                    deadline=dt.date(2026, 12, 1))
    picked = pick_into_goal(course(), original)
    assert picked.what == original.what
    assert picked.deadline == dt.date(2026, 12, 1)
    assert dataclasses.replace(picked, practice_field=original.practice_field) == original


def test_picking_an_undated_course_into_an_empty_goal() -> None:
    picked = pick_into_goal(course(dates=()), goal(what=""))
    assert picked.what == "Demens – den svære samtale"
    assert picked.deadline is None


# --- the competence catalogue ---------------------------------------------------------------


def test_the_catalogue_lists_only_completions_with_consent() -> None:
    made = course()
    k1 = made.id
    completions = [
        Completion(person_id=ANNA, course_id=k1, completed_on=TODAY, consent_to_publish=True),
        Completion(person_id=BO, course_id=k1, completed_on=TODAY),
    ]
    assert competence_catalogue(completions, {k1: made}) == {
        "communication": [(ANNA, made.title)],
        "dementia": [(ANNA, made.title)],
    }


def test_a_withdrawn_consent_removes_the_entry() -> None:
    made = course()
    k1 = made.id
    given = Completion(person_id=ANNA, course_id=k1, completed_on=TODAY,
                       consent_to_publish=True)
    withdrawn = given.revised(consent_to_publish=False)
    assert competence_catalogue([withdrawn, given], {k1: made}) == {}
    again = withdrawn.revised(consent_to_publish=True)
    assert competence_catalogue([given, again, withdrawn], {k1: made})["dementia"] == [
        (ANNA, made.title)
    ]


def test_a_withdrawal_on_one_device_wins_over_consent_on_another() -> None:
    made = course()
    k1 = made.id
    first = Completion(person_id=ANNA, course_id=k1, completed_on=TODAY)
    consented = first.revised(consent_to_publish=True)
    also_changed = first.revised(completed_on=TODAY - dt.timedelta(days=1))
    assert competence_catalogue([first, consented, also_changed], {k1: made}) == {}


def test_completions_of_unknown_courses_are_left_out() -> None:
    done = Completion(person_id=ANNA, course_id="gone", completed_on=TODAY,
                      consent_to_publish=True)
    assert competence_catalogue([done], {}) == {}


def test_a_completion_survives_its_dict_form() -> None:
    done = Completion(person_id=ANNA, course_id="k1", completed_on=TODAY,
                      consent_to_publish=True, author=ANNA)
    data = done.to_dict()
    assert data["type"] == "course_completion"
    assert Completion.from_dict(data) == done

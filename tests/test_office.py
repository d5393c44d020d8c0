"""The leader's and HR's desk through the session: ratings reach HR and the leader,
courses reach everyone, reminders reach the person, the board and a year plan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conversations import demo
from conversations.competence import Level
from conversations.courses import Delivery
from conversations.model import InputRejected, Kind
from conversations.overview import BoardState, Grouping
from services.app import AppSession
from services.clock import Clock
from tests.app_fixtures import DEMO_MUS_AT, session_on
from tests.clock import TODAY
from tests.test_meeting import ANNA, METTE, agreed_mus, switch

# Ratings belong to the year of the conversation they were given in.
MUS_YEAR = DEMO_MUS_AT.year


@pytest.fixture
def tablet(tmp_path: Path) -> AppSession:
    session = session_on(tmp_path)
    session.create_demo()
    return session


def anna_rates_and_shares(tablet: AppSession, level: Level) -> str:
    cid = next(s.id for _, items in tablet.home() for s in items if s.answered)
    draft = tablet.open_draft(cid)
    profile = tablet.library.job_profiles["therapist-carer"]
    tablet.set_rating(cid, profile.competences[1].id, level)
    tablet.set_shared(cid, True)
    tablet.close_draft(cid)
    tablet.sync()
    assert draft.preparation.ratings
    return profile.competences[1].id


def test_a_shared_self_assessment_reaches_hr_and_the_leader_but_an_unshared_one_does_not(
    tablet: AppSession,
) -> None:
    cid = next(s.id for _, items in tablet.home() for s in items if s.answered)
    tablet.open_draft(cid)
    tablet.close_draft(cid)
    tablet.sync()
    switch(tablet, 2)
    assert [r for r in tablet.office.ratings() if r.year == MUS_YEAR] == []
    switch(tablet, 1)
    competence = anna_rates_and_shares(tablet, Level.NOVICE)
    for symbol in (2, 6):
        switch(tablet, symbol)
        mine = [r for r in tablet.office.ratings()
                if r.competence_id == competence and r.year == MUS_YEAR]
        assert [(r.person_id, r.level) for r in mine] == [(ANNA.id, Level.NOVICE)]
    switch(tablet, 2)
    cells = tablet.office.overview(Grouping.INDIVIDUAL, MUS_YEAR)
    gap = cells[ANNA.id][competence].gap
    assert gap is not None and gap > 0
    assert tablet.office.gaps(MUS_YEAR)[ANNA.id][competence] > 0


def test_sharing_again_replaces_the_ratings_instead_of_counting_twice(
    tablet: AppSession,
) -> None:
    competence = anna_rates_and_shares(tablet, Level.NOVICE)
    anna_rates_and_shares(tablet, Level.EXPERT)
    switch(tablet, 2)
    mine = [r for r in tablet.office.ratings()
            if r.competence_id == competence and r.year == MUS_YEAR]
    assert [r.level for r in mine] == [Level.EXPERT]


def test_hr_creates_a_course_everyone_sees_and_an_employee_cannot(tablet: AppSession) -> None:
    profile = tablet.library.job_profiles["therapist-carer"]
    with pytest.raises(InputRejected) as refused:
        tablet.office.create_course("Forflytning", [profile.competences[0].id],
                                    Delivery.INTERNAL)
    assert refused.value.key == "error.hr_only"
    switch(tablet, 2)
    with pytest.raises(InputRejected):
        tablet.office.create_course("  ", [profile.competences[0].id], Delivery.INTERNAL)
    assert tablet.office.courses() == []
    tablet.office.create_course("Forflytning i praksis", [profile.competences[0].id],
                                Delivery.INTERNAL, teacher_id=METTE.id,
                                dates=[TODAY + dt.timedelta(days=30)])
    tablet.sync()
    switch(tablet, 1)
    assert [c.title for c in tablet.office.courses()] == ["Forflytning i praksis"]


def test_an_overdue_follow_up_shows_on_the_board_and_a_reminder_reaches_the_employee(
    tablet: AppSession,
) -> None:
    switch(tablet, 6)
    cid = agreed_mus(tablet)
    tablet.meetings.close(cid)
    due = tablet.meetings.conversation(cid).follow_up_due
    assert due is not None
    tablet.clock = Clock(due + dt.timedelta(days=5))
    rows = {row.person_id: row for row in tablet.office.board(TODAY.year)}
    assert rows[ANNA.id].state is BoardState.OVERDUE
    assert rows[demo.organisation().employees[1].id].state is BoardState.NOT_PLANNED
    tablet.office.remind(cid)
    tablet.sync()
    switch(tablet, 1)
    reminders = tablet.office.reminders()
    assert [(r.about, c.id) for r, c in reminders] == [("reminder.follow_up", cid)]


def test_the_demo_brings_last_years_self_assessments_for_hr_and_the_leader(
    tablet: AppSession,
) -> None:
    (own,) = tablet.office.overview(Grouping.TEAM, TODAY.year - 1).values()
    assert {cell.count for cell in own.values()} == {1}  # Anna holds only her own
    for symbol in (2, 6):
        switch(tablet, symbol)
        cells = tablet.office.overview(Grouping.TEAM, TODAY.year - 1)
        (team,) = cells.values()
        assert {cell.count for cell in team.values()} == {4}
        assert any(cell.gap is not None and cell.gap > 0 for cell in team.values())


def test_a_year_plan_is_planned_in_bulk_for_the_team(tablet: AppSession) -> None:
    from conversations.annual import plan_year

    switch(tablet, 6)
    people = [m.id for m in tablet.office.led()]
    year = TODAY.year + 1
    slots = plan_year(people, Kind.MUS, year=year,
                      window=(dt.date(year, 2, 1), dt.date(year, 3, 31)), per_day=2)
    planned = tablet.office.plan_many(Kind.MUS, [(s.person_ids, s.day) for s in slots])
    assert len(planned) == len(people)
    states = {row.person_id: row.state for row in tablet.office.board(year)}
    # Anna's follow-up from the demo's earlier MUS is due: that stays in front.
    assert states.pop(ANNA.id) is BoardState.FOLLOW_UP_DUE
    assert set(states.values()) == {BoardState.PLANNED}


def test_the_leaders_leader_sees_coverage_as_counts_from_each_leader(
    tablet: AppSession,
) -> None:
    import dataclasses

    from storage.schema import DIRECTORY_KEY

    henrik = demo.organisation().hr.id
    for symbol in (6, 2):  # Henrik from HR is made Mette's leader on both profiles
        switch(tablet, symbol)
        mette = tablet.directory.member(METTE.id)
        assert mette is not None
        tablet.directory = tablet.directory.with_member(
            dataclasses.replace(mette, leader_id=henrik))
        tablet.unlocked_vault().put_meta(DIRECTORY_KEY, tablet.directory.to_dict())
    assert tablet.office.coverage(TODAY.year) == {}
    switch(tablet, 6)
    cid = agreed_mus(tablet)
    tablet.meetings.close(cid)
    tablet.sync()
    switch(tablet, 2)
    assert tablet.office.coverage(TODAY.year) == {METTE.id: (1, 4)}


def test_a_completed_course_shows_in_the_competence_catalogue_only_with_consent(
    tablet: AppSession,
) -> None:
    profile = tablet.library.job_profiles["therapist-carer"]
    competence = profile.competences[0].id
    switch(tablet, 2)
    course = tablet.office.create_course("Forflytning i praksis", [competence],
                                         Delivery.INTERNAL)
    tablet.sync()
    switch(tablet, 1)
    with pytest.raises(InputRejected):
        tablet.office.complete(course.id, TODAY + dt.timedelta(days=1), consent=True)
    tablet.office.complete(course.id, TODAY, consent=False)
    tablet.sync()
    switch(tablet, 6)
    assert tablet.office.competence_catalogue() == {}  # the leader knows, the list does not
    assert [c.person_id for c in tablet.office.completions()] == [ANNA.id]
    switch(tablet, 1)
    tablet.office.complete(course.id, TODAY, consent=True)
    tablet.sync()
    switch(tablet, 6)
    assert tablet.office.competence_catalogue() == {
        competence: [("Anna Sørensen", "Forflytning i praksis")]}
    switch(tablet, 1)
    tablet.office.complete(course.id, TODAY, consent=False)
    tablet.sync()
    switch(tablet, 6)
    assert tablet.office.competence_catalogue() == {}


def test_erasure_empties_the_persons_own_content_on_every_device_and_tells_hr(
    tablet: AppSession,
) -> None:
    from services.privacy_desk import PrivacyDesk

    anna_rates_and_shares(tablet, Level.NOVICE)  # Anna shared her MUS with answers
    cid = next(s.id for _, items in tablet.home() for s in items if s.answered)
    switch(tablet, 6)
    assert tablet.meetings.load(cid).preparations[ANNA.id].answers
    switch(tablet, 1)
    erased, kept = PrivacyDesk(tablet).request_erasure()
    assert erased >= 2 and kept >= 1
    tablet.sync()
    assert not tablet.open_draft(cid).preparation.answers
    tablet.close_draft(cid)
    switch(tablet, 6)
    shared = tablet.meetings.load(cid).preparations[ANNA.id]
    assert not shared.answers and not shared.ratings
    switch(tablet, 2)
    assert [r for r in tablet.office.ratings() if r.year == MUS_YEAR] == []
    requests = PrivacyDesk(tablet).erasure_requests()
    assert [r.person_id for r in requests] == [ANNA.id]
    share = Path(tablet.default_share())
    for path in share.rglob("*"):
        if path.is_file():
            assert b"Anna" not in path.read_bytes()

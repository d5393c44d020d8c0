"""Planning, holding and signing a conversation through the session, on one tablet
with the demo organisation: the leader Mette and the employee Anna."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from conversations import demo
from conversations.agreements import AgreementStatus
from conversations.model import InputRejected, Kind, PracticeField, State, follow_up_date
from services.app import AppSession
from services.clock import Clock
from services.meeting import new_goal
from storage.schema import AGREEMENT_TABLE
from tests.app_fixtures import first_text_question, session_on
from tests.clock import TODAY

ANNA, METTE = demo.organisation().employees[0], demo.organisation().leader
JONAS = demo.organisation().employees[1]


def pdf_text(pdf: bytes) -> str:
    """The PDF's words with table wrapping undone."""
    return " ".join(" ".join(page.extract_text() for page in
                             PdfReader(io.BytesIO(pdf)).pages).split())


def profile_of(session: AppSession, symbol: int) -> str:
    return next(p.id for p in session.profiles() if p.symbol == symbol)


def switch(session: AppSession, symbol: int) -> None:
    session.lock()
    session.unlock(profile_of(session, symbol), demo.DEMO_PIN)
    session.sync()


@pytest.fixture
def tablet(tmp_path: Path) -> AppSession:
    session = session_on(tmp_path)
    session.create_demo()
    switch(session, 6)  # Mette
    return session


def planned_mus(tablet: AppSession) -> str:
    planned = tablet.meetings.plan(Kind.MUS, [ANNA.id], TODAY + dt.timedelta(days=7))
    assert planned.without_profile == ()
    tablet.sync()
    return planned.conversation_id


def anna_prepares_and_shares(tablet: AppSession, cid: str, answer: str) -> None:
    switch(tablet, 1)
    assert any(s.id == cid for _, items in tablet.home() for s in items)
    tablet.open_draft(cid)
    tablet.set_answer(cid, first_text_question(tablet, cid), answer)
    tablet.set_shared(cid, True)
    tablet.close_draft(cid)
    tablet.sync()


def held_with_two_goals(tablet: AppSession, cid: str) -> None:
    meetings = tablet.meetings
    meeting = meetings.load(cid)
    theme = meeting.sheet.themes[0].id
    meetings.set_note(cid, theme, "Vi talte om “genoptræning” – og om hjælpemidler • især lifte.")
    meetings.set_goals(cid, [
        new_goal(theme, "Kursus i forflytning", practice_field=PracticeField.COURSE,
                 responsible_id=ANNA.id, deadline=TODAY + dt.timedelta(days=90),
                 approved_by_leader=True),
        new_goal(theme, "Sidemandsoplæring med Fatima", practice_field=PracticeField.SIDE_BY_SIDE,
                 responsible_id=METTE.id, deadline=TODAY + dt.timedelta(days=60),
                 approved_by_leader=True),
    ])
    meetings.finish(cid)


def test_a_planned_conversation_reaches_the_employee_and_her_shared_preparation_the_leader(
    tablet: AppSession,
) -> None:
    cid = planned_mus(tablet)
    anna_prepares_and_shares(tablet, cid, "Jeg vil gerne lære mere om demens.")
    switch(tablet, 6)
    tablet.open_draft(cid)  # Mette prepares too, privately
    tablet.set_answer(cid, first_text_question(tablet, cid), "Anna er god til borgerne.")
    tablet.close_draft(cid)
    meeting = tablet.meetings.load(cid)
    question = first_text_question_of(meeting)
    assert meeting.preparations[ANNA.id].answers[question] == "Jeg vil gerne lære mere om demens."
    assert meeting.preparations[METTE.id].answers[question] == "Anna er god til borgerne."
    tablet.sync()
    switch(tablet, 1)  # Mette's own preparation never reaches Anna
    shard = tablet.unlocked_vault().read_shard(cid)
    assert {p["author"] for p in shard.get("preparations", {}).values()} == {ANNA.id}


def test_the_leaders_home_says_who_has_shared_and_keeps_it_after_her_own_preparing(
    tablet: AppSession,
) -> None:
    cid = planned_mus(tablet)

    def mettes_card() -> Any:
        return next(s for _, items in tablet.home() for s in items if s.id == cid)

    assert mettes_card().shared_by == () and mettes_card().participants == 1
    anna_prepares_and_shares(tablet, cid, "Jeg vil gerne lære mere om demens.")
    switch(tablet, 6)  # Mette, after a sync
    assert mettes_card().shared_by == (ANNA.id,)
    tablet.open_draft(cid)
    tablet.set_answer(cid, first_text_question(tablet, cid), "Anna er god til borgerne.")
    tablet.close_draft(cid)  # her own progress is written again: Anna's sharing stays
    assert mettes_card().shared_by == (ANNA.id,) and mettes_card().answered == 1


def first_text_question_of(meeting: object) -> str:
    sheet = meeting.sheet  # type: ignore[attr-defined]
    return str(next(q.id for q in sheet.all_questions() if q.type.value == "text"))


def test_both_sign_on_one_tablet_and_the_conversation_is_agreed_with_a_follow_up(
    tablet: AppSession,
) -> None:
    cid = planned_mus(tablet)
    held_with_two_goals(tablet, cid)
    meetings = tablet.meetings
    meeting = meetings.open[cid]
    assert meetings.status(meeting)[0] is AgreementStatus.DRAFT
    meetings.sign(cid)
    status, waiting, _ = meetings.status(meeting)
    assert status is AgreementStatus.AWAITING and waiting == {ANNA.id}
    with pytest.raises(Exception):  # noqa: B017 (the wrong PIN is a storage error)
        meetings.sign_here(cid, profile_of(tablet, 1), "000000")
    meetings.sign_here(cid, profile_of(tablet, 1), demo.DEMO_PIN)
    status, waiting, checks = meetings.status(meeting)
    assert status is AgreementStatus.SIGNED and not waiting
    assert checks == {METTE.id: True, ANNA.id: True}
    assert meeting.conversation.state is State.AGREED
    assert meeting.conversation.follow_up_due == follow_up_date(TODAY)
    text = pdf_text(meetings.agreement_pdf(meeting))
    assert "Kursus i forflytning" in text and "Sidemandsoplæring med Fatima" in text
    assert "Anna Sørensen" in text and "Mette Holm" in text
    assert "Afventer" not in text
    tablet.sync()
    switch(tablet, 1)  # Anna's own device view: signed by both, follow-up planned
    seen = tablet.meetings.load(cid)
    assert tablet.meetings.status(seen)[0] is AgreementStatus.SIGNED
    assert seen.conversation.follow_up_due == follow_up_date(TODAY)


def test_the_employee_signs_later_on_her_own_profile(tablet: AppSession) -> None:
    cid = planned_mus(tablet)
    held_with_two_goals(tablet, cid)
    tablet.meetings.sign(cid)
    tablet.sync()
    switch(tablet, 1)
    meeting = tablet.meetings.load(cid)
    assert tablet.meetings.status(meeting)[1] == {ANNA.id}
    tablet.meetings.sign(cid)
    assert tablet.meetings.status(meeting)[0] is AgreementStatus.SIGNED
    tablet.sync()
    switch(tablet, 6)
    assert tablet.meetings.load(cid).conversation.state is State.AGREED


def test_one_changed_character_after_signing_is_detected_and_refused(tablet: AppSession) -> None:
    cid = planned_mus(tablet)
    held_with_two_goals(tablet, cid)
    tablet.meetings.sign(cid)
    tablet.meetings.sign_here(cid, profile_of(tablet, 1), demo.DEMO_PIN)
    tablet.meetings.close(cid)
    vault = tablet.unlocked_vault()
    stored = vault.read_shard(cid)[AGREEMENT_TABLE]
    record = next(iter(stored.values()))
    goals = [dict(g) for g in record["goals"]]
    goals[0]["what"] = goals[0]["what"].replace("Kursus", "Kursut")
    vault.put_record(cid, AGREEMENT_TABLE, {**record, "goals": goals})
    meeting = tablet.meetings.load(cid)
    status, _, checks = tablet.meetings.status(meeting)
    assert status is AgreementStatus.DRAFT
    assert checks == {METTE.id: False, ANNA.id: False}
    with pytest.raises(InputRejected) as refused:
        tablet.meetings.sign(cid)
    assert refused.value.key == "error.signature_broken"
    text = pdf_text(tablet.meetings.agreement_pdf(meeting))
    assert "Ugyldig underskrift" in text


def test_a_signed_agreement_changed_becomes_a_new_one_and_the_old_stays_readable(
    tablet: AppSession,
) -> None:
    cid = planned_mus(tablet)
    held_with_two_goals(tablet, cid)
    meetings = tablet.meetings
    meetings.sign(cid)
    meetings.sign_here(cid, profile_of(tablet, 1), demo.DEMO_PIN)
    meeting = meetings.open[cid]
    old = meeting.agreement
    assert old is not None
    goals = [dataclasses.replace(old.goals[0], what="Kursus i forflytning, modul 2"),
             old.goals[1]]
    meetings.set_goals(cid, goals)
    assert meeting.agreement is not None and meeting.agreement.supersedes == old.id
    assert meetings.status(meeting)[0] is AgreementStatus.DRAFT
    meetings.close(cid)
    again = meetings.load(cid)
    assert again.agreement is not None and again.agreement.supersedes == old.id
    assert [a.id for a in again.earlier] == [old.id]
    assert again.earlier[0].signatures == old.signatures


@pytest.mark.parametrize(
    ("goals", "key"),
    [
        ([], "error.goals_required"),
        ([("   ", 30)], "error.goal_empty"),
        ([("Kursus", -1)], "error.deadline_past"),
    ],
)
def test_empty_goals_and_past_deadlines_are_refused_and_change_nothing(
    tablet: AppSession, goals: list[tuple[str, int]], key: str
) -> None:
    cid = planned_mus(tablet)
    meeting = tablet.meetings.load(cid)
    theme = meeting.sheet.themes[0].id
    with pytest.raises(InputRejected) as refused:
        tablet.meetings.set_goals(cid, [
            new_goal(theme, what, deadline=TODAY + dt.timedelta(days=days),
                     practice_field=PracticeField.OTHER)
            for what, days in goals])
    assert refused.value.key == key
    assert meeting.agreement is None


def test_a_participant_without_a_profile_is_planned_and_named(tablet: AppSession) -> None:
    planned = tablet.meetings.plan(Kind.MUS, [JONAS.id], TODAY + dt.timedelta(days=3))
    assert planned.without_profile == ("Jonas Nielsen",)
    files = tablet.meetings.invitation_files(
        tablet.meetings.conversation(planned.conversation_id), "Kære Jonas …")
    assert sorted(name.rsplit(".", 1)[1] for name in files) == ["ics", "pdf", "txt"]
    assert files[next(n for n in files if n.endswith(".pdf"))].startswith(b"%PDF")


@pytest.mark.parametrize(
    ("kind", "people", "days", "key"),
    [
        (Kind.MUS, [], 3, "error.participants_required"),
        (Kind.MUS, ["anna", "jonas"], 3, "error.one_participant"),
        (Kind.MUS, ["anna"], -1, "error.date_past"),
        (Kind.MUS, ["stranger"], 3, "error.participant_unknown"),
    ],
)
def test_a_plan_with_bad_input_is_refused(
    tablet: AppSession, kind: Kind, people: list[str], days: int, key: str
) -> None:
    ids = {"anna": ANNA.id, "jonas": JONAS.id, "stranger": "f" * 32}
    before = tablet.unlocked_vault().index()
    with pytest.raises(InputRejected) as refused:
        tablet.meetings.plan(kind, [ids[p] for p in people], TODAY + dt.timedelta(days=days))
    assert refused.value.key == key
    assert tablet.unlocked_vault().index() == before


def test_minutes_keep_word_punctuation_and_refuse_20000_characters(tablet: AppSession) -> None:
    cid = planned_mus(tablet)
    meeting = tablet.meetings.load(cid)
    theme = meeting.sheet.themes[0].id
    tablet.meetings.set_note(cid, theme, "“Citat” – tankestreg • punkt\u00a0og\u200bmere")
    assert meeting.minutes.notes[theme] == "“Citat” – tankestreg • punkt ogmere"
    with pytest.raises(InputRejected):
        tablet.meetings.set_note(cid, theme, "x" * 20_001)
    tablet.meetings.set_note(cid, theme, "y" * 20_000)
    tablet.meetings.close(cid)
    assert tablet.meetings.load(cid).minutes.notes[theme] == "y" * 20_000


def agreed_mus(tablet: AppSession) -> str:
    cid = planned_mus(tablet)
    held_with_two_goals(tablet, cid)
    tablet.meetings.sign(cid)
    tablet.meetings.sign_here(cid, profile_of(tablet, 1), demo.DEMO_PIN)
    return cid


def test_a_follow_up_shows_as_due_then_overdue_on_home(tablet: AppSession) -> None:
    cid = agreed_mus(tablet)
    tablet.meetings.close(cid)
    due = tablet.meetings.conversation(cid).follow_up_due
    assert due == follow_up_date(TODAY)

    def summary_on(day: dt.date) -> object:
        tablet.clock = Clock(day)
        return next(s for _, items in tablet.home() for s in items if s.id == cid)

    from conversations.model import Task

    assert summary_on(TODAY).task is Task.DONE  # type: ignore[attr-defined]
    soon = summary_on(due - dt.timedelta(days=20))
    assert soon.task is Task.FOLLOW_UP and soon.follow_up_due == due  # type: ignore[attr-defined]
    assert summary_on(due + dt.timedelta(days=3)).task is Task.FOLLOW_UP  # type: ignore[attr-defined]


def test_the_follow_up_records_progress_in_a_new_agreement_both_sign_again(
    tablet: AppSession,
) -> None:
    from conversations.model import GoalStatus

    cid = agreed_mus(tablet)
    meeting = tablet.meetings.open[cid]
    signed = meeting.agreement
    assert signed is not None
    tablet.meetings.set_goal_status(cid, signed.goals[0].id, GoalStatus.DONE)
    tablet.meetings.followed_up(cid)
    assert meeting.conversation.state is State.FOLLOWED_UP
    assert meeting.agreement is not None and meeting.agreement.supersedes == signed.id
    assert meeting.agreement.goals[0].status is GoalStatus.DONE
    assert tablet.meetings.status(meeting)[0] is AgreementStatus.DRAFT
    tablet.meetings.sign(cid)
    tablet.meetings.sign_here(cid, profile_of(tablet, 1), demo.DEMO_PIN)
    assert tablet.meetings.status(meeting)[0] is AgreementStatus.SIGNED
    assert meeting.earlier[0].signatures == signed.signatures


def test_a_grus_member_goal_is_approved_and_everyone_gets_an_individual_follow_up(
    tablet: AppSession,
) -> None:
    team = [e.id for e in demo.organisation().employees]
    planned = tablet.meetings.plan(Kind.GRUS, team, TODAY + dt.timedelta(days=2))
    cid = planned.conversation_id
    tablet.meetings.load(cid)
    tablet.meetings.add_action(cid, "Fælles sparring hver tirsdag", long_term=False,
                               responsible_id=METTE.id, deadline=TODAY + dt.timedelta(days=30))
    with pytest.raises(InputRejected):
        tablet.meetings.add_action(cid, "  ", long_term=True, responsible_id=METTE.id,
                                   deadline=None)
    tablet.meetings.add_member_goal(cid, ANNA.id, "Lære at bruge loftlift", None)
    plan = tablet.meetings.open[cid].plan
    assert plan is not None
    goal = plan.member_goals[ANNA.id][0]
    assert not goal.approved_by_leader
    tablet.meetings.approve_goal(cid, ANNA.id, goal.id)
    follow_ups = tablet.meetings.finish_team(cid)
    assert len(follow_ups) == len(team)
    kinds = {tablet.meetings.conversation(f).kind for f in follow_ups}
    assert kinds == {Kind.FOLLOW_UP}
    again = tablet.meetings.load(cid)
    assert again.plan is not None and again.plan.member_goals[ANNA.id][0].approved_by_leader
    assert again.conversation.state is State.HELD


def test_individual_follow_ups_after_a_grus_use_the_newest_follow_up_sheet(
    tablet: AppSession,
) -> None:
    """An organisation that published its own follow-up sheet (version 2) gets it for
    the follow-ups a GRUS leaves behind."""
    library = tablet.library
    own = dataclasses.replace(library.sheets["follow_up"], version=2)
    tablet.library = dataclasses.replace(library, sheets={**library.sheets, "follow_up": own})
    team = [e.id for e in demo.organisation().employees]
    cid = tablet.meetings.plan(Kind.GRUS, team, TODAY + dt.timedelta(days=2)).conversation_id
    tablet.meetings.load(cid)
    follow_ups = tablet.meetings.finish_team(cid)
    assert {tablet.meetings.conversation(f).sheet_version for f in follow_ups} == {2}

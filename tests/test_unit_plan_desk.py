"""The unit's year plan through the app's session on the demo: Mette holds the team's
TUS, gathers its actions into the unit's plan, shares it; Anna in the same unit reads it
after a sync and cannot change it; the PDF shows priorities and the team's sub-goals."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from conversations import demo
from conversations.model import InputRejected, Kind, UnitPlan
from conversations.unit_plan import gathered, new_unit_plan, team_priorities, with_priority
from documents.pdf import unit_plan_document
from services.app import AppSession
from tests.app_fixtures import session_on
from tests.clock import TODAY
from tests.test_meeting import switch
from tests.test_unit_plan import DIRECTORY, HELD, UNIT

DEADLINE = TODAY + dt.timedelta(days=60)


def tus_held_with_actions(session: AppSession, *actions: str) -> str:
    """Mette holds the demo's TUS and agrees ``actions`` (short term) in its team plan."""
    cid = next(cid for cid, entry in session.index().items() if entry.kind is Kind.TUS)
    meetings = session.meetings
    meetings.load(cid)
    for what in actions:
        meetings.add_action(cid, what, long_term=False, responsible_id=demo.organisation()
                            .employees[1].id, deadline=DEADLINE)
    meetings.finish_team(cid)
    return cid


@pytest.fixture
def mette(tmp_path: Path) -> AppSession:
    session = session_on(tmp_path)
    session.create_demo()
    switch(session, 6)
    return session


def test_a_leader_gathers_the_held_tus_actions_as_the_teams_sub_goals(
    mette: AppSession,
) -> None:
    plans = mette.unit_plans
    assert plans.offered() == ()  # the TUS is not held yet
    tus_held_with_actions(mette, "Sparring om forflytning hver tirsdag", "Fælles kørselsplan")

    offered = plans.offered()
    assert [(p.team, p.what) for p in offered] == [
        (demo.TEAM, "Sparring om forflytning hver tirsdag"), (demo.TEAM, "Fælles kørselsplan")]
    plan = plans.gather(plans.open(TODAY.year), offered[0])
    plan = plans.add_priority(plan, "Færre sygedage i hele enheden")

    kept = plans.load(TODAY.year)
    assert kept == plan
    assert (kept.unit, kept.sub_goals[0].team, kept.sub_goals[0].deadline) == (
        demo.UNIT, demo.TEAM, DEADLINE)


def test_the_shared_plan_reaches_a_member_of_the_unit_who_reads_but_cannot_change_it(
    mette: AppSession,
) -> None:
    tus_held_with_actions(mette, "Sparring om forflytning hver tirsdag")
    plans = mette.unit_plans
    plan = plans.gather(plans.open(TODAY.year), plans.offered()[0])
    assert not plans.shared(plan)
    plans.share(plan)
    mette.sync()
    assert plans.shared(plan)

    switch(mette, 1)  # Anna, in the same unit
    anna = mette.unit_plans
    assert not anna.may_keep()
    assert anna.load(TODAY.year) == plan
    with pytest.raises(InputRejected) as refused:
        anna.add_priority(plan, "Anna bestemmer")
    assert refused.value.key == "error.unit_plan_leader_only"
    assert anna.offered() == ()


def test_hr_outside_the_unit_never_gets_the_plan(mette: AppSession) -> None:
    tus_held_with_actions(mette, "Sparring om forflytning hver tirsdag")
    plans = mette.unit_plans
    plans.share(plans.gather(plans.open(TODAY.year), plans.offered()[0]))
    mette.sync()

    switch(mette, 2)  # Henrik, HR, in another unit
    assert mette.unit_plans.load(TODAY.year) is None
    with pytest.raises(InputRejected):
        mette.unit_plans.open(TODAY.year)


def test_the_year_plan_pdf_shows_the_units_priorities_and_each_teams_sub_goals(
    mette: AppSession, artifacts: Path,
) -> None:
    tus_held_with_actions(mette, "Sparring om forflytning hver tirsdag", "Fælles kørselsplan")
    plans = mette.unit_plans
    plan = plans.open(TODAY.year)
    for priority in plans.offered():
        plan = plans.gather(plan, priority)
    plan = plans.add_priority(plan, "Færre sygedage i hele enheden")
    plan = plans.add_priority(plan, "Alle nye medarbejdere får en mentor")

    pdf = plans.pdf(plan)

    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    for words in (f"Enhedens årsplan {TODAY.year}", demo.UNIT, "Udarbejdet af Mette Holm",
                  "Kladde, ikke delt endnu", "1. Færre sygedage i hele enheden",
                  "2. Alle nye medarbejdere får en mentor", "Teamenes delmål", demo.TEAM,
                  "Sparring om forflytning hver tirsdag", "Jonas Nielsen", "Ikke startet"):
        assert words in text, words
    if shutil.which("pdftoppm"):
        target = artifacts / "pdf-unit-plan"
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                        "-", str(target)], input=pdf, check=True, capture_output=True)
        assert target.with_suffix(".png").stat().st_size > 10_000


def test_the_year_plan_pdf_puts_each_teams_sub_goals_under_it_by_name(
    artifacts: Path,
) -> None:
    plan: UnitPlan = with_priority(new_unit_plan(UNIT, 2031, "L"), "Trivsel – " + "ord " * 60,
                                   "L")
    for priority in team_priorities(HELD, DIRECTORY, UNIT):
        plan = gathered(plan, priority, "L")
    names = {pid: m.name for pid, m in DIRECTORY.members.items()}

    pdf = unit_plan_document(plan, names, "en", shared=True)

    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert text.index("Nord") < text.index("Mentorordning") < text.index("Syd") < \
        text.index("Fælles morgenmøde")
    assert "Shared with the unit" in text and "The teams' sub-goals" in text
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                        "-", str(artifacts / "pdf-unit-plan-two-teams")], input=pdf,
                       check=True, capture_output=True)

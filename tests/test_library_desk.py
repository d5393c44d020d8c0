"""HR's sheet and job-profile editor as a service: adapting, checking in the person's
language, publishing to every member, versions that stay with their conversations,
leaders choosing the sheet, files in and out, and job profiles."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from conversations.competence import Level
from conversations.model import InputRejected, Kind
from conversations.publishing import LibraryRelease, library_with, sheet_release
from conversations.sheet_editor import export_sheet, set_question_type, tailored, value_at
from conversations.sheets import QuestionType
from services.app import AppSession
from tests.app_fixtures import LIBRARY, session_on
from tests.clock import TODAY
from tests.test_meeting import ANNA, switch

ANNA_SYMBOL, HR_SYMBOL, METTE_SYMBOL = 1, 2, 6


@pytest.fixture
def tablet(tmp_path: Path) -> AppSession:
    session = session_on(tmp_path)
    session.create_demo()
    return session


def adapted_mus(session: AppSession) -> None:
    """HR's edit of the MUS: a question added to the first theme, its second removed."""
    desk = session.library_desk
    desk.start_from("mus")
    desk.add(("themes", 0, "questions"))
    desk.set_text(("themes", 0, "questions", 4, "text"), "Hvad vil du gerne lære i år?")
    desk.remove(("themes", 0, "questions", 1))


def test_hr_adapts_a_shipped_sheet_into_its_next_version(tablet: AppSession) -> None:
    switch(tablet, HR_SYMBOL)
    adapted_mus(tablet)
    sheet = tablet.library_desk.preview()
    shipped = LIBRARY.sheets["mus"]
    assert (sheet.id, sheet.version) == ("mus", shipped.version + 1)
    assert "results.difference" not in sheet.question_ids()
    assert sheet.question("q1") is not None
    assert len(sheet.all_questions()) == len(shipped.all_questions())


def test_problems_name_the_field_in_the_persons_language(tablet: AppSession) -> None:
    switch(tablet, HR_SYMBOL)
    desk = tablet.library_desk
    desk.start_from("mus")
    desk.add(("themes", 1, "questions"))
    tablet.set_language("da")
    assert desk.problems() == ["themes[1].questions[4].text.da: må ikke være tom"]
    tablet.set_language("en")
    assert desk.problems() == ["themes[1].questions[4].text.da: must not be empty"]
    with pytest.raises(InputRejected) as refused:
        desk.publish()
    assert refused.value.key == "error.sheet_has_problems"


def test_the_draft_survives_locking_the_device(tablet: AppSession) -> None:
    switch(tablet, HR_SYMBOL)
    adapted_mus(tablet)
    switch(tablet, ANNA_SYMBOL)
    switch(tablet, HR_SYMBOL)
    draft = tablet.library_desk.draft()
    assert draft is not None
    assert draft["themes"][0]["questions"][3]["text"]["da"] == "Hvad vil du gerne lære i år?"


def test_only_hr_publishes_and_an_employee_cannot_edit(tablet: AppSession) -> None:
    with pytest.raises(InputRejected):
        tablet.library_desk.start_from("mus")
    switch(tablet, METTE_SYMBOL)
    assert not tablet.library_desk.may_edit()
    switch(tablet, HR_SYMBOL)
    tablet.library_desk.allow_leaders(True)
    tablet.sync()
    switch(tablet, METTE_SYMBOL)
    tablet.sync()
    assert tablet.library_desk.may_edit() and not tablet.library_desk.may_publish()
    adapted_mus(tablet)
    with pytest.raises(InputRejected) as refused:
        tablet.library_desk.publish()
    assert refused.value.key == "error.hr_only"
    assert tablet.library_desk.export_draft().startswith(b"{")


def test_a_published_version_reaches_anna_and_an_earlier_conversation_keeps_its_own(
    tablet: AppSession,
) -> None:
    before = next(s.id for _, items in tablet.home() for s in items if s.answered)
    tablet.sync()
    switch(tablet, HR_SYMBOL)
    adapted_mus(tablet)
    release = tablet.library_desk.publish()
    assert release.number == 2
    tablet.sync()
    switch(tablet, METTE_SYMBOL)
    tablet.sync()
    assert tablet.library.sheets["mus"].version == 2
    planned = tablet.meetings.plan(Kind.MUS, [ANNA.id], TODAY + dt.timedelta(days=20))
    tablet.sync()
    switch(tablet, ANNA_SYMBOL)
    tablet.sync()
    new = tablet.open_draft(planned.conversation_id)
    old = tablet.open_draft(before)
    assert (new.sheet.version, old.sheet.version) == (2, 1)
    assert new.sheet.question("q1") is not None and old.sheet.question("q1") is None
    assert old.sheet.question("results.difference") is not None


def test_a_leader_chooses_the_organisations_own_sheet(tablet: AppSession) -> None:
    switch(tablet, HR_SYMBOL)
    desk = tablet.library_desk
    desk.start_blank(Kind.MUS, "Vores MUS")
    desk.set_text(("themes", 0, "title"), "Trivsel")
    desk.set_text(("themes", 0, "questions", 0, "text"), "Hvordan har du det?")
    desk.publish()
    tablet.sync()
    switch(tablet, METTE_SYMBOL)
    tablet.sync()
    assert [s.id for s in tablet.meetings.sheets_for(Kind.MUS)] == ["mus", "vores-mus"]
    planned = tablet.meetings.plan(Kind.MUS, [ANNA.id], TODAY + dt.timedelta(days=9),
                                   sheet_id="vores-mus")
    conversation = tablet.meetings.conversation(planned.conversation_id)
    assert (conversation.sheet_id, conversation.sheet_version) == ("vores-mus", 1)
    with pytest.raises(InputRejected) as refused:
        tablet.meetings.plan(Kind.LUS, [ANNA.id], TODAY + dt.timedelta(days=9),
                             sheet_id="vores-mus")
    assert refused.value.key == "error.sheet_not_for_kind"


def test_a_sheet_exported_here_imports_elsewhere_as_the_same_sheet(tablet: AppSession) -> None:
    switch(tablet, HR_SYMBOL)
    name, raw = tablet.library_desk.export("tus")
    assert name == "tus-v1.json"
    result = tablet.library_desk.import_file(raw, name)
    assert result.problems == ()
    sheet = tablet.library_desk.preview()
    assert sheet.version == 2
    assert dataclasses.replace(sheet, version=1, source_file="") == dataclasses.replace(
        LIBRARY.sheets["tus"], source_file="")


def test_a_bad_file_is_refused_with_its_fields_named_and_changes_nothing(
    tablet: AppSession,
) -> None:
    switch(tablet, HR_SYMBOL)
    adapted_mus(tablet)
    kept = tablet.library_desk.draft()
    data = json.loads(export_sheet(LIBRARY.sheets["mus"]))
    data["themes"][2]["questions"][0]["type"] = "fritekst"
    data["kind"] = "SAMTALE"
    result = tablet.library_desk.import_file(json.dumps(data).encode(), "andet.json")
    assert result.problems[0].startswith("kind: ukendt samtaletype")
    assert result.problems[1].startswith("themes[2].questions[0].type: ukendt spørgsmålstype")
    assert tablet.library_desk.draft() == kept
    assert tablet.library_desk.import_file(b"\xff{", "x.json").problems == (
        "(file): er ikke UTF-8-tekst (byte 0)",)


def test_hr_edits_a_competence_and_every_device_gets_the_profile(tablet: AppSession) -> None:
    switch(tablet, HR_SYMBOL)
    desk = tablet.library_desk
    desk.start_profile("therapist-carer")
    desk.set_expected(0, Level.EXPERT)
    desk.set_profile_text(("competences", 0, "group"), "Faglighed")
    desk.add_goal(0)
    desk.set_profile_text(("competences", 0, "goals", 0), "Flere borgere klarer sig selv")
    assert desk.profile_problems() == []
    assert desk.publish_profile().number == 1
    tablet.sync()
    switch(tablet, ANNA_SYMBOL)
    tablet.sync()
    competence = tablet.library.job_profiles["therapist-carer"].competences[0]
    assert competence.expected is Level.EXPERT
    assert competence.group == {"da": "Faglighed"}
    assert competence.goals == ({"da": "Flere borgere klarer sig selv"},)


def test_hr_assigns_a_person_to_a_job_profile_in_the_signed_directory(
    tablet: AppSession,
) -> None:
    switch(tablet, HR_SYMBOL)
    tablet.library_desk.assign(ANNA.id, "leader")
    assert [m.id for m in tablet.library_desk.assigned("leader")].count(ANNA.id) == 1
    switch(tablet, ANNA_SYMBOL)
    tablet.sync()
    member = tablet.directory.member(ANNA.id)
    assert member is not None and member.job_profile == "leader"


def test_a_release_filed_under_another_number_is_skipped_with_a_problem() -> None:
    sheet = LIBRARY.sheets["mus"]
    honest = sheet_release(dataclasses.replace(sheet, version=3), "hr")
    misfiled = LibraryRelease(id="sheet.mus.v2", author="hr", item=honest.item, item_id="mus",
                              number=2, document=honest.document)
    library = library_with(LIBRARY, [misfiled])
    assert 2 not in library.versions["mus"] and 3 not in library.versions["mus"]
    assert [p.key for p in library.problems] == ["release_number"]


def test_a_question_changed_to_another_type_keeps_its_text() -> None:
    doc = tailored(LIBRARY.sheets["mus"], 2)
    changed = set_question_type(doc, ("themes", 0, "questions", 0), QuestionType.SCALE)
    question = value_at(changed, ("themes", 0, "questions", 0))
    assert question["type"] == "scale" and (question["min"], question["max"]) == (1, 5)
    assert question["text"] == doc["themes"][0]["questions"][0]["text"]
    assert value_at(doc, ("themes", 0, "questions", 0, "type")) == "text"

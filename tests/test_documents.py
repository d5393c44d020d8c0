"""PDF documents: what they say, that odd text prints, and how page 1 looks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from conversations.competence import Level
from conversations.model import (
    MAX_ANSWER_CHARS,
    Agreement,
    Conversation,
    Goal,
    GoalStatus,
    Kind,
    Minutes,
    PracticeField,
    Preparation,
    Signature,
    TeamAction,
    TeamPlan,
)
from conversations.sheets import QuestionSheet, SheetLibrary
from conversations.texts import localize
from documents.pdf import (
    PLACEHOLDER,
    agreement_document,
    conversation_document,
    printable,
    question_sheet_document,
    team_plan_document,
)
from resources.library import load_library

ROOT = Path(__file__).resolve().parent.parent
EMPLOYEE, LEADER, TR = "e" * 32, "l" * 32, "t" * 32
NAMES = {EMPLOYEE: "Anna Sørensen", LEADER: "Mette Holm", TR: "Jonas Nielsen"}
WORD = "Citat: “Det går godt” – ‘sagde’ hun … € 1.200 • punkt\u00a0to\u200b og 😀👍🏽 slut"
KEY_E, KEY_L = "3f2a 9c01 77de 0b45", "aa01 bb02 cc03 dd04"


@pytest.fixture(scope="module")
def library() -> SheetLibrary:
    return load_library()


@pytest.fixture(scope="module")
def mus(library: SheetLibrary) -> QuestionSheet:
    sheet = library.sheet("mus")
    assert sheet is not None
    return sheet


def conversation(
    kind: Kind = Kind.MUS, participants: tuple[str, ...] = (EMPLOYEE,)
) -> Conversation:
    return Conversation(
        kind=kind, sheet_id=kind.value.lower(), sheet_version=1, leader_id=LEADER,
        participant_ids=participants, planned_at=dt.datetime(2026, 3, 10, 10, 0),
        companion_id=TR if kind is Kind.MUS else None, follow_up_due=dt.date(2026, 9, 10),
    )


GOALS = (
    Goal(id="g1", theme_id="development", what="Kursus i rehabilitering – “hverdagsrehab”",
         practice_field=PracticeField.COURSE, responsible_id=EMPLOYEE,
         deadline=dt.date(2026, 6, 1)),
    Goal(id="g2", theme_id="collaboration", what="Sparring med ergoterapeut hver anden uge",
         practice_field=PracticeField.SPARRING, responsible_id=LEADER,
         deadline=dt.date(2026, 5, 1), status=GoalStatus.IN_PROGRESS),
    Goal(id="g3", theme_id="results", what="Jobbytte i visitationen i to uger",
         practice_field=PracticeField.JOB_SWAP, responsible_id=EMPLOYEE,
         status=GoalStatus.DONE),
)


def signature(signer: str, minute: int = 5) -> Signature:
    signed_at = dt.datetime(2026, 3, 10, 10, minute, tzinfo=dt.UTC)
    return Signature(signer_id=signer, signed_at=signed_at,
                     content_hash="c" * 64, public_key="k" * 44, signature="s" * 88)


def text_of(pdf: bytes) -> tuple[str, int]:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), len(reader.pages)


def test_agreement_lists_goals_parties_and_a_signed_and_an_unsigned_party(
    mus: QuestionSheet,
) -> None:
    agreement = Agreement(conversation_id="c", goals=GOALS, signatures=(signature(EMPLOYEE),))
    pdf = agreement_document(conversation(), agreement, NAMES, {EMPLOYEE: True},
                             {EMPLOYEE: KEY_E}, "da", sheet=mus)
    text, pages = text_of(pdf)
    assert pages == 1
    for goal in GOALS:
        assert " ".join(goal.what.split()[:3]) in text
    for expected in ("Fortroligt", "Side 1 af 1", "Udviklingsaftale", "Anna Sørensen",
                     "Mette Holm", "Jonas Nielsen", "Kursus eller uddannelse", "Sparring",
                     "Jobbytte", "I gang", "Gennemført", "1. juni 2026",
                     "Udviklingsområder", "Underskrevet 10. marts 2026 kl. 11.05",
                     f"Nøgle: {KEY_E}", "Afventer underskrift"):
        assert expected in text, expected
    assert text.count("Afventer underskrift") == 1
    assert "Ugyldig underskrift" not in text
    assert "01.06.2026" not in text  # deadlines read as on screen: "1. juni 2026"


def test_agreement_shows_a_failed_verification_and_an_unchecked_signature() -> None:
    agreement = Agreement(conversation_id="c", goals=GOALS,
                          signatures=(signature(EMPLOYEE), signature(LEADER, 9)))
    text, _ = text_of(agreement_document(conversation(), agreement, NAMES, {LEADER: False},
                                         {EMPLOYEE: KEY_E, LEADER: KEY_L}, "da"))
    assert "Ugyldig underskrift" in text and f"Nøgle: {KEY_L}" in text
    assert "Underskriften er ikke kontrolleret" in text  # the employee's: not verified
    assert "Afventer underskrift" not in text


def test_agreement_in_english() -> None:
    agreement = Agreement(conversation_id="c", goals=GOALS,
                          signatures=(signature(EMPLOYEE), signature(LEADER, 9)))
    text, _ = text_of(agreement_document(conversation(), agreement, NAMES,
                                         {EMPLOYEE: True, LEADER: True},
                                         {EMPLOYEE: KEY_E, LEADER: KEY_L}, "en"))
    for expected in ("Confidential", "Page 1 of 1", "Development agreement", "Goals",
                     "Course or education", "In progress", "Signed 10 March 2026, 11:05",
                     f"Key: {KEY_L}", "Anna Sørensen", "Mette Holm"):
        assert expected in text, expected
    assert "Fortroligt" not in text


def test_a_goal_too_long_for_a_table_row_is_still_printed_in_full() -> None:
    long_goal = dataclasses.replace(GOALS[0], what="Lang beskrivelse af målet. " * 800)
    pdf = agreement_document(conversation(), Agreement(conversation_id="c", goals=(long_goal,)),
                             NAMES, None, {}, "da")
    text, pages = text_of(pdf)
    assert pages > 1 and text.count("beskrivelse") == 800
    assert "Afventer underskrift" in text


def test_conversation_document_has_both_answers_ratings_and_minutes(
    mus: QuestionSheet, library: SheetLibrary
) -> None:
    choice = mus.question("development.learning")
    assert choice is not None
    employee = (Preparation(conversation_id="c", author=EMPLOYEE)
                .with_answer("results.tasks", "Genoptræning i borgernes hjem")
                .with_answer("results.workload", "4")
                .with_answer("development.learning", choice.options[0].id)
                .with_rating("rehabilitation", Level.PROFICIENT)
                .with_rating("dementia", Level.NOT_RELEVANT))
    leader = (Preparation(conversation_id="c", author=LEADER)
              .with_answer("results.tasks", "Anna er god til at motivere borgerne")
              .with_rating("rehabilitation", Level.COMPETENT))
    minutes = Minutes(conversation_id="c", notes={"results": "Vi aftalte at se på ruterne.",
                                                  "results.obstacles": "Kørselstid.",
                                                  "loose": "Husk trivselsmålingen."})
    pdf = conversation_document(conversation(), mus, {LEADER: leader, EMPLOYEE: employee},
                                minutes, NAMES, "da", profiles=library.job_profiles)
    text, pages = text_of(pdf)
    assert pages >= 2
    for expected in ("Fortroligt", "Side 1 af", "Samtaledokument", "Genoptræning i borgernes hjem",
                     "Anna er god til at motivere borgerne", "Anna Sørensen (Medarbejder)",
                     "Mette Holm (Leder)", "4 på en skala fra 1", "Rehabilitering", "Kyndig",
                     "Kompetent", "Ikke relevant for mig", "Vi aftalte at se på ruterne.",
                     "Kørselstid.", "Husk trivselsmålingen.", "Ikke besvaret",
                     localize(choice.options[0].text, "da")):
        assert expected in text, expected
    # the employee's answer comes before the leader's
    assert text.index("Genoptræning i borgernes") < text.index("Anna er god til")


def test_word_punctuation_and_a_20000_character_answer_make_a_valid_multipage_pdf(
    mus: QuestionSheet,
) -> None:
    long_answer = (WORD + " ") * (MAX_ANSWER_CHARS // (len(WORD) + 1))
    long_answer = long_answer[:MAX_ANSWER_CHARS]
    unbroken = "x" * 3000  # one "word" wider than the page
    prep = (Preparation(conversation_id="c", author=EMPLOYEE)
            .with_answer("results.tasks", long_answer)
            .with_answer("results.difference", unbroken))
    pdf = conversation_document(conversation(), mus, {EMPLOYEE: prep}, None, NAMES, "da")
    text, pages = text_of(pdf)
    assert pages >= 5
    for mark in ("“Det går godt”", "–", "‘sagde’", "…", "€ 1.200", "•", f"Side {pages} af {pages}"):
        assert mark in text, mark
    assert PLACEHOLDER in text  # the emoji the font lacks, shown rather than dropped
    assert text.count("x") >= 3000


def test_printable_replaces_missing_characters_and_drops_invisible_ones() -> None:
    supported = frozenset("abc æ")
    assert printable("a\u200bb\u00a0c\x07", supported) == "ab c"
    assert printable("a👍🏽👍b", supported) == f"a{PLACEHOLDER}b"
    assert printable("a\u030a", frozenset("å")) == "å"  # decomposed å composed


def test_team_plan_has_actions_and_members_own_goals() -> None:
    team = conversation(Kind.TUS, (EMPLOYEE, TR))
    plan = TeamPlan(
        conversation_id=team.id,
        actions=(TeamAction(id="a1", what="Fast sparringsmøde hver anden uge",
                            responsible_id=LEADER, deadline=dt.date(2026, 5, 1)),
                 TeamAction(id="a2", what="Jobbytte med naboteamet", long_term=True,
                            responsible_id=TR)),
        member_goals={EMPLOYEE: (dataclasses.replace(GOALS[0], approved_by_leader=True),),
                      TR: (GOALS[1],)},
    )
    text, _ = text_of(team_plan_document(team, plan, NAMES, "da"))
    for expected in ("Fortroligt", "Side 1 af 1", "Teamudviklingsplan", "Handlinger på kort sigt",
                     "Fast sparringsmøde hver anden uge", "Handlinger på lang sigt",
                     "Jobbytte med naboteamet", "Deltagernes egne mål", "Godkendt af leder",
                     "Afventer godkendelse", "Anna Sørensen", "Jonas Nielsen", "Mette Holm"):
        assert expected in text, expected
    assert text.index("kort sigt") < text.index("Fast sparringsmøde") < text.index("lang sigt")


def test_question_sheet_has_themes_guidance_and_questions(
    mus: QuestionSheet, library: SheetLibrary
) -> None:
    text, pages = text_of(question_sheet_document(mus, "da", profiles=library.job_profiles))
    assert pages >= 2 and "Fortroligt" in text and "Spørgsmålsark" in text
    for theme in mus.themes:
        assert localize(theme.title, "da") in text
    assert "Tænk fx på en borger" in text  # a question's help text
    assert "Rehabilitering" in text and "Nybegynder" in text
    tus = library.sheet("tus")
    assert tus is not None
    text, _ = text_of(question_sheet_document(tus, "en"))
    assert "Confidential" in text and "Ground rules" in text


def test_the_module_does_not_import_fpdf_until_a_document_is_made() -> None:
    code = ("import sys, documents.pdf, documents.calendar; "
            "print('fpdf' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm is not installed")
def test_agreement_page_one_renders_to_png(mus: QuestionSheet, artifacts: Path) -> None:
    """Page one as a picture in the artifacts folder, for a person to look at."""
    agreement = Agreement(conversation_id="c", goals=(*GOALS, *GOALS[:2]),
                          signatures=(signature(EMPLOYEE),))
    pdf = agreement_document(conversation(), agreement, NAMES, {EMPLOYEE: True},
                             {EMPLOYEE: KEY_E}, "da", sheet=mus)
    target = artifacts / "pdf-agreement"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", "-",
                    str(target)], input=pdf, check=True, capture_output=True)
    png = target.with_suffix(".png")
    assert png.read_bytes().startswith(b"\x89PNG")
    assert png.stat().st_size > 10_000  # a page with text on it, not a blank

"""Question sheets and job profiles: what ships in assets/, and how broken files are reported."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from conversations.competence import Level
from conversations.model import Kind, PracticeField
from conversations.sheets import (
    QuestionSheet,
    QuestionType,
    SheetInvalid,
    SheetProblem,
    parse_job_profile,
    parse_sheet,
)
from conversations.texts import localize
from resources.library import load_library
from resources.texts import ASSETS

LIBRARY = load_library()
INDIVIDUAL = (Kind.MUS, Kind.PUS, Kind.LUS)
SYDDJURS_THEMES = {
    "results": "Grundlæggende resultatansvar",
    "collaboration": "Samarbejde og relationer",
    "development": "Udviklingsområder – status og fremadrettet",
}


def raw(name: str) -> dict[str, Any]:
    data = json.loads((ASSETS / "sheets" / f"{name}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def only(kind: Kind) -> QuestionSheet:
    sheets = LIBRARY.for_kind(kind)
    assert len(sheets) == 1, [s.id for s in sheets]
    return sheets[0]


def texts_in(value: object, path: str = "") -> Iterator[tuple[str, Mapping[str, str]]]:
    """Every language mapping inside a parsed sheet or profile, with where it sits."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from texts_in(getattr(value, field.name), f"{path}.{field.name}")
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from texts_in(item, f"{path}[{i}]")
    elif isinstance(value, Mapping) and value:
        yield path, value


def invalid(data: object, file: str = "x.json", **kwargs: Any) -> tuple[SheetProblem, ...]:
    with pytest.raises(SheetInvalid) as caught:
        parse_sheet(data, file, **kwargs)
    assert caught.value.problems
    return caught.value.problems


def fields(problems: tuple[SheetProblem, ...]) -> set[str]:
    return {p.field for p in problems}


# --- what ships --------------------------------------------------------------------------


def test_every_shipped_sheet_and_profile_loads_without_problems() -> None:
    assert LIBRARY.problems == ()
    shipped = {p.stem for p in (ASSETS / "sheets").glob("*.json")}
    assert set(LIBRARY.sheets) == shipped
    assert set(LIBRARY.job_profiles) == {"therapist-carer", "leader"}


@pytest.mark.parametrize("kind", list(Kind))
def test_each_kind_of_conversation_has_a_sheet(kind: Kind) -> None:
    assert LIBRARY.for_kind(kind)


def test_every_text_has_danish_and_english() -> None:
    items: list[tuple[str, object]] = [
        *LIBRARY.sheets.items(),
        *LIBRARY.job_profiles.items(),
    ]
    checked = 0
    for item_id, item in items:
        for path, text in texts_in(item):
            assert set(text) == {"da", "en"}, f"{item_id}{path}"
            assert all(words.strip() for words in text.values()), f"{item_id}{path}"
            checked += 1
    assert checked > 250


def test_english_is_shown_in_english_and_danish_is_the_default() -> None:
    mus = LIBRARY.sheet("mus")
    assert mus is not None
    assert localize(mus.title, "en").startswith("MUS – employee")
    assert localize(mus.title, "da").startswith("MUS – medarbejder")
    assert localize(mus.title, "fr") == localize(mus.title, "da")


def test_question_ids_start_with_their_theme_id() -> None:
    for sheet in LIBRARY.sheets.values():
        for theme in sheet.themes:
            for question in theme.questions:
                assert question.id.startswith(f"{theme.id}."), (sheet.id, question.id)


@pytest.mark.parametrize("kind", [*INDIVIDUAL, Kind.GRUS, Kind.TUS])
def test_a_sheet_can_be_prepared_in_20_to_30_minutes(kind: Kind) -> None:
    sheet = only(kind)
    assert 3 <= len(sheet.themes) <= 5
    assert all(1 <= len(theme.questions) <= 5 for theme in sheet.themes)
    assert 8 <= len(sheet.all_questions()) <= 16
    assert all(theme.guidance for theme in sheet.themes)
    assert sheet.intro


def test_guidance_texts_are_short() -> None:
    for sheet in LIBRARY.sheets.values():
        for theme in sheet.themes:
            assert theme.guidance is not None
            assert len(theme.guidance["da"]) <= 250, (sheet.id, theme.id)


@pytest.mark.parametrize("kind", [Kind.MUS, Kind.GRUS])
def test_mus_and_grus_follow_syddjurs_three_themes(kind: Kind) -> None:
    sheet = only(kind)
    assert {t.id: t.title["da"] for t in sheet.themes} == SYDDJURS_THEMES
    assert [t.id for t in sheet.themes] == list(SYDDJURS_THEMES)


def test_grus_asks_each_member_for_their_own_goal() -> None:
    grus = only(Kind.GRUS)
    assert grus.question("development.own_goal") is not None
    assert not any(q.type is QuestionType.COMPETENCE for q in grus.all_questions())


@pytest.mark.parametrize("kind", INDIVIDUAL)
def test_individual_sheets_end_with_a_competence_self_assessment(kind: Kind) -> None:
    last = only(kind).all_questions()[-1]
    assert last.type is QuestionType.COMPETENCE
    expected = "leader" if kind is Kind.LUS else "therapist-carer"
    assert last.job_profile == expected


def test_competence_questions_name_a_profile_that_exists() -> None:
    questions = [
        q for s in LIBRARY.sheets.values() for q in s.all_questions() if q.type == "competence"
    ]
    assert len(questions) == 3
    for question in questions:
        assert question.job_profile in LIBRARY.job_profiles


def test_learning_choices_are_the_agreement_practice_fields() -> None:
    choices = [
        q for s in LIBRARY.sheets.values() for q in s.all_questions() if q.id.endswith(".learning")
    ]
    assert choices
    for question in choices:
        if question.type is QuestionType.CHOICE:
            assert {o.id for o in question.options} == {f.value for f in PracticeField}


def test_scales_run_from_1_to_5_with_words_at_both_ends() -> None:
    scales = [q for s in LIBRARY.sheets.values() for q in s.all_questions() if q.type == "scale"]
    assert scales
    for question in scales:
        assert (question.min, question.max) == (1, 5)
        assert question.low and question.high


def test_therapist_carer_profile_has_the_competences_of_the_job() -> None:
    profile = LIBRARY.job_profile("therapist-carer")
    assert profile is not None
    assert 10 <= len(profile.competences) <= 14
    assert {"rehabilitation", "transfers_aids", "documentation", "legislation"} <= {
        c.id for c in profile.competences
    }
    for competence in profile.competences:
        assert competence.expected in (Level.COMPETENT, Level.PROFICIENT)
        assert competence.description["da"].count(".") == 1, competence.id  # one line
    assert "fysio" not in profile.title["da"]  # the title names the job family, not one trade


def test_leader_profile_expects_competent_or_proficient() -> None:
    profile = LIBRARY.job_profile("leader")
    assert profile is not None
    assert 8 <= len(profile.competences) <= 14
    assert all(c.expected in (Level.COMPETENT, Level.PROFICIENT) for c in profile.competences)


# --- TUS --------------------------------------------------------------------------------


def test_tus_has_17_exercise_cards_and_one_blank_card() -> None:
    tus = only(Kind.TUS)
    exercises = [c for c in tus.exercise_cards if not c.blank]
    blanks = [c for c in tus.exercise_cards if c.blank]
    assert len(exercises) == 17
    assert len(blanks) == 1
    assert len({c.title["da"] for c in exercises}) == 17
    assert blanks[0].instructions["da"]


def test_exercise_cards_have_short_instructions_and_minutes() -> None:
    for card in only(Kind.TUS).exercise_cards:
        if card.blank:
            continue
        assert card.minutes is not None and 5 <= card.minutes <= 30, card.id
        for lang in ("da", "en"):
            words = card.instructions[lang]
            sentences = re.findall(r"[.!?](?=\s+[A-ZÆØÅ]|\s*$)", words)
            assert 2 <= len(sentences) <= 4, (card.id, lang, words)
            assert len(words) <= 300, (card.id, lang)


def test_tus_wheel_has_our_team_with_good_and_bad_day_faglighed_and_relationer() -> None:
    tus = only(Kind.TUS)
    assert [(f.id, f.title["da"]) for f in tus.wheel] == [
        ("our_team", "Vores team"),
        ("practice", "Faglighed"),
        ("relations", "Relationer"),
    ]
    our_team = tus.wheel_field("our_team")
    assert our_team is not None
    prompts = [p["da"] for p in our_team.prompts]
    assert any(p.startswith("God dag") for p in prompts)
    assert any(p.startswith("Dårlig dag") for p in prompts)
    practice = tus.wheel_field("practice")
    relations = tus.wheel_field("relations")
    assert practice is not None and relations is not None
    assert [p["da"].split(":")[0] for p in practice.prompts] == [
        "Opgaver", "Kompetencer", "Mål og værdier",
    ]  # fmt: skip
    assert [p["da"].split(":")[0] for p in relations.prompts] == [
        "Naboteams", "Samarbejdspartnere", "Borgere",
    ]  # fmt: skip


def test_tus_dialog_cards_hold_the_prepared_questions_of_each_wheel_field() -> None:
    tus = only(Kind.TUS)
    for field in tus.wheel:
        cards = {card.text["da"] for card in tus.dialog_cards_for(field.id)}
        theme = next(t for t in tus.themes if t.id == field.id)
        assert {q.text["da"] for q in theme.questions} <= cards
        assert len(cards) > len(theme.questions)  # and some inspiration besides
    assert {card.field for card in tus.dialog_cards} == {f.id for f in tus.wheel}


def test_tus_has_randers_six_ground_rules_and_15_minutes_for_the_plan() -> None:
    tus = only(Kind.TUS)
    assert [r.id for r in tus.ground_rules] == [
        "turns", "appreciative", "work", "time_out", "respect", "confidentiality",
    ]  # fmt: skip
    assert tus.summary_minutes == 15


def test_only_team_sheets_have_wheel_and_cards() -> None:
    for sheet in LIBRARY.sheets.values():
        if not sheet.kind.is_team:
            assert not (sheet.wheel or sheet.dialog_cards or sheet.exercise_cards)


def test_follow_up_asks_about_goals_what_helped_and_adjustments() -> None:
    follow_up = only(Kind.FOLLOW_UP)
    assert [t.id for t in follow_up.themes] == ["goals", "conditions", "adjust"]
    assert follow_up.question("conditions.helped") is not None
    assert follow_up.question("conditions.hindered") is not None
    decision = follow_up.question("adjust.decision")
    assert decision is not None and decision.type is QuestionType.CHOICE


def test_sheet_helpers_find_questions_and_return_none_for_unknown_ids() -> None:
    mus = only(Kind.MUS)
    assert mus.question_ids() == tuple(q.id for q in mus.all_questions())
    question = mus.question("results.workload")
    assert question is not None and question.type is QuestionType.SCALE
    assert mus.question("nope") is None
    assert LIBRARY.sheet("nope") is None
    assert LIBRARY.job_profile("nope") is None
    assert mus.source_file == "sheets/mus.json"


# --- validation -------------------------------------------------------------------------


def test_a_problem_reads_file_field_and_what_is_wrong() -> None:
    data = raw("mus")
    data["themes"][0]["questions"][2]["type"] = "txt"
    (problem,) = invalid(data, "mus.json")
    assert str(problem) == (
        "mus.json: themes[0].questions[2].type: must be one of text, scale, choice, competence "
        '(got "txt")'
    )


def test_all_problems_are_collected_not_just_the_first() -> None:
    data = raw("mus")
    data["version"] = "1"
    data["kind"] = "MEDARBEJDER"
    del data["themes"][1]["questions"][0]["text"]["da"]
    data["themes"][0]["questions"][2]["max"] = 1
    data["themes"][2]["questions"][2]["options"] = data["themes"][2]["questions"][2]["options"][:1]
    data["themes"][2]["guidence"] = {"da": "tastefejl"}
    problems = invalid(data)
    assert fields(problems) == {
        "version",
        "kind",
        "themes[1].questions[0].text.da",
        "themes[0].questions[2].max",
        "themes[2].questions[2].options",
        "themes[2].guidence",
    }
    assert "invalid" not in str(SheetInvalid(problems))  # the message is the problems
    assert str(SheetInvalid(problems)).count("\n") == len(problems) - 1


def test_ids_must_be_unique() -> None:
    data = raw("tus")
    data["themes"][1]["questions"][0]["id"] = data["themes"][0]["questions"][0]["id"]
    data["exercise_cards"][3]["id"] = "check_in"
    data["themes"][2]["id"] = "our_team"
    problems = invalid(data)
    assert {
        "themes[1].questions[0].id",
        "exercise_cards[3].id",
        "themes[2].id",
    } <= fields(problems)
    assert any("first at themes[0].questions[0].id" in p.message for p in problems)


def test_tus_needs_wheel_cards_and_ground_rules() -> None:
    data = raw("tus")
    for key in ("wheel", "exercise_cards", "ground_rules"):
        del data[key]
    data["dialog_cards"] = []
    problems = invalid(data)
    assert {"wheel", "dialog_cards", "exercise_cards", "ground_rules"} <= fields(problems)


def test_dialog_cards_must_belong_to_a_wheel_field() -> None:
    data = raw("tus")
    data["dialog_cards"][0]["field"] = "vores_team"
    (problem,) = invalid(data)
    assert problem.field == "dialog_cards[0].field"
    assert "vores_team" in problem.message and "our_team" in problem.message


def test_exercise_minutes_are_positive_whole_numbers_except_on_the_blank_card() -> None:
    data = raw("tus")
    data["exercise_cards"][0]["minutes"] = 0
    data["exercise_cards"][1]["minutes"] = 7.5
    data["exercise_cards"][2]["minutes"] = "10"
    del data["exercise_cards"][3]["minutes"]
    data["exercise_cards"][4]["blank"] = "ja"
    assert fields(invalid(data)) == {
        "exercise_cards[0].minutes",
        "exercise_cards[1].minutes",
        "exercise_cards[2].minutes",
        "exercise_cards[3].minutes",
        "exercise_cards[4].blank",
    }
    blank = raw("tus")["exercise_cards"][-1]
    assert blank["blank"] is True and "minutes" not in blank


def test_wheel_and_cards_are_only_for_team_sheets() -> None:
    data = raw("mus")
    tus = raw("tus")
    data["wheel"] = tus["wheel"]
    data["ground_rules"] = tus["ground_rules"]
    assert {"wheel", "ground_rules"} <= fields(invalid(data))
    grus = raw("grus")
    grus["wheel"] = tus["wheel"]
    grus["dialog_cards"] = tus["dialog_cards"]
    assert parse_sheet(grus, "grus.json").wheel  # GRUS may use the wheel if it likes


def test_question_fields_must_fit_the_question_type() -> None:
    data = raw("mus")
    text_question = data["themes"][0]["questions"][0]
    text_question["options"] = [{"id": "a", "text": {"da": "A"}}]
    del data["themes"][0]["questions"][2]["min"]
    data["themes"][2]["questions"][2]["options"] = "kursus"
    data["themes"][2]["questions"][4]["job_profile"] = "sygeplejerske"
    problems = invalid(data, job_profiles=LIBRARY.job_profiles)
    assert fields(problems) == {
        "themes[0].questions[0].options",
        "themes[0].questions[2].min",
        "themes[2].questions[2].options",
        "themes[2].questions[4].job_profile",
    }


def test_competence_profiles_are_only_checked_when_profiles_are_given() -> None:
    data = raw("mus")
    data["themes"][2]["questions"][4]["job_profile"] = "unknown"
    assert parse_sheet(data, "mus.json").question("development.competences") is not None
    invalid(data, job_profiles={})


def test_texts_need_danish_and_language_codes() -> None:
    data = raw("pus")
    data["title"] = {"en": "PUS"}
    data["intro"] = "Velkommen"
    data["themes"][0]["title"] = {"da": "   "}
    data["themes"][1]["guidance"] = {"da": "ok", "English": "ok"}
    assert fields(invalid(data)) == {
        "title.da",
        "intro",
        "themes[0].title.da",
        "themes[1].guidance",
    }


def test_scale_needs_min_below_max_and_few_steps() -> None:
    data = raw("mus")
    data["themes"][0]["questions"][2]["min"] = 5
    data["themes"][1]["questions"][3]["max"] = 100
    problems = invalid(data)
    assert fields(problems) == {"themes[0].questions[2].max", "themes[1].questions[3].max"}


def test_job_profile_validation_reports_every_problem() -> None:
    data = json.loads((ASSETS / "job_profiles" / "therapist-carer.json").read_text("utf-8"))
    data["competences"][0]["expected"] = 6
    data["competences"][1]["expected"] = 0
    del data["competences"][2]["name"]["da"]
    data["competences"][3]["id"] = data["competences"][4]["id"]
    with pytest.raises(SheetInvalid) as caught:
        parse_job_profile(data, "therapist-carer.json")
    assert fields(caught.value.problems) == {
        "competences[0].expected",
        "competences[1].expected",
        "competences[2].name.da",
        "competences[4].id",
    }
    profile = parse_job_profile(
        {"id": "p", "title": {"da": "P"}, "competences": [{"id": "c", "name": {"da": "C"}}]}, "p"
    )
    assert profile.competences[0].expected is Level.COMPETENT


def test_comment_keys_are_allowed() -> None:
    data = raw("mus")
    data["_comment"] = "Rettet af HR i 2025"
    data["themes"][0]["_note"] = {"anything": 1}
    assert parse_sheet(data, "mus.json").id == "mus"


# --- loading from folders ----------------------------------------------------------------


@pytest.fixture
def assets_copy(tmp_path: Path) -> Path:
    root = tmp_path / "assets"
    shutil.copytree(ASSETS / "sheets", root / "sheets")
    shutil.copytree(ASSETS / "job_profiles", root / "job_profiles")
    return root


def test_broken_files_are_reported_and_the_good_sheets_still_load(assets_copy: Path) -> None:
    sheets = assets_copy / "sheets"
    (sheets / "syntax.json").write_text('{\n  "id": "syntax",\n  "version": 1,,\n}', "utf-8")
    wrong_type = raw("mus") | {"id": "wrong_type", "themes": {"results": []}}
    (sheets / "wrong_type.json").write_text(json.dumps(wrong_type), "utf-8")
    no_danish = copy.deepcopy(raw("pus")) | {"id": "no_danish"}
    no_danish["themes"][1]["questions"][0]["text"] = {"en": "Only English"}
    (sheets / "no_danish.json").write_text(json.dumps(no_danish), "utf-8")
    (sheets / "latin1.json").write_bytes('{"id": "æ"}'.encode("latin-1"))
    (sheets / "list.json").write_text("[]", "utf-8")

    library = load_library(assets_copy)

    assert set(library.sheets) == set(LIBRARY.sheets)
    found = {(p.file, p.field) for p in library.problems}
    assert found == {
        ("sheets/syntax.json", "line 3, column 16"),
        ("sheets/wrong_type.json", "themes"),
        ("sheets/no_danish.json", "themes[1].questions[0].text.da"),
        ("sheets/latin1.json", "(file)"),
        ("sheets/list.json", "(top level)"),
    }
    messages = {p.file: p.message for p in library.problems}
    assert messages["sheets/syntax.json"].startswith("is not valid JSON")
    assert messages["sheets/wrong_type.json"] == "must be a list (got an object)"
    assert "UTF-8" in messages["sheets/latin1.json"]


def test_a_broken_job_profile_is_reported_and_sheets_using_it_too(assets_copy: Path) -> None:
    (assets_copy / "job_profiles" / "leader.json").write_text('{"id": "leader"}', "utf-8")
    library = load_library(assets_copy)
    assert "leader" not in library.job_profiles
    assert "lus" not in library.sheets
    assert {(p.file, p.field) for p in library.problems} == {
        ("job_profiles/leader.json", "title"),
        ("job_profiles/leader.json", "competences"),
        ("sheets/lus.json", "themes[3].questions[2].job_profile"),
    }


def test_the_sheet_id_must_match_the_file_name(assets_copy: Path) -> None:
    shutil.copy(assets_copy / "sheets" / "mus.json", assets_copy / "sheets" / "mus-kopi.json")
    library = load_library(assets_copy)
    assert library.sheet("mus") is not None and library.sheet("mus-kopi") is None
    (problem,) = library.problems
    assert (problem.file, problem.field) == ("sheets/mus-kopi.json", "id")


def test_missing_folders_are_problems_not_crashes(tmp_path: Path) -> None:
    library = load_library(tmp_path / "nowhere", extra_dirs=[tmp_path / "also-nowhere"])
    assert library.sheets == {} and library.job_profiles == {}
    assert len(library.problems) == 2
    assert all(p.field == "(folder)" for p in library.problems)


def test_an_organisation_adds_and_replaces_sheets_in_its_own_folder(tmp_path: Path) -> None:
    org = tmp_path / "org"
    (org / "job_profiles").mkdir(parents=True)
    own = raw("mus") | {"id": "mus-aarhus", "title": {"da": "Vores egen MUS"}}
    (org / "mus-aarhus.json").write_text(json.dumps(own), "utf-8")
    replaced = raw("tus") | {"version": 2}
    (org / "tus.json").write_text(json.dumps(replaced), "utf-8")
    nurse = {
        "id": "nurse",
        "title": {"da": "Sygeplejerske"},
        "competences": [{"id": "wounds", "name": {"da": "Sårpleje"}, "expected": 4}],
    }
    (org / "job_profiles" / "nurse.json").write_text(json.dumps(nurse), "utf-8")

    library = load_library(ASSETS, extra_dirs=[org])

    assert library.problems == ()
    assert [s.id for s in library.for_kind(Kind.MUS)] == ["mus", "mus-aarhus"]
    tus = library.sheet("tus")
    assert tus is not None and tus.version == 2
    assert tus.source_file == str(org / "tus.json")
    assert library.job_profile("nurse") is not None


def test_the_same_id_twice_in_one_folder_is_a_problem(tmp_path: Path) -> None:
    org = tmp_path / "org"
    (org / "sheets").mkdir(parents=True)
    own = raw("pus") | {"id": "pus-egen"}
    (org / "pus-egen.json").write_text(json.dumps(own), "utf-8")
    (org / "sheets" / "pus-egen.json").write_text(json.dumps(own), "utf-8")
    library = load_library(ASSETS, extra_dirs=[str(org)])
    (problem,) = library.problems
    assert problem.field == "id" and "already used" in problem.message
    assert library.sheet("pus-egen") is not None


def test_a_key_given_twice_is_reported(assets_copy: Path) -> None:
    text = (assets_copy / "sheets" / "mus.json").read_text("utf-8")
    text = text.replace('"version": 1,', '"version": 1,\n  "version": 2,', 1)
    (assets_copy / "sheets" / "mus.json").write_text(text, "utf-8")
    (problem,) = load_library(assets_copy).problems
    assert (problem.file, problem.field) == ("sheets/mus.json", "version")
    assert "more than once" in problem.message


def test_a_file_with_a_byte_order_mark_loads(assets_copy: Path) -> None:
    path = assets_copy / "sheets" / "mus.json"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_library(assets_copy).problems == ()


def test_deeply_nested_or_huge_json_is_a_problem(assets_copy: Path) -> None:
    (assets_copy / "sheets" / "deep.json").write_text("[" * 100_000 + "]" * 100_000, "utf-8")
    (assets_copy / "sheets" / "big.json").write_text('{"id": "' + "x" * 1_100_000 + '"}', "utf-8")
    (assets_copy / "sheets" / "digits.json").write_text('{"version": ' + "9" * 5000 + "}", "utf-8")
    library = load_library(assets_copy)
    assert {p.file for p in library.problems} == {
        "sheets/deep.json",
        "sheets/big.json",
        "sheets/digits.json",
    }
    assert set(library.sheets) == set(LIBRARY.sheets)

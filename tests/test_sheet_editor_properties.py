"""Property tests for HR's sheet editor: any sheet the editor can make survives export
and import unchanged, and every invalid file is refused with a problem that names the
field that is wrong, in Danish and English."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations.model import Kind
from conversations.sheet_editor import (
    Document,
    blank_sheet,
    check_sheet,
    export_sheet,
    import_sheet,
    insert,
    new_item,
    remove,
    set_question_type,
    set_text,
    set_value,
    tailored,
    value_at,
)
from conversations.sheets import QuestionType, SheetInvalid
from resources.library import load_library
from resources.texts import Texts
from services.library_desk import describe_problem

LIBRARY = load_library()
PROFILES = LIBRARY.job_profiles
NO_DATABASE = settings(database=None, deadline=None,
                       suppress_health_check=[HealthCheck.too_slow])
words = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1,
                max_size=20).filter(str.strip)


def text_paths(doc: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every text object (``{"da": …}``) in a document."""
    if isinstance(doc, dict):
        if "da" in doc and all(isinstance(v, str) for v in doc.values()):
            return [path]
        return [p for k, v in doc.items() for p in text_paths(v, (*path, k))]
    if isinstance(doc, list):
        return [p for i, v in enumerate(doc) for p in text_paths(v, (*path, i))]
    return []


def fill_texts(doc: Document, draw: Any) -> Document:
    """Every empty Danish text filled, as HR does before publishing."""
    for path in text_paths(doc):
        if not str(value_at(doc, (*path, "da"))).strip():
            doc = set_text(doc, path, "da", draw(words))
    return doc


def edited(data: Any, start: Document) -> Document:
    """A draft after a run of the editor's own operations, its texts typed in."""
    doc = start
    for _ in range(data.draw(st.integers(0, 8))):
        themes = value_at(doc, ("themes",)) or []
        action = data.draw(st.sampled_from(["add_theme", "remove_theme", "add_question",
                                            "remove_question", "retype", "text", "scale"]))
        if action == "add_theme":
            doc = insert(doc, ("themes",), new_item(doc, ("themes",)))
            continue
        if not themes:
            continue
        t = data.draw(st.integers(0, len(themes) - 1))
        questions = value_at(doc, ("themes", t, "questions")) or []
        q = data.draw(st.integers(0, max(len(questions) - 1, 0)))
        kind = data.draw(st.sampled_from(list(QuestionType)))
        if action == "remove_theme" and len(themes) > 1:
            doc = remove(doc, ("themes", t))
        elif action == "add_question":
            path = ("themes", t, "questions")
            doc = insert(doc, path, new_item(doc, path, kind, job_profile="therapist-carer"))
        elif action == "remove_question" and len(questions) > 1:
            doc = remove(doc, ("themes", t, "questions", q))
        elif action == "retype" and questions:
            doc = set_question_type(doc, ("themes", t, "questions", q), kind,
                                    job_profile="leader")
        elif action == "text" and text_paths(doc):
            path = data.draw(st.sampled_from(text_paths(doc)))
            doc = set_text(doc, path, data.draw(st.sampled_from(["da", "en"])), data.draw(words))
        elif action == "scale" and questions:
            question = value_at(doc, ("themes", t, "questions", q))
            if question.get("type") == "scale":
                low = data.draw(st.integers(-5, 5))
                doc = set_value(doc, ("themes", t, "questions", q, "min"), low)
                doc = set_value(doc, ("themes", t, "questions", q, "max"),
                                low + data.draw(st.integers(1, 10)))
    return fill_texts(doc, data.draw)


starts = st.sampled_from(sorted(LIBRARY.sheets)).map(
    lambda sheet_id: tailored(LIBRARY.sheets[sheet_id], LIBRARY.next_version(sheet_id))
) | st.sampled_from([Kind.MUS, Kind.LUS, Kind.TUS, Kind.GRUS]).map(
    lambda kind: blank_sheet(kind, "vores", "Vores ark"))


@NO_DATABASE
@given(st.data(), starts)
def test_any_sheet_the_editor_makes_survives_export_and_import_unchanged(
    data: Any, start: Document
) -> None:
    doc = edited(data, start)
    sheet, problems = check_sheet(doc, PROFILES)
    assert problems == (), problems
    assert sheet is not None
    back = import_sheet(export_sheet(sheet), "vores.json", PROFILES)
    assert dataclasses.replace(back, source_file="") == dataclasses.replace(sheet, source_file="")


def breakages(doc: Document) -> list[tuple[tuple[str | int, ...], Any]]:
    """Places in a valid document and a wrong value for each: (path, value), where the
    value ``None`` takes a required field out."""
    found: list[tuple[tuple[str | int, ...], Any]] = [(("kind",), "SAMTALE"), (("version",), 0)]

    def walk(value: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                here = (*path, key)
                if key == "type":
                    found.append((here, "fritekst"))
                elif key == "id":
                    found.append((here, "har mellemrum"))
                elif key in ("title", "text") and isinstance(inner, dict):
                    found.append((here, None))
                    found.append(((*here, "da"), "  "))
                elif key == "max":
                    found.append((here, value.get("min", 0)))
                elif key == "job_profile":
                    found.append((here, "ukendt-profil"))
                walk(inner, here)
            if "da" not in value:  # a text's keys are languages, not fields
                found.append(((*path, "ekstra"), 1))
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(inner, (*path, index))

    walk(doc, ())
    return found


def field_name(path: tuple[str | int, ...]) -> str:
    name = ""
    for part in path:
        name = f"{name}[{part}]" if isinstance(part, int) else (f"{name}.{part}" if name else part)
    return name


@NO_DATABASE
@given(st.data(), starts)
def test_every_invalid_file_is_refused_with_a_problem_naming_its_field(
    data: Any, start: Document
) -> None:
    doc = fill_texts(start, data.draw)
    path, wrong = data.draw(st.sampled_from(breakages(doc)))
    broken: Document = json.loads(json.dumps(doc))
    parent = value_at(broken, path[:-1])
    if wrong is None:
        del parent[path[-1]]
    else:
        parent[path[-1]] = wrong
    raw = json.dumps(broken, ensure_ascii=False).encode()
    try:
        import_sheet(raw, "vores.json", PROFILES)
    except SheetInvalid as invalid:
        problems = invalid.problems
    else:
        raise AssertionError(f"{field_name(path)} = {wrong!r} was accepted")
    name = field_name(path)
    assert any(p.field == name or p.field.startswith(name + ".") for p in problems), (
        name, problems)
    for lang in ("da", "en"):
        for said in (describe_problem(p, Texts(lang)) for p in problems):
            assert said.startswith(problems[0].field.split("[")[0][:1]) or ":" in said
            assert "sheetproblem." not in said and "{" not in said, said


@NO_DATABASE
@given(st.binary(max_size=200) | st.text(max_size=60).map(str.encode))
def test_a_file_that_is_not_a_sheet_is_refused_and_said_in_danish(raw: bytes) -> None:
    try:
        import_sheet(raw, "fil.json", PROFILES)
    except SheetInvalid as invalid:
        assert invalid.problems
        for problem in invalid.problems:
            said = describe_problem(problem, Texts("da"))
            assert said and "sheetproblem." not in said and "{" not in said

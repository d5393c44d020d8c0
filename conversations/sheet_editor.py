"""Editing a question sheet or a job profile: what HR's editor does to one.

A draft is the sheet's (or profile's) JSON document, the very value a file holds, so the
editor checks it with the same parser that loads files (:func:`check_sheet`) and a
problem names the same field (``themes[2].questions[0].type``). Every operation returns
a new document and leaves the one it was given as it was; a path is the list of keys
and positions from the top (``("themes", 2, "questions", 0)``).

Starting points: a copy of a shipped or published sheet (*tilpas*, keeping its id so
the result is its next version) or a blank sheet of a kind. Export gives the file's
bytes; import reads them with the loader's checks and gives back the sheet or every
problem, and a refused file leaves nothing changed.

Must not touch: Flet, files, the vault, a clock.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any

from conversations.competence import JobProfile, Level
from conversations.model import Kind, storable_text
from conversations.publishing import document_text
from conversations.sheets import (
    MISSING,
    REQUIRED_LANGUAGE,
    QuestionSheet,
    QuestionType,
    SheetInvalid,
    SheetProblem,
    decode_json,
    parse_job_profile,
    parse_sheet,
    profile_document,
    sheet_document,
)

__all__ = [
    "Document",
    "PathKey",
    "blank_profile",
    "blank_sheet",
    "check_profile",
    "check_sheet",
    "export_profile",
    "export_sheet",
    "fresh_id",
    "import_sheet",
    "insert",
    "new_item",
    "remove",
    "set_question_type",
    "set_text",
    "set_value",
    "sheet_id_for",
    "tailored",
    "value_at",
]

Document = dict[str, Any]
PathKey = str | int
ITEM_PREFIX = {
    "themes": "theme", "questions": "q", "options": "option", "wheel": "field",
    "dialog_cards": "card", "exercise_cards": "exercise", "ground_rules": "rule",
    "competences": "competence",
}
_WORD = re.compile(r"[^a-z0-9]+")


# --- starting points ----------------------------------------------------------------------


def tailored(sheet: QuestionSheet, next_version: int) -> Document:
    """A draft from ``sheet`` (*tilpas*): the same id, numbered as its next version."""
    doc = sheet_document(sheet)
    doc["version"] = next_version
    return doc


def blank_sheet(kind: Kind, sheet_id: str, title: str) -> Document:
    """A new sheet of ``kind`` with one theme and one free-text question to start from;
    a TUS gets one wheel field, card, exercise card and ground rule, which it needs."""
    doc: Document = {
        "id": sheet_id, "version": 1, "kind": kind.value,
        "title": {REQUIRED_LANGUAGE: storable_text(title).strip()},
        "themes": [],
    }
    doc = insert(doc, ("themes",), new_item(doc, ("themes",)))
    if kind is Kind.TUS:
        for key in ("wheel", "dialog_cards", "exercise_cards", "ground_rules"):
            doc[key] = []
            doc = insert(doc, (key,), new_item(doc, (key,)))
    return doc


def sheet_id_for(title: str, taken: Sequence[str]) -> str:
    """An id for a new sheet from its title (``Vores MUS`` → ``vores-mus``), not taken."""
    base = _WORD.sub("-", title.lower().translate(str.maketrans("æøå", "eoa"))).strip("-")
    return fresh_id([*taken], base[:40] or "sheet", always_number=False)


def blank_profile(profile_id: str, title: str) -> Document:
    return {"id": profile_id, "title": {REQUIRED_LANGUAGE: storable_text(title).strip()},
            "competences": [_competence([])]}


# --- reading and changing a document ------------------------------------------------------


def value_at(doc: Any, path: Sequence[PathKey]) -> Any:
    """The value at ``path``, or None where there is none."""
    here = doc
    for key in path:
        if isinstance(key, int) and isinstance(here, list) and 0 <= key < len(here):
            here = here[key]
        elif isinstance(key, str) and isinstance(here, dict):
            here = here.get(key)
        else:
            return None
    return here


def set_value(doc: Document, path: Sequence[PathKey], value: Any) -> Document:
    """``doc`` with ``value`` at ``path`` (None takes the field out)."""
    new = copy.deepcopy(doc)
    parent = value_at(new, path[:-1])
    key = path[-1]
    if isinstance(parent, dict) and isinstance(key, str):
        if value is None:
            parent.pop(key, None)
        else:
            parent[key] = value
    elif isinstance(parent, list) and isinstance(key, int) and 0 <= key < len(parent):
        parent[key] = value
    else:
        raise KeyError(path)
    return new


def set_text(doc: Document, path: Sequence[PathKey], lang: str, words: str) -> Document:
    """One language of the text at ``path``. Another language left empty is taken out;
    Danish stays, empty, so the check names the field that needs it. An optional text
    (guidance, help) with nothing left goes away."""
    words = storable_text(words)
    current = value_at(doc, path)
    text = dict(current) if isinstance(current, Mapping) else {}
    if words.strip() or lang == REQUIRED_LANGUAGE:
        text[lang] = words
    else:
        text.pop(lang, None)
    optional = path[-1] in ("intro", "guidance", "help", "low", "high", "description", "group")
    if optional and not any(w.strip() for w in text.values()):
        return set_value(doc, path, None)
    return set_value(doc, path, text)


def insert(doc: Document, path: Sequence[PathKey], item: Any, at: int | None = None) -> Document:
    """``doc`` with ``item`` in the list at ``path`` (made when missing), last or at ``at``."""
    current = value_at(doc, path)
    items = list(current) if isinstance(current, list) else []
    items.insert(len(items) if at is None else at, item)
    return set_value(doc, path, items)


def remove(doc: Document, path: Sequence[PathKey]) -> Document:
    """``doc`` without the list item at ``path``."""
    items = value_at(doc, path[:-1])
    index = path[-1]
    if not isinstance(items, list) or not isinstance(index, int) or not 0 <= index < len(items):
        raise KeyError(path)
    return set_value(doc, path[:-1], items[:index] + items[index + 1:])


def fresh_id(taken: Sequence[str], prefix: str, *, always_number: bool = True) -> str:
    """``prefix`` with the lowest number after it that no id in ``taken`` has."""
    if not always_number and prefix not in taken:
        return prefix
    number = 1
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"


def new_item(doc: Document, path: Sequence[PathKey], question_type: QuestionType =
             QuestionType.TEXT, job_profile: str | None = None) -> Document:
    """A new, empty entry for the list at ``path`` with an id nobody in ``doc`` has yet
    (question ids are unique over the whole sheet). Its Danish texts are empty, so the
    check asks for them."""
    what = str(path[-1])
    prefix = ITEM_PREFIX.get(what, "item")
    taken = _ids(doc, what)
    item_id = fresh_id(taken, prefix)
    if what == "themes":
        question = _question(QuestionType.TEXT, fresh_id(_ids(doc, "questions"), "q"), None)
        return {"id": item_id, "title": _empty(), "questions": [question]}
    if what == "questions":
        return _question(question_type, item_id, job_profile)
    if what == "wheel":
        return {"id": item_id, "title": _empty(), "prompts": [_empty()]}
    if what == "dialog_cards":
        wheel = doc.get("wheel") or [{}]
        return {"id": item_id, "field": str(wheel[0].get("id", "")), "text": _empty()}
    if what == "exercise_cards":
        return {"id": item_id, "title": _empty(), "instructions": _empty(), "minutes": 15}
    if what == "competences":
        return _competence(taken)
    return {"id": item_id, "text": _empty()}


def set_question_type(doc: Document, path: Sequence[PathKey], question_type: QuestionType,
                      job_profile: str | None = None) -> Document:
    """The question at ``path`` as another type: what only the old type had goes, what
    the new one needs comes with a starting value; id, text and help stay."""
    old = value_at(doc, path)
    if not isinstance(old, Mapping):
        raise KeyError(path)
    question = _question(question_type, str(old.get("id", "")), job_profile)
    for key in ("text", "help"):
        if key in old:
            question[key] = copy.deepcopy(old[key])
    return set_value(doc, path, question)


def _question(question_type: QuestionType, question_id: str,
              job_profile: str | None) -> Document:
    question: Document = {"id": question_id, "type": question_type.value, "text": _empty()}
    if question_type is QuestionType.SCALE:
        question.update({"min": 1, "max": 5})
    elif question_type is QuestionType.CHOICE:
        question["options"] = [{"id": "option1", "text": _empty()},
                               {"id": "option2", "text": _empty()}]
    elif question_type is QuestionType.COMPETENCE:
        question["job_profile"] = job_profile or ""
    return question


def _competence(taken: Sequence[str]) -> Document:
    return {"id": fresh_id(taken, "competence"), "name": _empty(),
            "expected": int(Level.COMPETENT)}


def _empty() -> dict[str, str]:
    return {REQUIRED_LANGUAGE: ""}


def _ids(doc: Any, list_name: str) -> list[str]:
    """Every id in lists called ``list_name`` anywhere in ``doc``; cards share one
    namespace per list, question ids the whole sheet's."""
    found: list[str] = []

    def walk(value: Any, name: str | None) -> None:
        if isinstance(value, list):
            for item in value:
                if name == list_name and isinstance(item, Mapping) and "id" in item:
                    found.append(str(item["id"]))
                walk(item, None)
        elif isinstance(value, Mapping):
            for key, inner in value.items():
                walk(inner, key)

    walk(doc, None)
    return found


# --- checking, export and import ------------------------------------------------------------


def check_sheet(doc: Document, profiles: Mapping[str, JobProfile],
                file: str = "") -> tuple[QuestionSheet | None, tuple[SheetProblem, ...]]:
    """The sheet the draft makes and no problems, or None and every problem — the same
    checks as loading a file."""
    try:
        return parse_sheet(doc, file or str(doc.get("id", "")), profiles), ()
    except SheetInvalid as invalid:
        return None, invalid.problems


def check_profile(doc: Document, file: str = "") -> tuple[JobProfile | None,
                                                          tuple[SheetProblem, ...]]:
    try:
        return parse_job_profile(doc, file or str(doc.get("id", ""))), ()
    except SheetInvalid as invalid:
        return None, invalid.problems


def export_sheet(sheet: QuestionSheet) -> bytes:
    """The sheet as a file another municipality can import (UTF-8 JSON)."""
    return document_text(sheet_document(sheet)).encode("utf-8")


def export_profile(profile: JobProfile) -> bytes:
    return document_text(profile_document(profile)).encode("utf-8")


def import_sheet(raw: bytes, file: str, profiles: Mapping[str, JobProfile]) -> QuestionSheet:
    """The sheet in a file's bytes, or :class:`SheetInvalid` naming every problem. The
    same checks as loading; a competence question must name a job profile known here."""
    problems: list[SheetProblem] = []
    data = decode_json(raw, file, problems)
    if data is MISSING:
        raise SheetInvalid(problems)
    return parse_sheet(data, file, profiles)

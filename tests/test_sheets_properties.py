"""Property tests: sheet and profile validation either accepts a file or says what is
wrong and where; it never fails in any other way, whatever JSON it is given."""

from __future__ import annotations

import copy
import dataclasses
import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations.sheets import (
    SheetInvalid,
    SheetProblem,
    parse_job_profile,
    parse_sheet,
)
from resources.library import load_library
from resources.texts import ASSETS

Path_ = tuple[str | int, ...]

SHEETS: dict[str, Any] = {
    p.stem: json.loads(p.read_text("utf-8")) for p in sorted((ASSETS / "sheets").glob("*.json"))
}
PROFILES: dict[str, Any] = {
    p.stem: json.loads(p.read_text("utf-8"))
    for p in sorted((ASSETS / "job_profiles").glob("*.json"))
}
LIBRARY = load_library()
NO_DATABASE = settings(database=None)  # nothing written into the working tree
KNOWN_KEYS = sorted(
    {"id", "version", "kind", "title", "intro", "themes", "wheel", "dialog_cards",
     "exercise_cards", "ground_rules", "summary_minutes", "guidance", "questions", "type",
     "text", "help", "options", "min", "max", "low", "high", "job_profile", "field", "prompts",
     "instructions", "minutes", "blank", "da", "en", "competences", "name", "description",
     "expected"}
)  # fmt: skip
KNOWN_WORDS = ["MUS", "TUS", "GRUS", "text", "scale", "choice", "competence", "our_team",
               "therapist-carer", "x"]  # fmt: skip
# Keys a valid file may leave out (``minutes`` only on the blank card, see below).
OPTIONAL = {"help", "low", "high", "en", "intro", "guidance", "summary_minutes", "blank",
            "description", "expected"}  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**6), max_value=10**6)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(KNOWN_WORDS)
)
keys = st.sampled_from(KNOWN_KEYS) | st.text(max_size=6)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6),
    max_leaves=40,
)


def field_name(path: Path_) -> str:
    name = ""
    for part in path:
        name = f"{name}[{part}]" if isinstance(part, int) else (f"{name}.{part}" if name else part)
    return name or "(top level)"


def nodes(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from nodes(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from nodes(item, (*path, index))


def parent_of(data: Any, path: Path_) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def json_type(value: Any) -> str:
    for kind in (bool, int, float, str, list, dict):
        if isinstance(value, kind):
            return kind.__name__
    return "null"


def check_outcome(data: Any, file: str, parse: Callable[[Any, str], object]) -> object:
    """Parses; on failure every problem names this file, a field and a reason."""
    try:
        return parse(data, file)
    except SheetInvalid as invalid:
        assert invalid.problems
        for problem in invalid.problems:
            assert isinstance(problem, SheetProblem)
            assert problem.file == file
            assert problem.field.strip() and problem.message.strip()
            assert str(problem).startswith(f"{file}: {problem.field}: ")
        return None


def problems_of(data: Any, file: str = "sheet.json") -> set[str]:
    try:
        parse_sheet(data, file, LIBRARY.job_profiles)
    except SheetInvalid as invalid:
        return {p.field for p in invalid.problems}
    return set()


# --- properties ----------------------------------------------------------------------------


@NO_DATABASE
@given(json_values)
def test_any_json_value_gives_a_sheet_or_named_problems(data: Any) -> None:
    check_outcome(data, "random.json", parse_sheet)
    check_outcome(data, "random.json", lambda d, f: parse_sheet(d, f, LIBRARY.job_profiles))


@NO_DATABASE
@given(json_values)
def test_any_json_value_gives_a_job_profile_or_named_problems(data: Any) -> None:
    check_outcome(data, "random.json", parse_job_profile)


@NO_DATABASE
@given(st.sampled_from(sorted(SHEETS)), st.data())
def test_mutating_a_valid_sheet_gives_a_sheet_or_named_problems(name: str, data: Any) -> None:
    sheet = copy.deepcopy(SHEETS[name])
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        paths = [path for path, _ in nodes(sheet)]
        path = data.draw(st.sampled_from(paths), label="path")
        if not path:
            sheet = data.draw(json_values, label="whole")
            break
        parent = parent_of(sheet, path)
        if data.draw(st.booleans(), label="delete"):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(json_values, label="value")
    check_outcome(sheet, f"{name}.json", lambda d, f: parse_sheet(d, f, LIBRARY.job_profiles))


@NO_DATABASE
@given(st.sampled_from(sorted(SHEETS)), st.data())
def test_deleting_a_required_key_is_reported_at_that_field(name: str, data: Any) -> None:
    sheet = copy.deepcopy(SHEETS[name])
    required = [
        path
        for path, _ in nodes(sheet)
        if path
        and isinstance(path[-1], str)
        and path[-1] not in OPTIONAL
        and not (path[-1] == "minutes" and parent_of(sheet, path).get("blank") is True)
    ]
    path = data.draw(st.sampled_from(required), label="path")
    del parent_of(sheet, path)[path[-1]]
    assert field_name(path) in problems_of(sheet)


@NO_DATABASE
@given(st.sampled_from(sorted(SHEETS)), st.data())
def test_a_value_of_the_wrong_type_is_reported_at_that_field(name: str, data: Any) -> None:
    sheet = copy.deepcopy(SHEETS[name])
    path = data.draw(st.sampled_from([path for path, _ in nodes(sheet)]), label="path")
    original = json_type(parent_of(sheet, path)[path[-1]] if path else sheet)
    other = data.draw(json_values.filter(lambda v: json_type(v) != original), label="value")
    if path:
        parent_of(sheet, path)[path[-1]] = other
    else:
        sheet = other
    assert field_name(path) in problems_of(sheet)


@NO_DATABASE
@given(st.sampled_from(sorted(PROFILES)), st.data())
def test_mutating_a_valid_job_profile_gives_a_profile_or_named_problems(
    name: str, data: Any
) -> None:
    profile = copy.deepcopy(PROFILES[name])
    paths = [path for path, _ in nodes(profile) if path]
    path = data.draw(st.sampled_from(paths), label="path")
    parent = parent_of(profile, path)
    if data.draw(st.booleans(), label="delete"):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(json_values, label="value")
    check_outcome(profile, f"{name}.json", parse_job_profile)


@NO_DATABASE
@given(st.sampled_from(sorted(SHEETS)))
def test_every_shipped_sheet_survives_a_round_trip_through_json(name: str) -> None:
    text = json.dumps(SHEETS[name], ensure_ascii=False, indent=None)
    sheet = parse_sheet(json.loads(text), f"{name}.json", LIBRARY.job_profiles)
    assert sheet == dataclasses.replace(LIBRARY.sheets[name], source_file=f"{name}.json")


@settings(max_examples=40, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.binary(max_size=200) | json_values.map(json.dumps).map(str.encode), max_size=3))
def test_loading_a_folder_of_arbitrary_files_never_raises(contents: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "sheets").mkdir()
        (root / "job_profiles").mkdir()
        for index, content in enumerate(contents):
            (root / "sheets" / f"s{index}.json").write_bytes(content)
            (root / "job_profiles" / f"p{index}.json").write_bytes(content)
        library = load_library(ASSETS, extra_dirs=[root])
    assert set(LIBRARY.sheets) <= set(library.sheets)
    for problem in library.problems:
        assert problem.file.startswith(folder) and problem.field and problem.message

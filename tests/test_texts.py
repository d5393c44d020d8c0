"""Every text the code asks for exists in Danish and English."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conversations.texts import localize
from resources.texts import Texts

ROOT = Path(__file__).resolve().parent.parent
KEY_CALL = re.compile(
    r"""\b(?:(?:t|texts)\(|say\(\s*\w+,)\s*f?["']([a-z_]+\.[A-Za-z_.{}]+)["']"""
)
def _families() -> dict[str, tuple[str, ...]]:
    """Keys built at run time (``f"kind.{kind.value}"``): the part before the brace, and
    every value it can take, so each of those keys must exist."""
    from conversations.model import GoalStatus, Kind, PracticeField, State, Task
    from conversations.overview import BOARD_COLUMNS, BoardState
    from services.syncing import SyncState
    from views.team import SECTIONS

    kinds = tuple(k.value for k in Kind)
    return {
        "kind.": kinds,
        "kind.long.": kinds,
        "task.": tuple(t.value for t in Task),
        "state.": tuple(s.value for s in State),
        "language.": ("da", "en"),
        "sync.": tuple(s.value for s in SyncState),
        "conflict.field.": ("answers", "ratings", "notes", "shared_with_leader"),
        "doc.practice.": tuple(p.value for p in PracticeField),
        "doc.status.": tuple(g.value for g in GoalStatus),
        "team.section.": SECTIONS,
        "board.": tuple(b.value for b in BoardState),
        "board.col.": BOARD_COLUMNS,
        "month.": tuple(str(m) for m in range(1, 13)),
    }


DYNAMIC_FAMILIES = _families()


def load(lang: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((ROOT / "assets" / "i18n" / f"{lang}.json").read_text())
    return data


def test_danish_and_english_have_the_same_keys() -> None:
    assert set(load("da")) == set(load("en"))


def test_every_text_key_used_in_code_exists() -> None:
    known = set(load("da"))
    missing = []
    for path in [*ROOT.glob("views/*.py"), *ROOT.glob("conversations/*.py"),
                 *ROOT.glob("storage/*.py"), *ROOT.glob("sync/*.py")]:
        source = path.read_text()
        keys = KEY_CALL.findall(source) + re.findall(
            r'"((?:error|level|symbol|record)\.[a-z_]+)"', source)
        for key in keys:
            if "{" in key:
                prefix, _, rest = key.partition("{")
                values = DYNAMIC_FAMILIES.get(prefix)
                assert values, f"{path.name}: unknown dynamic key {key}"
                suffix = rest.partition("}")[2]
                missing += [f"{path.name}: {prefix}{v}{suffix}" for v in values
                            if f"{prefix}{v}{suffix}" not in known and not suffix]
            elif key not in known:
                missing.append(f"{path.name}: {key}")
    assert not missing, missing


def test_a_missing_placeholder_shows_as_nothing_instead_of_crashing() -> None:
    assert Texts("da")("error.corrupt_file").startswith("En af profilens filer")


def test_english_falls_back_to_danish_per_text() -> None:
    assert localize({"da": "Hej"}, "en") == "Hej"
    assert Texts("en")("home.title") == "My conversations"
    assert Texts("xx").lang == "da"

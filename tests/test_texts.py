"""Every text the code asks for exists in Danish and English."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conversations.texts import Texts, localize

ROOT = Path(__file__).resolve().parent.parent
KEY_CALL = re.compile(
    r"""\b(?:(?:t|texts)\(|say\(\s*\w+,)\s*f?["']([a-z_]+\.[A-Za-z_.{}]+)["']"""
)
DYNAMIC_FAMILIES = {
    "kind.{item.kind.value}": "kind.",
    "kind.{self.draft.conversation.kind.value}": "kind.",
    "kind.long.{k.value}": "kind.long.",
    "task.{task.value}": "task.",
    "state.{item.state.value}": "state.",
    "language.{code}": "language.",
    "sync.{status.state.value}": "sync.",
    "sync.{status.phase}_count": "sync.",
    "conflict.field.{clash['field']}": "conflict.field.",
    "kind.long.{kind.value}": "kind.long.",
    "kind.{kind.value}": "kind.",
    "doc.practice.{g.practice_field.value}": "doc.practice.",
    "doc.status.{g.status.value}": "doc.status.",
    "doc.status.{a.status.value}": "doc.status.",
}


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
                prefix = DYNAMIC_FAMILIES.get(key)
                assert prefix, f"{path.name}: unknown dynamic key {key}"
                assert any(k.startswith(prefix) for k in known)
            elif key not in known:
                missing.append(f"{path.name}: {key}")
    assert not missing, missing


def test_a_missing_placeholder_shows_as_nothing_instead_of_crashing() -> None:
    assert Texts("da")("error.corrupt_file").startswith("En af profilens filer")


def test_english_falls_back_to_danish_per_text() -> None:
    assert localize({"da": "Hej"}, "en") == "Hej"
    assert Texts("en")("home.title") == "My conversations"
    assert Texts("xx").lang == "da"

"""Every text the code asks for exists in Danish and English."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from conversations.competence import Level
from conversations.model import GoalStatus, Kind, PracticeField, State, Task
from conversations.overview import BOARD_COLUMNS, BoardState
from conversations.sheets import PROBLEM_KEYS, PROBLEM_SUBJECTS, QuestionType
from conversations.texts import localize
from resources.texts import Texts
from services.syncing import SyncState
from tests.flet_fake import text_keys_in
from views.team import SECTIONS

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("views", "services", "conversations", "documents", "resources", "storage", "sync")
KEY = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+$")
KEY_PREFIX = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*\.$")
# Strings shaped like a text key that name something else: a constant whose name ends
# in _KEY (the vault's meta keys in storage/schema.py, "sync.outbox" …) is not a text.
NOT_A_TEXT_SUFFIX = "_KEY"

_kinds = tuple(k.value for k in Kind)
# Keys built at run time (``f"kind.{kind.value}"``): the part before the brace, and
# every value the brace can take, so each of those keys must exist.
DYNAMIC_FAMILIES: dict[str, tuple[str, ...]] = {
    "kind.": _kinds,
    "kind.long.": _kinds,
    "task.": tuple(t.value for t in Task),
    "state.": tuple(s.value for s in State),
    "language.": ("da", "en"),
    "sync.": (*(s.value for s in SyncState), "push_count", "pull_count"),
    "conflict.field.": ("answers", "ratings", "notes", "shared_with_leader", "placed_cards",
                        "priorities", "sub_goals"),
    "doc.practice.": tuple(p.value for p in PracticeField),
    "doc.status.": tuple(g.value for g in GoalStatus),
    "team.section.": SECTIONS,
    "board.": tuple(b.value for b in BoardState),
    "board.col.": BOARD_COLUMNS,
    "month.": tuple(str(m) for m in range(1, 13)),
    "level.": tuple(level.name.lower() for level in Level),
    "editor.type.": tuple(q.value for q in QuestionType),
    "sheetproblem.": PROBLEM_KEYS,
    "sheetproblem.what.": PROBLEM_SUBJECTS,
}


def load(lang: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((ROOT / "assets" / "i18n" / f"{lang}.json").read_text())
    return data


def keys_in_code(known_prefixes: set[str]) -> dict[str, str]:
    """Every text key a product module names, literal or built in an f-string, with
    where it is named. A string counts as a key when it is shaped like one and starts
    with a family the translation files have (``home.``, ``error.`` …), wherever it
    stands: in ``t(...)``, in a conditional, in an exception, in a table."""
    found: dict[str, str] = {}
    paths = [p for folder in PRODUCT for p in sorted((ROOT / folder).glob("*.py"))]
    for path in [*paths, ROOT / "main.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        not_texts = {id(node.value) for node in ast.walk(tree)
                     if isinstance(node, ast.Assign) and all(
                         isinstance(t, ast.Name) and t.id.endswith(NOT_A_TEXT_SUFFIX)
                         for t in node.targets)}
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.JoinedStr):
                head = node.values[0] if node.values else None
                if isinstance(head, ast.Constant) and isinstance(head.value, str) \
                        and KEY_PREFIX.match(head.value) \
                        and head.value.split(".")[0] in known_prefixes:
                    found.update({k: where for k in expand(node, head.value, where)})
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and KEY.match(node.value) and node.value.split(".")[0] in known_prefixes \
                    and id(node) not in not_texts:
                found[node.value] = where
    return found


def expand(node: ast.JoinedStr, prefix: str, where: str) -> list[str]:
    values = DYNAMIC_FAMILIES.get(prefix)
    assert values, f"{where}: a key family nobody listed: {ast.unparse(node)}"
    tail = node.values[2:]
    suffix = "".join(str(v.value) for v in tail if isinstance(v, ast.Constant))
    if suffix:
        return [prefix + v for v in values if v.endswith(suffix)] or [prefix + suffix]
    return [prefix + v for v in values]


def test_danish_and_english_have_the_same_keys() -> None:
    assert set(load("da")) == set(load("en"))


def test_every_text_key_named_in_code_exists_in_danish_and_english() -> None:
    danish, english = load("da"), load("en")
    used = keys_in_code({k.split(".")[0] for k in danish})
    missing = sorted(f"{where}: {key}" for key, where in used.items()
                     if key not in danish or key not in english)
    assert not missing, missing


def test_the_key_finder_sees_a_key_chosen_in_a_conditional() -> None:
    """The home card chose between two keys in one call; the old finder saw only the
    first, and "home.follow_up_due" reached the screen as a raw key."""
    used = keys_in_code({k.split(".")[0] for k in load("da")})
    assert "home.follow_up_due" in used
    assert "home.follow_up_overdue" in used


def test_no_text_is_empty_or_left_untranslated_as_a_key() -> None:
    for lang in ("da", "en"):
        for key, text in load(lang).items():
            assert text.strip(), f"{lang}: {key} is empty"
            assert not text_keys_in(text), f"{lang}: {key} reads like a key: {text}"


def test_a_key_on_screen_is_recognised_but_ordinary_words_are_not() -> None:
    shown = "14. juni 2026 kl. 10.00 · aftale indgået · home.follow_up_due"
    assert text_keys_in(shown) == ["home.follow_up_due"]
    assert text_keys_in("data.json, anna@firma.dk, smb://server/share, kl. 10.00") == []
    assert text_keys_in(Texts("da")("home.progress", answered=1, total=2)) == []


def test_one_of_something_is_said_in_the_singular() -> None:
    da, en = Texts("da"), Texts("en")
    assert da("heat.demand_detail", count=1, gaps=1, goals=0) == \
        "1 person · 1 fra vurderinger, 0 fra mål"
    assert da("heat.demand_detail", count=2, gaps=1, goals=1) == \
        "2 personer · 1 fra vurderinger, 1 fra mål"
    assert en("year.urgent", count=1) == "1 follow-up needs action"
    assert da("year.month_count", month="Marts", count=0) == "Marts: 0 samtaler"


def test_every_singular_has_a_plural_and_no_text_hedges_with_brackets() -> None:
    for lang in ("da", "en"):
        texts = load(lang)
        for key, text in texts.items():
            assert "(er)" not in text and "(s)" not in text, f"{lang}: {key}: {text}"
            if key.endswith(".one"):
                assert key.removesuffix(".one") in texts, key


def test_a_missing_placeholder_shows_as_nothing_instead_of_crashing() -> None:
    assert Texts("da")("error.corrupt_file").startswith("En af profilens filer")


def test_english_falls_back_to_danish_per_text() -> None:
    assert localize({"da": "Hej"}, "en") == "Hej"
    assert Texts("en")("home.title") == "My conversations"
    assert Texts("xx").lang == "da"

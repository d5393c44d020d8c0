"""Texts shown to people, from ``assets/i18n/<lang>.json``. Danish first.

Code names a text by key (``t("home.title")``); the translation files hold the words.
A text with a ``count`` may have a singular beside it, ``<key>.one``, used when the
count is 1 ("1 person", not "1 personer").
A key missing in the chosen language falls back to Danish, then to the key itself, so
a gap shows up on screen and in ``tests/test_texts.py`` instead of crashing.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path

from conversations.texts import DEFAULT_LANGUAGE, LANGUAGES, localize

ASSETS = Path(__file__).resolve().parent.parent / "assets"
SINGULAR = "one"


@functools.cache
def _table(lang: str) -> Mapping[str, str]:
    path = ASSETS / "i18n" / f"{lang}.json"
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: the top level must be an object of key: text")
    return data


class Texts:
    def __init__(self, lang: str = DEFAULT_LANGUAGE) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE

    def __call__(self, key: str, **params: object) -> str:
        if params.get("count") == 1 and self._find(f"{key}.{SINGULAR}"):
            key = f"{key}.{SINGULAR}"
        text = self._find(key) or key
        return text.format_map(_Params(params))

    def _find(self, key: str) -> str | None:
        return _table(self.lang).get(key) or _table(DEFAULT_LANGUAGE).get(key)

    def localize(self, text: Mapping[str, str] | str | None) -> str:
        return localize(text, self.lang)


class _Params(dict[str, object]):
    """A placeholder nobody filled in shows as nothing rather than crashing."""

    def __missing__(self, key: str) -> str:
        return ""

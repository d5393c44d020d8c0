"""Languages, and texts that carry their own translations (``{"da": …, "en": …}``, as
in question sheets). Danish first. The translation files behind the app's other texts
are read by ``resources.texts``."""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES: tuple[str, ...] = ("da", "en")
DEFAULT_LANGUAGE = "da"


def localize(text: Mapping[str, str] | str | None, lang: str) -> str:
    """Picks ``lang`` from a ``{"da": …, "en": …}`` text, falling back to Danish."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    return text.get(lang) or text.get(DEFAULT_LANGUAGE) or next(iter(text.values()), "")

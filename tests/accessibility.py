"""What a screen reader is told about the controls on a screen, read from the browser's
own accessibility tree (Chrome DevTools' ``Accessibility.getFullAXTree``), not from the
page's markup: the role and name each control is announced with."""

from __future__ import annotations

from collections import Counter
from typing import Any

CONTROL_ROLES = frozenset({
    "button", "checkbox", "radio", "combobox", "textbox", "switch", "slider",
    "menuitem", "tab", "link", "spinbutton", "searchbox", "listbox", "menuitemcheckbox",
    "menuitemradio", "option",
})


def controls(page: Any) -> list[tuple[str, str]]:
    """(role, name) of every control the browser exposes on ``page`` right now."""
    cdp = page.context.new_cdp_session(page)
    try:
        tree = cdp.send("Accessibility.getFullAXTree")
    finally:
        cdp.detach()
    found: list[tuple[str, str]] = []
    for node in tree["nodes"]:
        if node.get("ignored"):
            continue
        role = str(node.get("role", {}).get("value", ""))
        if role in CONTROL_ROLES:
            found.append((role, " ".join(str(node.get("name", {}).get("value", "")).split())))
    return found


def problems(page: Any) -> list[str]:
    """Controls a screen reader cannot tell apart: those without a name, and two of the
    same role with the same name."""
    found = controls(page)
    unnamed = [f"{role} without a name" for role, name in found if not name]
    twice = [f"{role} »{name}« ×{count}"
             for (role, name), count in Counter(found).items() if name and count > 1]
    return unnamed + twice

"""Runs the real screens without a browser: a Flet Session on a fake connection.

Flet's own event dispatch, auto-update and diffing run for real; only the socket is
missing. It leans on ``flet.messaging`` internals, so that knowledge stays in this file.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import re
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import flet as ft
import msgpack
from flet.controls.base_control import BaseControl
from flet.messaging.connection import Connection
from flet.messaging.protocol import configure_encode_object_for_msgpack
from flet.messaging.session import Session
from flet.pubsub.pubsub_hub import PubSubHub

_encode = configure_encode_object_for_msgpack(BaseControl)
T = TypeVar("T")


class FakeConnection(Connection):
    def __init__(self) -> None:
        super().__init__()
        self.pubsubhub = PubSubHub()
        self.messages: list[Any] = []

    def send_message(self, message: Any) -> None:
        msgpack.packb([message.action, message.body], default=_encode)
        self.messages.append(message)


class FakeClient:
    def __init__(self) -> None:
        self.conn = FakeConnection()
        self.session = Session(self.conn)
        self.page = self.session.page
        self.page.width = 390
        msgpack.packb(self.session.get_page_patch(), default=_encode)

    async def start(self, main: Callable[[Any], Awaitable[None]]) -> None:
        from flet.controls.context import _context_page, context

        _context_page.set(self.page)
        context.reset_auto_update()
        await main(self.page)
        await self.session.after_event(self.page)
        self.assert_no_text_keys()

    def type_into(self, control: Any, value: str) -> None:
        self.session.apply_patch(control._i, {"value": value})

    async def fire(self, control: Any, event: str = "click", data: Any = None) -> None:
        await self.session.dispatch_event(control._i, event, data)
        self.assert_no_text_keys()

    def controls(self) -> Iterator[Any]:
        """Every control on the page, app bar, floating button and open dialogs included."""
        return walk(*self.page.controls, self.page.appbar, self.page.floating_action_button,
                    *self.page._dialogs.controls)

    def shown(self) -> list[str]:
        """Every string a person sees or hears: texts, labels, hints, tooltips, options."""
        return [s for c in self.controls() for s in _strings_of(c)]

    def assert_no_text_keys(self) -> None:
        """Every screen the view tests reach fails on a text key shown instead of words."""
        keys = sorted({k for s in self.shown() for k in text_keys_in(s)})
        assert not keys, f"text keys on screen instead of words: {keys}"

    def find(self, kind: type[T], **props: Any) -> T:
        found = [
            c for c in self.controls()
            if isinstance(c, kind) and all(_matches(_prop(c, k), v) for k, v in props.items())
        ]
        if not found:
            near = sorted({str(_prop(c, k)) for c in self.controls()
                           if isinstance(c, kind) for k in props})
            raise AssertionError(f"no {kind.__name__} with {props}; there are {near[:40]}")
        return found[0]

    def session_of_app(self) -> Any:
        """The app's own session object (services.session.AppSession) behind this page."""
        return self.page.data.session

    def texts(self) -> list[str]:
        return [c.value for c in self.controls() if isinstance(c, ft.Text) and c.value]


_NAMED = ("label", "tooltip", "hint_text", "helper_text", "error_text", "semantics_label",
          "text", "prefix_text", "suffix_text", "counter_text")
_KEY_PREFIXES = frozenset(
    key.split(".")[0] for key in json.loads(
        (Path(__file__).resolve().parent.parent / "assets" / "i18n" / "da.json").read_text())
)
_KEY_SHAPE = re.compile(r"(?<![\w.@/:])([a-z][a-z0-9]*(?:_[a-z0-9]+)*)((?:\.[a-z0-9_]+)+)(?![\w.])")


def text_keys_in(text: str) -> list[str]:
    """The parts of ``text`` shaped like a translation key (``home.follow_up_due``): a key
    family the translation files know, a dot, lower-case words. "kl. 10.00" or
    "data.json" are not: no family "kl" or "data" exists."""
    return [m.group(0) for m in _KEY_SHAPE.finditer(text) if m.group(1) in _KEY_PREFIXES]


def _strings_of(control: Any) -> Iterator[str]:
    if isinstance(control, ft.Text) and isinstance(control.value, str):
        yield control.value
    for name in _NAMED:
        value = getattr(control, name, None)
        if isinstance(value, str):
            yield value
        elif isinstance(message := getattr(value, "message", None), str):
            yield message
    if isinstance(getattr(control, "content", None), str):
        yield control.content
    if isinstance(control, ft.Dropdown):
        yield from (o.text or o.key or "" for o in control.options or [])
    if isinstance(control, ft.TextField) and isinstance(control.value, str) \
            and control.read_only:
        yield control.value


def accessible_name(control: Any) -> str:
    """The name the browser gives a control, as far as its Flet properties tell: an icon
    button by its icon's semantics label (a tooltip names only the tooltip, not the
    button), a button by its text, a field or box by its label."""
    icon = getattr(control, "icon", None)
    if isinstance(control, ft.IconButton | ft.FloatingActionButton) and not isinstance(
            getattr(control, "content", None), str):
        return str(getattr(icon, "semantics_label", None) or "")
    content = getattr(control, "content", None)
    if isinstance(content, str):
        return content
    if isinstance(content, ft.Text):
        return str(content.semantics_label or content.value or "")
    label = getattr(control, "label", None)
    if isinstance(label, ft.Text):
        return str(label.semantics_label or label.value or "")
    return str(label or "")


def _prop(control: Any, name: str) -> Any:
    return accessible_name(control) if name == "name" else getattr(control, name, None)


def _matches(actual: Any, wanted: Any) -> bool:
    """Names match exactly, as a screen reader user would hear them."""
    return bool(actual == wanted)


def walk(*roots: Any) -> Iterator[Any]:
    """``roots`` (None left out) and every control inside them."""
    stack = [r for r in roots if r is not None]
    while stack:
        control = stack.pop()
        yield control
        for name in ("controls", "content", "actions", "leading", "title", "subtitle",
                     "trailing", "label"):
            child = getattr(control, name, None)
            if isinstance(child, list):
                stack.extend(c for c in child if isinstance(c, BaseControl))
            elif isinstance(child, BaseControl):
                stack.append(child)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a worker thread, safe beside a running Playwright loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()

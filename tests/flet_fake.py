"""Runs the real screens without a browser: a Flet Session on a fake connection.

Flet's own event dispatch, auto-update and diffing run for real; only the socket is
missing. It leans on ``flet.messaging`` internals, so that knowledge stays in this file.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any, TypeVar

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

    def type_into(self, control: Any, value: str) -> None:
        self.session.apply_patch(control._i, {"value": value})

    async def fire(self, control: Any, event: str = "click", data: Any = None) -> None:
        await self.session.dispatch_event(control._i, event, data)

    def controls(self) -> Iterator[Any]:
        """Every control on the page, app bar and floating button included."""
        return walk(*self.page.controls, self.page.appbar, self.page.floating_action_button)

    def find(self, kind: type[T], **props: Any) -> T:
        found = [
            c for c in self.controls()
            if isinstance(c, kind) and all(_matches(getattr(c, k, None), v)
                                           for k, v in props.items())
        ]
        if not found:
            near = sorted({str(getattr(c, k, None)) for c in self.controls()
                           if isinstance(c, kind) for k in props})
            raise AssertionError(f"no {kind.__name__} with {props}; there are {near[:40]}")
        return found[0]

    def session_of_app(self) -> Any:
        """The app's own session object (services.session.AppSession) behind this page."""
        return self.page.data.session

    def texts(self) -> list[str]:
        import flet as ft

        return [c.value for c in self.controls() if isinstance(c, ft.Text) and c.value]


def _matches(actual: Any, wanted: Any) -> bool:
    """Names match exactly, as a screen reader user would hear them."""
    return bool(actual == wanted)


def walk(*roots: Any) -> Iterator[Any]:
    """``roots`` (None left out) and every control inside them."""
    stack = [r for r in roots if r is not None]
    while stack:
        control = stack.pop()
        yield control
        for name in ("controls", "content", "actions", "leading", "title", "subtitle"):
            child = getattr(control, name, None)
            if isinstance(child, list):
                stack.extend(c for c in child if isinstance(c, BaseControl))
            elif isinstance(child, BaseControl):
                stack.append(child)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a worker thread, safe beside a running Playwright loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()

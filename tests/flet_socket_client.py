"""Plays the Flutter client of a packaged Flet app on its Unix socket (flet 1.0.5 wire).

Frames are ``u32 little-endian length | type byte | msgpack``; type 0 carries a protocol
message ``[action, body]``. The client registers first (action 1); the app answers with
its page and then sends patches (action 2) whose added controls arrive as dicts with
``_i`` (id) and ``_c`` (type). Clicks are control events (3); typing sets a field's value
(4), as the real client does. Relies on Flet's wire format, so it lives in one place."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgpack

REGISTER_CLIENT, PATCH_CONTROL, CONTROL_EVENT, UPDATE_CONTROL_PROPS = 1, 2, 3, 4
SESSION_CRASHED = 6
PHONE = {"width": 390, "height": 844}


class AppCrashed(AssertionError):
    """The app reported an error in place of a page."""


def walk(value: Any) -> Iterator[Any]:
    """Every value inside ``value``, depth first (dicts, lists and leaves)."""
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from walk(item)


class FletSocketClient:
    def __init__(self, path: Path, *, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.controls: dict[int, dict[str, Any]] = {}
        self.strings: set[str] = set()
        self._connect(path)

    def _connect(self, path: Path) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                self.sock.connect(str(path))
                return
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)  # polling for the socket the app is about to create

    def close(self) -> None:
        self.sock.close()

    # --- the wire ---------------------------------------------------------------------

    def send(self, action: int, body: dict[str, Any]) -> None:
        packet = b"\x00" + msgpack.packb([action, body])
        self.sock.sendall(struct.pack("<I", len(packet)) + packet)

    def _read_exactly(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError("the app closed the connection")
            data += chunk
        return data

    def receive(self) -> list[Any]:
        (length,) = struct.unpack("<I", self._read_exactly(4))
        packet = self._read_exactly(length)
        if packet[0] != 0:
            return []  # a data-channel frame; none is expected here
        message = msgpack.unpackb(packet[1:], strict_map_key=False,
                                  ext_hook=msgpack.ExtType)
        if message[0] == SESSION_CRASHED:
            raise AppCrashed(str(message[1]))
        for value in walk(message[1]):
            if isinstance(value, dict) and "_i" in value and "_c" in value:
                self.controls[value["_i"]] = value
            elif isinstance(value, str):
                self.strings.add(value)
        return list(message)

    # --- what a person does -------------------------------------------------------------

    def register(self, platform: str = "android") -> None:
        page = {"route": "/", "platform": platform, **PHONE}
        self.send(REGISTER_CLIENT, {"session_id": None, "page_name": "", "page": page})

    def wait_for(self, found: Callable[[], Any], what: str) -> Any:
        self.sock.settimeout(self.timeout)
        deadline = time.monotonic() + self.timeout
        while not (result := found()):
            if time.monotonic() > deadline:
                raise AssertionError(f"never arrived: {what}")
            self.receive()
        return result

    def wait_for_text(self, text: str) -> None:
        self.wait_for(lambda: text in self.strings, repr(text))

    def control(self, kind: str, **props: Any) -> dict[str, Any] | None:
        for control in reversed(list(self.controls.values())):
            if control["_c"] == kind and all(control.get(k) == v for k, v in props.items()):
                found: dict[str, Any] = control
                return found
        return None

    def wait_for_control(self, kind: str, **props: Any) -> dict[str, Any]:
        found: dict[str, Any] = self.wait_for(lambda: self.control(kind, **props),
                                              f"{kind} {props}")
        return found

    def click(self, control: dict[str, Any]) -> None:
        self.send(CONTROL_EVENT, {"target": control["_i"], "name": "click", "data": None})

    def type_into(self, control: dict[str, Any], text: str) -> None:
        self.send(UPDATE_CONTROL_PROPS, {"id": control["_i"], "props": {"value": text}})
        self.send(CONTROL_EVENT, {"target": control["_i"], "name": "change", "data": text})

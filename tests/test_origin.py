"""Only pages the app served itself may open its live connection."""

from __future__ import annotations

import base64
import os
import socket
from collections.abc import Iterator

import pytest

from tests.browser import AppServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    running = AppServer(tmp_path_factory.mktemp("origin") / "data")
    running.start()
    yield running
    running.stop()


def handshake(server: AppServer, origin: str | None) -> str:
    """The status line the app answers a web-socket handshake with."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        "GET /ws HTTP/1.1",
        f"Host: 127.0.0.1:{server.port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return conn.recv(1024).decode(errors="replace").split("\r\n", 1)[0]


def test_a_page_from_another_site_cannot_open_the_apps_connection(server: AppServer) -> None:
    assert " 403 " in handshake(server, "https://evil.example") + " "
    assert " 403 " in handshake(server, f"http://127.0.0.1:{server.port + 1}") + " "


def test_the_apps_own_page_can(server: AppServer) -> None:
    assert " 101 " in handshake(server, f"http://127.0.0.1:{server.port}") + " "
    assert " 101 " in handshake(server, f"http://localhost:{server.port}") + " "

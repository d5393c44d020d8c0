"""Pytest fixtures over a real Samba server (smbd) on loopback, for the SMB share tests.

The server itself is ``tests.samba_server.SambaServer`` (shared with ``bench sync``):
its whole configuration, state and share live under a temp dir (nothing in /etc), on a
free port of 127.0.0.1, as the current Unix user with a test password. Without Samba the
tests skip locally and FAIL under ``CI=true``. ``stop()``/``start()`` cut and restore
the server; ``pause()``/``resume()`` freeze it (SIGSTOP), which is what a hung server
looks like to a client.

Use them from a test module with ``from tests.samba import samba_fixture,
samba_server_fixture`` (the fixtures are named ``samba`` and ``samba_server``; ``samba``
restarts the server when an earlier test left it stopped).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.samba_server import PDBEDIT, SMBD, SambaServer, missing

__all__ = ["PDBEDIT", "SMBD", "SambaServer", "samba_fixture", "samba_server_fixture"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} -- required under CI=true", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session", name="samba_server")
def samba_server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SambaServer]:
    reason = missing()
    if reason:
        _unavailable(reason)
    server = SambaServer(tmp_path_factory.mktemp("samba"))
    server.launch()  # retried on a new port if the probed one was taken meanwhile
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(name="samba")
def samba_fixture(samba_server: SambaServer) -> SambaServer:
    """The session server, running (a previous test may have stopped it)."""
    if not samba_server.running:
        samba_server.start()
    return samba_server

"""A real Samba server (smbd) on loopback, for the SMB share tests.

``samba_server`` is a session fixture: smbd runs with its whole configuration, state and
share under a temp dir (nothing in /etc), on a free port of 127.0.0.1, as the current
Unix user with a test password. Without Samba the tests skip locally and FAIL under
``CI=true``. ``stop()``/``start()`` cut and restore the server; ``pause()``/``resume()``
freeze it (SIGSTOP), which is what a hung server looks like to a client.

Use them from a test module with ``from tests.samba import samba_fixture,
samba_server_fixture`` (the fixtures are named ``samba`` and ``samba_server``; ``samba``
restarts the server when an earlier test left it stopped).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

_SBIN = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/bin"])
SMBD = os.environ.get("SMBD") or shutil.which("smbd", path=_SBIN)
PDBEDIT = shutil.which("pdbedit", path=_SBIN)

_CONF = """[global]
    server role = standalone server
    smb ports = {port}
    interfaces = lo
    bind interfaces only = yes
    disable netbios = yes
    server min protocol = SMB2_10
    private dir = {root}/private
    lock directory = {root}/lock
    state directory = {root}/state
    cache directory = {root}/cache
    pid directory = {root}/pid
    ncalrpc dir = {root}/ncalrpc
    binddns dir = {root}/private/bind-dns
    log file = {root}/log/log.%m
    log level = 1
    passdb backend = tdbsam:{root}/private/passdb.tdb
    map to guest = never
    load printers = no
    printing = bsd
    printcap name = /dev/null
    disable spoolss = yes
    usershare max shares = 0
[share]
    path = {root}/share
    read only = no
"""


class SambaServer:
    """One smbd with everything under ``root``; ``share_dir`` is the share, server side."""

    host = "127.0.0.1"
    share = "share"
    password = "Samtale-Test-Pw!7"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.username = pwd.getpwuid(os.geteuid()).pw_name  # smbd acts as a real Unix user
        self.share_dir = root / "share"
        self.conf = root / "smb.conf"
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        for name in ("share", "private", "lock", "state", "cache", "pid", "ncalrpc", "log"):
            (root / name).mkdir(mode=0o700, parents=True, exist_ok=True)

    def location(self, folder: str = "") -> str:
        """``smb://127.0.0.1:<port>/share[/folder]``."""
        suffix = f"/{folder}" if folder else ""
        return f"smb://{self.host}:{self.port}/{self.share}{suffix}"

    def configure(self) -> None:
        assert SMBD and PDBEDIT
        with socket.socket() as probe:  # a free port; retried by the fixture if taken later
            probe.bind((self.host, 0))
            self.port = probe.getsockname()[1]
        self.conf.write_text(_CONF.format(port=self.port, root=self.root))
        subprocess.run(
            [PDBEDIT, "-s", str(self.conf), "-a", "-t", "-u", self.username],
            input=f"{self.password}\n{self.password}\n",
            text=True,
            check=True,
            capture_output=True,
            timeout=30,
        )

    def start(self, timeout: float = 15.0) -> None:
        assert SMBD
        if self.running:
            return
        with open(self.root / "log" / "smbd.out", "ab") as out:
            self.proc = subprocess.Popen(
                [SMBD, "--foreground", "--no-process-group", "--debug-stdout", "-s", self.conf],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                # smbd signals its whole process group on SIGTERM: keep pytest out of it.
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.proc = None
                raise RuntimeError(f"smbd exited ({code}); see {self.root}/log/smbd.out")
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("smbd did not listen in time") from None
                time.sleep(0.02)

    def stop(self) -> None:
        """Stop smbd and the children serving connections (clients see a cut)."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGCONT)  # in case it was paused
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        with suppress(ProcessLookupError, PermissionError):  # children that outlived the parent
            os.killpg(proc.pid, signal.SIGKILL)

    def pause(self) -> None:
        """Freeze smbd and its children: connections stay open but nothing answers."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGCONT)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} -- required under CI=true", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session", name="samba_server")
def samba_server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SambaServer]:
    if not (SMBD and os.path.exists(SMBD) and PDBEDIT):
        _unavailable("Samba is not installed (smbd/pdbedit not found): apt-get install samba")
    try:
        import smbclient  # noqa: F401
    except ImportError:
        _unavailable("smbprotocol is not installed")
    server = SambaServer(tmp_path_factory.mktemp("samba"))
    for attempt in range(3):  # the free port may be taken between probe and start
        server.configure()
        try:
            server.start()
            break
        except RuntimeError:
            if attempt == 2:
                raise
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

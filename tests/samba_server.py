"""A real Samba server (smbd) on loopback, for the sync benchmark and the SMB tests.

It exists only for ``python main.py bench sync`` (``bench.sync``) and the tests
(``tests/samba.py``); the app never uses it. smbd runs with its whole configuration and
state under a folder it is given (and the share there too, unless ``share_dir`` puts it
elsewhere) — it never touches /etc or the system's Samba state — listens only on a free
port of 127.0.0.1, and serves as the current Unix user with a fixed test password (a
tdbsam passdb under that folder). smbd keeps Unix sockets under that folder, so its path
must be short (``MAX_ROOT`` characters): a system temp folder is.

``stop()``/``start()`` cut and restore the server; ``pause()``/``resume()`` freeze it
(SIGSTOP), which is what a hung server looks like to a client. ``started(root)`` is the
usual way in: a configured, listening server, stopped on leaving.
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
from contextlib import contextmanager, suppress
from pathlib import Path

_SBIN = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/bin"])
SMBD = os.environ.get("SMBD") or shutil.which("smbd", path=_SBIN)
PDBEDIT = shutil.which("pdbedit", path=_SBIN)

MAX_ROOT = 72
"""Longest state folder path: smbd's sockets (``lock/msg.sock/<pid>``) must fit in the
108 bytes of a Unix socket address; longer, smbd exits at start without saying why."""

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
    path = {share_dir}
    read only = no
"""


def missing() -> str | None:
    """Why no loopback server can run here (Samba or smbprotocol not installed), or None."""
    if not (SMBD and os.path.exists(SMBD) and PDBEDIT):
        return "Samba is not installed (smbd/pdbedit not found): apt-get install samba"
    try:
        import smbclient  # noqa: F401
    except ImportError:
        return "smbprotocol is not installed"
    return None


class SambaServer:
    """One smbd with its state under ``root``; ``share_dir`` is the share, server side
    (``root/share`` unless given)."""

    host = "127.0.0.1"
    share = "share"
    password = "Samtale-Test-Pw!7"

    def __init__(self, root: Path, share_dir: Path | None = None) -> None:
        root = root.absolute()
        if len(str(root)) > MAX_ROOT:
            raise ValueError(f"smbd's state folder must be at most {MAX_ROOT} characters "
                             f"long (its Unix sockets live there): {root}")
        self.root = root
        self.username = pwd.getpwuid(os.geteuid()).pw_name  # smbd acts as a real Unix user
        self.share_dir = (share_dir or root / "share").absolute()
        self.share_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.conf = root / "smb.conf"
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        for name in ("private", "lock", "state", "cache", "pid", "ncalrpc", "log"):
            (root / name).mkdir(mode=0o700, parents=True, exist_ok=True)

    def location(self, folder: str = "") -> str:
        """``smb://127.0.0.1:<port>/share[/folder]``."""
        suffix = f"/{folder}" if folder else ""
        return f"smb://{self.host}:{self.port}/{self.share}{suffix}"

    def configure(self) -> None:
        """Pick a free loopback port, write smb.conf and add the user to the passdb."""
        assert SMBD and PDBEDIT
        with socket.socket() as probe:  # a free port; ``launch`` retries if taken later
            probe.bind((self.host, 0))
            self.port = probe.getsockname()[1]
        self.conf.write_text(
            _CONF.format(port=self.port, root=self.root, share_dir=self.share_dir)
        )
        subprocess.run(
            [PDBEDIT, "-s", str(self.conf), "-a", "-t", "-u", self.username],
            input=f"{self.password}\n{self.password}\n",
            text=True,
            check=True,
            capture_output=True,
            timeout=30,
        )

    def launch(self, attempts: int = 3) -> None:
        """``configure`` and ``start``, on a new port when the probed one was taken."""
        for attempt in range(attempts):
            self.configure()
            try:
                self.start()
                return
            except RuntimeError:
                if attempt == attempts - 1:
                    raise

    def start(self, timeout: float = 15.0) -> None:
        """Start smbd (configured before) and wait until it accepts connections."""
        assert SMBD
        if self.running:
            return
        with open(self.root / "log" / "smbd.out", "ab") as out:
            self.proc = subprocess.Popen(
                [SMBD, "--foreground", "--no-process-group", "--debug-stdout", "-s", self.conf],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                # smbd signals its whole process group on SIGTERM: keep the caller out of it.
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


@contextmanager
def started(root: Path, share_dir: Path | None = None) -> Iterator[SambaServer]:
    """A listening server with its state under ``root`` (short: see ``MAX_ROOT``) and the
    share in ``share_dir`` (``root/share`` unless given); stopped on leaving."""
    server = SambaServer(root, share_dir)
    try:
        server.launch()
        yield server
    finally:
        server.stop()

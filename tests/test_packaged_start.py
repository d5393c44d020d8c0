"""Samtale starts the way a packaged Flet app (``flet build apk|ipa|…``) starts it.

The bundle is a copy of the app without ``.venv``; a child Python does what Flet's
runtime does (``runpy.run_module("main", run_name="__main__")``, ``sys.argv == [""]``,
working folder = ``FLET_APP_STORAGE_DATA``, the host's variables, a Unix socket as the
transport), and the test plays the Flutter client on that socket. An audit hook in the
child reports every process it starts and every internet socket it binds or connects.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.flet_socket_client import FletSocketClient

ROOT = Path(__file__).resolve().parent.parent
PIN = "246813"
TEXTS = json.loads((ROOT / "assets" / "i18n" / "da.json").read_text(encoding="utf-8"))
EXCLUDED = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
               ["tool"]["flet"]["app"]["exclude"])


def not_in_bundle(folder: str, names: list[str]) -> set[str]:
    """What `flet build` leaves out ([tool.flet.app].exclude), and compiled leftovers."""
    where = Path(folder).relative_to(ROOT)
    return {name for name in names
            if (where / name).as_posix() in EXCLUDED or name == "__pycache__"
            or name.endswith(".egg-info")}

# What serious_python's runtime does before it hands over to the app, plus an audit hook
# that reports what a phone could not do (start processes, use the network).
HOST = r"""
import os, runpy, socket, sys
bundle = sys.argv[1]
def report(event, args):
    if event in ("subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.system",
                 "os.fork"):
        print(f"HOST-AUDIT process {event} {args[:2]!r}", file=sys.stderr, flush=True)
    elif event in ("socket.bind", "socket.connect") and getattr(args[0], "family", None) in (
            socket.AF_INET, socket.AF_INET6):
        print(f"HOST-AUDIT network {event} {args[1]!r}", file=sys.stderr, flush=True)
sys.addaudithook(report)
sys.path.insert(0, bundle)
sys.argv = [""]
os.chdir(os.environ["FLET_APP_STORAGE_DATA"])
runpy.run_module("main", run_name="__main__")
"""


@dataclass
class PhoneFolders:
    """The folders a phone gives the app, all inside one temporary root."""

    root: Path

    @property
    def bundle(self) -> Path:
        return self.root / "bundle"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket(self) -> Path:
        return self.root / "transport" / "flet.sock"

    def env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.root / "home"),
            "LANG": "C.UTF-8",
            "FLET_PLATFORM": "android",
            "FLET_APP_STORAGE_DATA": str(self.data),
            "FLET_APP_STORAGE_CACHE": str(self.root / "cache"),
            "FLET_APP_STORAGE_TEMP": str(self.root / "temp"),
            "FLET_APP_CONSOLE": str(self.root / "console.log"),
            "FLET_ASSETS_DIR": str(self.bundle / "assets"),
            "FLET_SERVER_UDS_PATH": str(self.socket),
            "PIP_NO_INDEX": "1",
            "CRYPTOGRAPHY_OPENSSL_NO_LEGACY": "1",
        }

    def files(self) -> set[str]:
        return {p.relative_to(self.root).as_posix() for p in self.root.rglob("*")
                if p.is_file() or p.is_socket()}


@pytest.fixture(scope="module")
def device(tmp_path_factory: pytest.TempPathFactory) -> PhoneFolders:
    phone = PhoneFolders(tmp_path_factory.mktemp("phone"))
    shutil.copytree(ROOT, phone.bundle, ignore=not_in_bundle)
    for folder in ("data", "cache", "temp", "home", "transport"):
        (phone.root / folder).mkdir()
    return phone


class Started:
    def __init__(self, device: PhoneFolders) -> None:
        self.device = device
        self.began = time.perf_counter()
        # -B: the runtime imports code compiled at build time; nothing is written into the
        # bundle. -I: no user site or PYTHON* variables from this machine.
        self.child = subprocess.Popen(
            [sys.executable, "-I", "-B", "-c", HOST, str(device.bundle)],
            cwd=device.data, env=device.env(),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.client = FletSocketClient(device.socket)
        self.client.register()

    def tcp_sockets(self) -> list[str]:
        """The child's TCP sockets (listening or not), from /proc."""
        inodes = set()
        for fd in Path(f"/proc/{self.child.pid}/fd").iterdir():
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        found = []
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[9] in inodes:
                    found.append(f"{table} {fields[1]} state {fields[3]}")
        return found

    def stop(self) -> str:
        self.client.close()
        self.child.send_signal(signal.SIGTERM)
        _out, err = self.child.communicate(timeout=30)
        return err


def click_button(client: FletSocketClient, kind: str, text: str) -> None:
    client.click(client.wait_for_control(kind, content=text))


def type_field(client: FletSocketClient, label: str, text: str) -> None:
    client.type_into(client.wait_for_control("TextField", label=label), text)


def test_packaged_start_creates_a_profile_that_the_next_start_unlocks(
    device: PhoneFolders, capsys: pytest.CaptureFixture[str]
) -> None:
    before = device.files()

    first = Started(device)
    try:
        first.client.wait_for_text(TEXTS["start.welcome_title"])
        took = time.perf_counter() - first.began
        with capsys.disabled():
            print(f"\npackaged start, first run: first page after {took:.2f} s")
        assert first.tcp_sockets() == []
        click_button(first.client, "FilledButton", TEXTS["start.create_profile"])
        type_field(first.client, TEXTS["create.name"], "Anna Test")
        type_field(first.client, TEXTS["create.pin"], PIN)
        type_field(first.client, TEXTS["create.pin_again"], PIN)
        click_button(first.client, "FilledButton", TEXTS["create.submit"])
        first.client.wait_for_text(TEXTS["recovery.title"])
        assert first.tcp_sockets() == []
    finally:
        first_log = first.stop()
    assert "HOST-AUDIT" not in first_log, first_log

    second = Started(device)
    try:
        type_field(second.client, TEXTS["unlock.pin"], PIN)
        took = time.perf_counter() - second.began
        with capsys.disabled():
            print(f"packaged start, second run: unlock page after {took:.2f} s")
        click_button(second.client, "FilledButton", TEXTS["unlock.submit"])
        second.client.wait_for_text(TEXTS["home.title"])
        assert second.tcp_sockets() == []
    finally:
        second_log = second.stop()
    assert "HOST-AUDIT" not in second_log, second_log

    new = device.files() - before
    outside = sorted(f for f in new if not f.startswith("data/") and f != "transport/flet.sock")
    assert outside == [], f"written outside FLET_APP_STORAGE_DATA: {outside}"
    assert any(f.startswith("data/Samtale/vaults/") for f in new)
    assert not (device.bundle / ".venv").exists()

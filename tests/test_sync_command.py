"""``python3 main.py sync``: one unattended sync for a scheduled task."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conversations.demo import DEMO_PIN
from resources.library import load_library
from services.app import AppSession
from storage import Device, KdfParams

ROOT = Path(__file__).resolve().parent.parent


def run_sync(data: Path, *args: str, pin: str = DEMO_PIN) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "sync", "--data", str(data), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "SAMTALE_PIN": pin},
    )


def demo_device(data: Path) -> tuple[AppSession, str]:
    session = AppSession(Device(data, kdf=KdfParams.FAST_FOR_TESTS), load_library())
    session.create_demo()
    assert session.vault is not None
    anna = session.vault.id
    return session, anna


def test_a_scheduled_sync_sends_and_reports_without_printing_content(data_dir: Path) -> None:
    session, anna = demo_device(data_dir)
    session.lock()
    result = run_sync(data_dir, "--profile", anna)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Synced: sent ")
    assert "Anna" not in result.stdout + result.stderr


def test_several_profiles_need_a_choice_and_a_wrong_pin_is_refused(data_dir: Path) -> None:
    session, anna = demo_device(data_dir)
    session.lock()
    unclear = run_sync(data_dir)
    assert unclear.returncode == 2 and "--profile" in unclear.stderr
    wrong = run_sync(data_dir, "--profile", anna, pin="forkert-pin")
    assert wrong.returncode == 1 and "Forkert PIN-kode" in wrong.stderr


def test_an_unreachable_share_exits_with_its_own_status(data_dir: Path, tmp_path: Path) -> None:
    session, anna = demo_device(data_dir)
    session.set_share(str(tmp_path / "not-mounted"), "", "")
    session.lock()
    result = run_sync(data_dir, "--profile", anna)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "cannot be reached" in result.stdout


def test_hr_maintains_the_share_after_the_sync_and_others_may_not(data_dir: Path) -> None:
    session, anna = demo_device(data_dir)
    henrik = next(p.id for p in session.profiles() if p.symbol == 2)
    session.lock()
    result = run_sync(data_dir, "--profile", henrik, "--maintain")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Synced: sent ")
    assert lines[1].startswith("Maintained: removed 0 objects, 0 bytes — erasure 0 (0 bytes)")
    assert " in " in lines[1] and lines[1].endswith(" s")
    refused = run_sync(data_dir, "--profile", anna, "--maintain")
    assert refused.returncode == 2 and "Kun HR" in refused.stderr

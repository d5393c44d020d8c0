"""The run command serves quickly and leaves PDF work for when a PDF is made."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import main
from bench import startup

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.browser  # the first load is counted in Chromium
def test_startup_bench_serves_within_budget_without_importing_fpdf() -> None:
    result = subprocess.run(
        [sys.executable, "main.py", "bench", "startup", "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"median [\d.]+ s to serving", result.stdout)
    assert "imported at start-up: none of fpdf" in result.stdout
    assert re.search(r"first load in a browser with an empty cache: [\d.]+ MB over the wire",
                     result.stdout)
    assert result.stdout.rstrip().endswith("bench startup: PASS")


def test_startup_bench_fails_when_a_heavy_module_is_imported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(startup, "NOT_AT_STARTUP", ("flet",))
    monkeypatch.setattr(startup, "first_load", lambda: 1_000_000)
    assert startup.main(["--quick"]) == 1
    out = capsys.readouterr().out
    assert "imported at start-up: flet" in out
    assert out.rstrip().endswith("bench startup: FAIL")


def test_an_unknown_benchmark_is_a_usage_error() -> None:
    assert main.bench(["nonsense"]) == 2


def test_startup_bench_fails_when_the_first_load_misses_its_budget(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(startup, "first_load", lambda: startup.FIRST_LOAD_BUDGET + 1)
    assert startup.main(["--quick"]) == 1
    assert capsys.readouterr().out.rstrip().endswith("bench startup: FAIL")

"""The overview benchmark runs in quick mode, prints its numbers and meets its budgets —
and says FAIL when a budget is missed."""

from __future__ import annotations

import re

import pytest

import main
from bench import overview as overview_bench
from tests.benches import quick_bench


def check_output(out: str) -> None:
    assert re.search(r"^bench overview: 1,000 employees x 30 competences x 3 years = "
                     r"[\d,]+ ratings", out, re.M), out
    assert re.search(r"^HR overview by team, \d+ teams +\| +\d+ ms \| +<= 100 ms "
                     r"\(0\.5 s x 1,000/5,000\) \| PASS$", out, re.M), out
    assert re.search(r"^leader's board, 60 people +\| +[\d.]+ ms \| +<= 300 ms \| PASS$",
                     out, re.M), out
    assert re.search(r"^board, all 1,000 people +\| +\d+ ms", out, re.M), out
    assert re.search(r"^MED trends with suppression +\| +\d+ ms", out, re.M), out


def test_quick_overview_bench_passes_and_prints_numbers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert overview_bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    check_output(out)
    assert out.rstrip().endswith("bench overview: PASS")


@pytest.mark.skipif("overview" not in main.BENCHMARKS,
                    reason="main.py does not list the overview bench yet")
def test_quick_overview_bench_runs_from_main_py() -> None:
    check_output(quick_bench("overview"))


def test_a_missed_budget_fails_the_bench(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(overview_bench, "BUDGET_OVERVIEW_S", 1e-6)
    assert overview_bench.main(["--quick", "--runs", "1", "--people", "200"]) == 1
    out = capsys.readouterr().out
    assert re.search(r"^HR overview by team.*\| FAIL$", out, re.M), out
    assert out.rstrip().endswith("bench overview: FAIL")

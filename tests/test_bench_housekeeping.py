"""The housekeeping benchmark runs in quick mode, shows what each maintenance run removed
and what it cost, and says FAIL when its budget is missed."""

from __future__ import annotations

import re

import pytest

from bench import housekeeping as housekeeping_bench
from tests.benches import quick_bench


def test_quick_housekeeping_bench_passes_and_prints_what_each_run_removed() -> None:
    out = quick_bench("housekeeping")
    assert re.search(r"^bench housekeeping: 2,000 envelopes from 100 people", out, re.M), out
    first = re.search(r"^first run +\| ([\d,]+): (.*?) +\|", out, re.M)
    assert first is not None and "retention" in first[2] and "erasure" in first[2], out
    later = re.search(r"^180 days later +\| ([\d,]+): (.*?) +\|", out, re.M)
    assert later is not None and "superseded" in later[2], out
    assert re.search(r"^nothing left to remove \(p50\) +\| 0: none", out, re.M), out


def test_a_missed_housekeeping_budget_fails_the_bench(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(housekeeping_bench, "BUDGET_RATIO", 1e-9)
    assert housekeeping_bench.main(["--quick"]) == 1
    assert capsys.readouterr().out.rstrip().endswith("bench housekeeping: FAIL")

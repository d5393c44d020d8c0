"""The PDF benchmark runs in quick mode, prints its numbers and meets its budgets."""

from __future__ import annotations

import re

from tests.benches import quick_bench


def test_quick_pdf_bench_passes_and_prints_numbers() -> None:
    out = quick_bench("pdf")
    assert re.search(r"^agreement PDF, median of 10 +\| +[\d.]+ ms \| +<= 250 ms \| PASS$",
                     out, re.M), out
    assert re.search(r"^100 agreements, 2 processes +\| +[\d.]+ s \| +<= 12 s "
                     r"\(60 s x 100/500\) \| PASS$", out, re.M), out
    assert re.search(r"^reference: one line, same fonts +\| +[\d.]+ ms", out, re.M), out
    assert re.search(r"agreement = reference \+ -?[\d.]+ ms \([\d.]+x the floor\)", out), out

"""The PDF benchmark runs in quick mode, prints its numbers and meets its budgets."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def test_quick_pdf_bench_passes_and_prints_numbers() -> None:
    result = subprocess.run(
        [sys.executable, "main.py", "bench", "pdf", "--quick"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert out.rstrip().endswith("bench pdf: PASS")
    assert re.search(r"^agreement PDF, median of 10 +\| +[\d.]+ ms \| +<= 250 ms \| PASS$",
                     out, re.M), out
    assert re.search(r"^100 agreements, 2 processes +\| +[\d.]+ s \| +<= 12 s "
                     r"\(60 s x 100/500\) \| PASS$", out, re.M), out
    assert re.search(r"^reference: one line, same fonts +\| +[\d.]+ ms", out, re.M), out
    assert re.search(r"agreement = reference \+ -?[\d.]+ ms \([\d.]+x the floor\)", out), out

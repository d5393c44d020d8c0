"""The storage benchmark runs in quick mode, prints its numbers and meets its budgets."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def test_quick_storage_bench_passes_and_prints_numbers(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "main.py", "bench", "storage", "--quick", "--dir", str(tmp_path)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert out.rstrip().endswith("bench storage: PASS")
    for size in ("100", "1,000", "5,000"):
        assert re.search(rf"^\s+{size} \| +[\d.]+ ms \| +[\d.]+ ms \|", out, re.M), size
    assert re.search(r"raw 5 KB \| +[\d.]+ ms", out)
    assert re.search(r"p99 5k/1k = [\d.]+x", out)
    assert re.search(r"vs TinyDB JSONStorage [\d,]+x faster", out)
    assert re.search(r"unlock \+ catalog\(\): \d+ ms = KDF \d+ ms \+ [\d.]+ ms", out)
    assert list(tmp_path.iterdir()) == []  # the bench cleans up after itself

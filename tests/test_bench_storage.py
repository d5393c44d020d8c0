"""The storage benchmark runs in quick mode, prints its numbers and meets its budgets."""

from __future__ import annotations

import re
from pathlib import Path

from tests.benches import quick_bench


def test_quick_storage_bench_passes_and_prints_numbers(tmp_path: Path) -> None:
    out = quick_bench("storage", "--dir", str(tmp_path))
    for size in ("100", "1,000", "5,000"):
        assert re.search(rf"^\s+{size} \| +[\d.]+ ms \| +[\d.]+ ms \|", out, re.M), size
    assert re.search(r"raw 5 KB \| +[\d.]+ ms", out)
    assert re.search(r"p99 5k/1k = [\d.]+x", out)
    assert re.search(r"vs TinyDB JSONStorage [\d,]+x faster", out)
    assert re.search(r"unlock \+ index\(\): \d+ ms = KDF \d+ ms \+ [\d.]+ ms", out)
    assert list(tmp_path.iterdir()) == []  # the bench cleans up after itself
